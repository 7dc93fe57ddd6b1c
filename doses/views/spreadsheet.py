"""The "Download my data" page: a CSV of injections, check-ins or labs over a range of days,
for the signed-in patient or, for a care-team clinician, one of their patients (each clinician
download is logged where the patient can see it). The same address shows the page (no
parameters, or a form with errors) and gives the file (a valid form)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from accounts.access import clinician_patient_or_404, log_view, require_patient
from doses.exports import spreadsheet
from doses.exports.forms import CsvExportForm

AUDIT_NAMES = {
    spreadsheet.INJECTIONS: "injections",
    spreadsheet.CHECKINS: "check-ins",
    spreadsheet.LABS: "labs",
}


def _filename(patient, kind, start, end, *, with_name: bool) -> str:
    parts = ["b12"]
    if with_name:
        parts.append(slugify(patient.name) or f"patient-{patient.pk}")
    parts += [kind, start.isoformat(), "to", end.isoformat()]
    return "-".join(parts) + ".csv"


def _page(request, patient, *, by_clinician: bool):
    form = CsvExportForm(request.GET or None, patient=patient)
    if form.is_bound and form.is_valid():
        kind, start, end = (form.cleaned_data[name] for name in ("kind", "start", "end"))
        if by_clinician:
            log_view(request, patient, f"CSV export of {AUDIT_NAMES[kind]}")
        body = spreadsheet.to_csv(spreadsheet.table(patient, kind, start, end))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        name = _filename(patient, kind, start, end, with_name=by_clinician)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response
    if by_clinician:
        log_view(request, patient, "CSV download page")
    # A form with errors is shown again at 200, like every form in the app: a typo in a date is
    # not worth a "Bad Request" warning in the server's log.
    return render(
        request,
        "doses/export.html",
        {"form": form, "patient": patient, "by_clinician": by_clinician},
    )


@login_required
@require_GET
def export_csv(request):
    return _page(request, require_patient(request.user), by_clinician=False)


@login_required
@require_GET
def patient_export_csv(request, patient_id):
    patient = clinician_patient_or_404(request.user, patient_id)
    return _page(request, patient, by_clinician=True)
