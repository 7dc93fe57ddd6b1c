"""What the apps' admin pages share: the site's names, the read-only base, and the audit of
admins reading patients' health data."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.access import log_view

admin.site.site_header = _("B12 log administration")
admin.site.site_title = _("B12 log administration")
admin.site.index_title = _("Templates, people and records")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows an admin may read but never add, change or delete: what patients recorded and the
    audits. Their own pages (with kept versions) are where records change."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedPatientDataAdmin:
    """A mixin for admin pages that show patients' health data (doses, check-ins, labs,
    supplies, regimens, reminders): each list and each record an admin opens is written to the
    same access log as a clinician's view (accounts.access.log_view), one row per patient
    shown, so the patient sees it on "Who looked at my record".

    `patient_path` is how a row reaches its patient ("patient", "user", "regimen.patient");
    list_select_related should follow it, so that the log costs no query per row."""

    patient_path = "patient"

    def _patient(self, obj):
        for name in self.patient_path.split("."):
            obj = getattr(obj, name, None)
        return obj if obj is not None and getattr(obj, "is_patient", False) else None

    def _what(self, kind: str) -> str:
        with translation.override("en"):  # the log is read in the patient's language later
            return f"admin {kind} of {self.opts.verbose_name_plural}"

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", None) or {}
        if "cl" in changelist:
            patients = {}
            for obj in changelist["cl"].result_list:
                patient = self._patient(obj)
                if patient is not None:
                    patients.setdefault(patient.pk, patient)
            for patient in patients.values():
                log_view(request, patient, self._what("list"))
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200:
            obj = self.get_object(request, unquote(object_id))
            patient = self._patient(obj) if obj is not None else None
            if patient is not None:
                log_view(request, patient, self._what("record"))
        return response
