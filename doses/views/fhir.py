"""Download a patient's record as a FHIR R4B Bundle (doses/exports/fhir.py): the patient their
own, a care-team clinician any of their patients' (and the download is logged)."""

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from accounts.access import clinician_patient_or_404, log_view, require_patient
from doses.exports.fhir import patient_bundle

CONTENT_TYPE = "application/fhir+json"


def _download(patient) -> HttpResponse:
    body = json.dumps(patient_bundle(patient), indent=1, ensure_ascii=False)
    # fhirVersion names the FHIR release, as FHIR's http page says: R4B is 4.3.
    response = HttpResponse(body, content_type=f"{CONTENT_TYPE}; fhirVersion=4.3; charset=utf-8")
    day = patient.today().isoformat()
    response["Content-Disposition"] = f'attachment; filename="b12-record-{day}.fhir.json"'
    return response


@login_required
@require_GET
def export_fhir(request):
    """The signed-in patient's own record."""
    return _download(require_patient(request.user))


@login_required
@require_GET
def patient_export_fhir(request, patient_id):
    """A care-team patient's record, for their clinician."""
    patient = clinician_patient_or_404(request.user, patient_id)
    log_view(request, patient, "FHIR export")
    return _download(patient)
