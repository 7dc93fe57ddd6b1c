"""Admins edit the regimen templates (phases inline) and can prescribe one to a patient;
a patient's own phases are read-only here, so that every change to them is recorded by the
regimen actions.

A template is checked by template_rules (through PhaseTemplate.clean() and the inline formset's
clean()) before anything is saved; each change keeps the earlier version (who, when, old
values); "Preview due dates" checks the form and shows the first due dates from a sample start
without saving; only published templates reach patients and clinicians.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin_base import AuditedPatientDataAdmin, ReadOnlyAdmin

from . import template_rules
from .models import (
    PHASE_FIELDS,
    Phase,
    PhaseTemplate,
    Regimen,
    RegimenChange,
    RegimenTemplate,
    RegimenTemplateVersion,
)

PREVIEW = "_preview"  # the name of the "Preview due dates" button
PREVIEW_START = "_preview_start"
PREVIEW_COUNT = 10


def describe_version(previous: dict) -> str:
    """An earlier version in one line: the template's values, then each phase's."""
    phases = previous.get("phases", [])
    template = "; ".join(f"{k}: {v}" for k, v in previous.items() if k != "phases")
    return " | ".join(
        [
            template,
            *(
                f"{i}. {p['kind']} “{p['label']}” {p['dose_mcg']} mcg, {p['schedule_unit']} "
                f"{p['schedule_every'] or p['schedule_weekdays']}, {p['end_rule']} "
                f"{p['end_value'] or ''}".rstrip()
                for i, p in enumerate(phases, start=1)
            ),
        ]
    )


class PhaseTemplateForm(forms.ModelForm):
    class Meta:
        model = PhaseTemplate
        fields = [*PHASE_FIELDS, "dose_intended"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Empty: PhaseTemplate.clean() writes it from the schedule ("Every 4 weeks").
        self.fields["label"].required = False
        self.fields["label"].help_text = _(
            "Leave empty to have it written from the schedule, for example “Every 4 weeks”."
        )


class PhaseTemplateFormSet(BaseInlineFormSet):
    """The rules across phases (template_rules.check_template), on the phases as submitted."""

    def clean(self):
        super().clean()
        # Checked even beside other errors, so that the admin sees every problem at once;
        # the rules across phases need only each phase's order, kind and end rule.
        kept = [
            form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)
        ]
        kept.sort(key=lambda form: form.cleaned_data.get("order") or 0)
        problems = template_rules.check_template(
            [
                {name: form.cleaned_data.get(name) for name in ("order", "kind", "end_rule")}
                for form in kept
            ],
            clinician_advances=self.instance.clinician_advances,
        )
        whole = []
        for problem in problems:
            if problem.index is None:
                whole.append(problem.message)
            else:
                kept[problem.index].add_error(problem.field, problem.message)
        if whole:
            raise ValidationError(whole)


class PhaseTemplateInline(admin.StackedInline):  # stacked: each field has its label
    model = PhaseTemplate
    form = PhaseTemplateForm
    formset = PhaseTemplateFormSet
    extra = 0
    min_num = 1
    fields = [*PHASE_FIELDS, "dose_intended", "dose_intended_by", "dose_intended_at"]
    readonly_fields = ["dose_intended_by", "dose_intended_at"]


class RegimenTemplateForm(forms.ModelForm):
    def is_valid(self):
        # "Preview due dates": every rule is checked as for Save, but the admin then shows the
        # form again (with the preview) instead of saving it.
        return super().is_valid() and PREVIEW not in self.data


@admin.register(RegimenTemplate)
class RegimenTemplateAdmin(admin.ModelAdmin):
    form = RegimenTemplateForm
    list_display = ["name", "medication", "default_route", "status", "is_example", "active"]
    list_filter = ["status", "medication", "active", "is_example"]
    search_fields = ["name"]
    inlines = [PhaseTemplateInline]
    readonly_fields = ["published_at", "published_by", "earlier_versions"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "medication",
                    "default_route",
                    "source",
                    "is_example",
                    "active",
                    "clinician_advances",
                ]
            },
        ),
        (_("Publishing"), {"fields": ["status", "published_at", "published_by"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.fieldsets
        return [*self.fieldsets, (_("Earlier versions"), {"fields": ["earlier_versions"]})]

    @admin.display(description=_("earlier versions"))
    def earlier_versions(self, obj):
        versions = list(obj.versions.select_related("changed_by")) if obj and obj.pk else []
        if not versions:
            return gettext("None yet: each saved change keeps the version before it here.")
        return format_html(
            '<ol class="template-versions" data-testid="template-versions">{}</ol>',
            format_html_join(
                "",
                "<li>{} · {}<br>{}</li>",
                (
                    (
                        date_format(timezone.localtime(v.changed_at), "DATETIME_FORMAT"),
                        v.changed_by or gettext("unknown"),
                        describe_version(v.previous),
                    )
                    for v in versions
                ),
            ),
        )

    def save_model(self, request, obj, form, change):
        if change:
            obj.previous_values = RegimenTemplate.objects.get(pk=obj.pk).snapshot()
        if obj.is_published and (not change or "status" in form.changed_data):
            obj.published_at, obj.published_by = timezone.now(), request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is PhaseTemplate:
            for phase_form in formset.forms:
                if {"dose_intended", "dose_mcg"} & set(phase_form.changed_data):
                    phase_form.instance.mark_dose_intended(request.user)
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        changed = form.has_changed() or any(formset.has_changed() for formset in formsets)
        if change and changed:
            RegimenTemplateVersion.objects.create(
                template=form.instance,
                changed_by=request.user,
                previous=form.instance.previous_values,
            )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(self._preview(request, context, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _preview(self, request, context, obj) -> dict:
        """The first due dates from a sample start: of the phases as submitted when the admin
        pressed "Preview due dates" and every rule holds, else of the saved template."""
        start = forms.DateField(required=False).clean
        try:
            sample = start(request.POST.get(PREVIEW_START)) or timezone.localdate()
        except ValidationError:
            sample = timezone.localdate()
        phases = None
        previewing = request.method == "POST" and PREVIEW in request.POST
        if previewing:
            form = context["adminform"].form
            formsets = [inline.formset for inline in context["inline_admin_formsets"]]
            if not form.errors and all(formset.is_valid() for formset in formsets):
                kept = [
                    f.instance
                    for formset in formsets
                    if formset.model is PhaseTemplate
                    for f in formset.forms
                    if f.cleaned_data and not formset._should_delete_form(f)
                ]
                phases = sorted(kept, key=lambda phase: phase.order)
        elif obj is not None:
            phases = list(obj.phases.all())
        rows = []
        if phases:
            dates = template_rules.preview(
                sample, [p.phase_values() for p in phases], PREVIEW_COUNT
            )
            rows = [(day, index + 1, phases[index]) for day, index in dates]
        return {
            "preview_start": sample,
            "preview_rows": rows,
            "previewing": previewing,
            "preview_checked": previewing and phases is not None,
        }


class PhaseInline(admin.StackedInline):
    model = Phase
    extra = 0
    can_delete = False
    fields = PHASE_FIELDS
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class PrescribeForm(forms.ModelForm):
    class Meta:
        model = Regimen
        fields = [
            "patient",
            "template",
            "prescriber",
            "start_date",
            "concentration_mcg_per_ml",
            "route",
            "prescriber_note",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].required = True
        self.fields["template"].queryset = RegimenTemplate.objects.available()
        self.fields["concentration_mcg_per_ml"].required = False
        self.fields["route"].required = False


@admin.register(Regimen)
class RegimenAdmin(AuditedPatientDataAdmin, admin.ModelAdmin):
    list_display = ["patient", "name", "status", "current_phase", "next_due", "start_date"]
    list_filter = ["status", "medication"]
    list_select_related = ["patient", "current_phase"]
    search_fields = ["patient__name", "patient__email", "name"]
    autocomplete_fields = ["patient", "prescriber"]
    inlines = [PhaseInline]
    readonly_fields = [
        "template",
        "name",
        "medication",
        "current_phase",
        "next_due",
        "given_in_phase",
        "phase_entered_on",
        "phase_first_event_on",
        "last_event_on",
        "status",
    ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = PrescribeForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        if obj is None:
            return PrescribeForm.Meta.fields
        return [
            "patient",
            "prescriber",
            "start_date",
            "concentration_mcg_per_ml",
            "route",
            "prescriber_note",
            *self.readonly_fields,
        ]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # Copy the template's phases: later edits to the template never reach this regimen.
        data = form.cleaned_data
        created = Regimen.from_template(
            data["template"],
            data["patient"],
            data["start_date"],
            prescriber=data.get("prescriber"),
            concentration=data.get("concentration_mcg_per_ml"),
            route=data.get("route"),
        )
        created.prescriber_note = data.get("prescriber_note") or created.prescriber_note
        created.save(update_fields=["prescriber_note"])
        obj.pk = created.pk


@admin.register(RegimenChange)
class RegimenChangeAdmin(AuditedPatientDataAdmin, ReadOnlyAdmin):
    """Every change to a patient's regimen, with who, when, why and the values: read-only."""

    list_display = ["at", "patient", "kind", "by", "reason"]
    list_filter = ["kind"]
    search_fields = ["patient__email", "by__email", "reason"]
    list_select_related = ["patient", "by"]
