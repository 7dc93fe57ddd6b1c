"""Lab results: entered by the patient or a care-team clinician, listed with typical ranges."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import clinician_patient_or_404, require_patient
from doses import actions
from doses.forms import LabForm
from doses.labs import lab_rows
from regimens import reference


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
    return render(
        request,
        "doses/lab_form.html",
        {
            "form": form,
            "patient": patient,
            "labs": reference.clinical()["labs"],
        },
    )


@login_required
def lab_new(request):
    patient = require_patient(request.user)
    return _enter_lab(request, patient, redirect("labs"))


@login_required
def clinic_lab(request, patient_id):
    patient = clinician_patient_or_404(request.user, patient_id)
    return _enter_lab(request, patient, redirect("patient_record", patient_id=patient.pk))


@login_required
def labs(request):
    patient = require_patient(request.user)
    return render(request, "doses/labs.html", {"rows": lab_rows(patient), "patient": patient})
