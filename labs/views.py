"""Lab results: entered by the patient or a care-team clinician, listed with typical ranges;
each has its own page, where either of them corrects, deletes or restores it (labs/actions.py
keeps the earlier versions)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import (
    acting_patient,
    clinician_patient_or_404,
    log_view,
    require_patient,
)
from doses.forms import DeleteForm
from regimens import reference

from . import actions
from .access import lab_or_404
from .forms import LabCorrectForm, LabForm
from .rows import lab_row, lab_rows


def _form_page(request, form, patient, lab=None):
    return render(
        request,
        "labs/lab_form.html",
        {
            "form": form,
            "patient": patient,
            "lab": lab,
            "labs": reference.clinical()["labs"],
            "cancel_url": _detail_url(lab) if lab else _labs_url(request.user, patient),
        },
    )


def _labs_url(user, patient) -> str:
    """Where this user sees the patient's labs: the patient's own page, or the record."""
    if user.pk == patient.pk:
        return reverse("labs")
    return reverse("patient_record", args=[patient.pk])


def _detail_url(lab) -> str:
    return reverse("lab_detail", args=[lab.pk])


def _enter_lab(request, patient, done):
    form = LabForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            lab, _created = actions.record_lab(
                patient,
                request.user,
                token=form.cleaned_data["submission_token"],
                **form.lab_values(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("%(test)s result saved.") % {"test": lab.get_analyte_display()}
            )
            return done
    return _form_page(request, form, patient)


@login_required
def lab_new(request):
    patient = require_patient(request.user)
    return _enter_lab(request, patient, redirect("labs"))


@login_required
def clinic_lab(request, patient_id):
    patient = clinician_patient_or_404(request.user, patient_id)
    log_view(request, patient, "lab entry form")
    return _enter_lab(request, patient, redirect("patient_record", patient_id=patient.pk))


@login_required
def labs(request):
    patient = acting_patient(request)
    log_view(request, patient, "labs")  # a carer's look
    return render(request, "labs/labs.html", {"rows": lab_rows(patient), "patient": patient})


@login_required
def lab_detail(request, pk):
    lab = lab_or_404(request.user, pk)
    log_view(request, lab.patient, "a lab result")
    return render(
        request,
        "labs/lab_detail.html",
        {
            "lab": lab,
            "row": lab_row(lab),
            "versions": list(lab.versions.select_related("changed_by")),
            # Whoever may read a result may change it (labs/access.py lab_or_404), except a
            # carer, who reads them.
            "can_edit": not request.user.is_carer,
            "delete_form": DeleteForm(),
            "back_url": _labs_url(request.user, lab.patient),
            "show_patient": request.user.pk != lab.patient_id,
        },
    )


@login_required
def lab_correct(request, pk):
    lab = lab_or_404(request.user, pk, write=True)
    log_view(request, lab.patient, "a lab result's correction form")
    if lab.deleted_at:
        messages.error(request, _("Restore this result before correcting it."))
        return redirect(_detail_url(lab))
    form = LabCorrectForm(request.POST or None, instance=lab)
    if request.method == "POST" and form.is_valid():
        try:
            _lab, changed = actions.correct_lab(
                lab, request.user, form.cleaned_data["reason"], **form.lab_values()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if changed:
                messages.success(
                    request, _("Lab result corrected. The previous version is kept below.")
                )
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect(_detail_url(lab))
    return _form_page(request, form, lab.patient, lab)


@login_required
@require_POST
def lab_delete(request, pk):
    lab = lab_or_404(request.user, pk, write=True)
    form = DeleteForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    actions.delete_lab(lab, request.user, reason)
    messages.warning(request, _("Lab result deleted. Use “Undo delete” below to bring it back."))
    return redirect(_detail_url(lab))


@login_required
@require_POST
def lab_restore(request, pk):
    lab = lab_or_404(request.user, pk, write=True)
    actions.restore_lab(lab, request.user)
    messages.success(request, _("Lab result restored."))
    return redirect(_detail_url(lab))
