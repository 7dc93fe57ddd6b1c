"""Taking a record out, and taking it away: the patient's JSON download (records/backup.py),
the FHIR Bundle (records/fhir.py), the CSV download page (records/spreadsheet.py), and deleting
one's own account (records/deletion.py).

A patient downloads their own record; a care-team clinician downloads any of their patients'
FHIR Bundle or CSV files, and each such download is logged where the patient can see it."""

import json

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import clinician_patient_or_404, log_view, require_patient
from accounts.forms import DeleteAccountForm

from . import spreadsheet
from .backup import export_patient
from .deletion import delete_account
from .fhir import patient_bundle
from .forms import CsvExportForm

FHIR_CONTENT_TYPE = "application/fhir+json"

AUDIT_NAMES = {
    spreadsheet.INJECTIONS: "injections",
    spreadsheet.CHECKINS: "check-ins",
    spreadsheet.LABS: "labs",
}


@login_required
@require_GET
def export(request):
    """The patient downloads their whole record as JSON (without credentials, and with only
    the clinical notes shared with them)."""
    patient = require_patient(request.user)
    response = JsonResponse(
        export_patient(patient, for_the_patient=True), json_dumps_params={"indent": 1}
    )
    day = patient.today().isoformat()
    response["Content-Disposition"] = f'attachment; filename="b12-record-{day}.json"'
    return response


# Without indentation: indent=1 took 120 of the 167 ms of three years' export (issue 20); a
# FHIR client parses it, and a person can pretty-print it. Without the check for circular
# references (a bundle is built as a tree, records/fhir.py): it kept a note of every dict and
# list on the way, 4 of the 8 ms the encoding took.
FHIR_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)


def _fhir_download(patient) -> HttpResponse:
    body = FHIR_JSON.encode(patient_bundle(patient))
    # fhirVersion names the FHIR release, as FHIR's http page says: R4B is 4.3.
    response = HttpResponse(
        body, content_type=f"{FHIR_CONTENT_TYPE}; fhirVersion=4.3; charset=utf-8"
    )
    day = patient.today().isoformat()
    response["Content-Disposition"] = f'attachment; filename="b12-record-{day}.fhir.json"'
    return response


@login_required
@require_GET
def export_fhir(request):
    """The signed-in patient's own record as a FHIR R4B Bundle."""
    return _fhir_download(require_patient(request.user))


@login_required
@require_GET
def patient_export_fhir(request, patient_id):
    """A care-team patient's record as a FHIR R4B Bundle, for their clinician."""
    patient = clinician_patient_or_404(request.user, patient_id)
    log_view(request, patient, "FHIR export")
    return _fhir_download(patient)


def _csv_filename(patient, kind, start, end, *, with_name: bool) -> str:
    parts = ["b12"]
    if with_name:
        parts.append(slugify(patient.name) or f"patient-{patient.pk}")
    parts += [kind, start.isoformat(), "to", end.isoformat()]
    return "-".join(parts) + ".csv"


def _csv_page(request, patient, *, by_clinician: bool):
    """The "Download my data" page: a CSV of injections, check-ins or labs over a range of
    days. The same address shows the page (no parameters, or a form with errors) and gives the
    file (a valid form)."""
    form = CsvExportForm(request.GET or None, patient=patient)
    if form.is_bound and form.is_valid():
        kind, start, end = (form.cleaned_data[name] for name in ("kind", "start", "end"))
        if by_clinician:
            log_view(request, patient, f"CSV export of {AUDIT_NAMES[kind]}")
        body = spreadsheet.to_csv(spreadsheet.table(patient, kind, start, end))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        name = _csv_filename(patient, kind, start, end, with_name=by_clinician)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response
    if by_clinician:
        log_view(request, patient, "CSV download page")
    # A form with errors is shown again at 200, like every form in the app: a typo in a date is
    # not worth a "Bad Request" warning in the server's log.
    return render(
        request,
        "records/export.html",
        {"form": form, "patient": patient, "by_clinician": by_clinician},
    )


@login_required
@require_GET
def export_csv(request):
    return _csv_page(request, require_patient(request.user), by_clinician=False)


@login_required
@require_GET
def patient_export_csv(request, patient_id):
    patient = clinician_patient_or_404(request.user, patient_id)
    return _csv_page(request, patient, by_clinician=True)


@login_required
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def delete_account_view(request):
    """A patient or a clinician deletes their own account, once they have typed their password.
    The view is here, not in accounts, because a patient's account goes with their record, whose
    tables accounts (the bottom layer) does not know (records/deletion.py)."""
    user = request.user
    if not (user.is_patient or user.joins_care_teams):
        raise Http404("Admins' accounts are managed in the admin")
    form = DeleteAccountForm(
        request.POST if request.method == "POST" else None, user=user, request=request
    )
    if form.is_bound and form.is_valid():
        delete_account(user)
        logout(request)
        return redirect("account_deleted")
    return render(request, "records/delete.html", {"form": form})
