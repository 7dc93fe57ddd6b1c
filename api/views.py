"""The API's routes: a patient's regimen, injections, skips, check-ins, labs and supplies.

Who may do what is the pages' rule (accounts/access.py): a patient their own record, a
care-team clinician their patients' (injections, check-ins and labs to read; injections given
in clinic and labs to enter), supplies and skips the patient alone; anything else is a 404.
A clinician reading a record is logged as on the pages ("Who looked at my record")."""

from django.utils.translation import gettext
from ninja import Header, Path, Query, Router, Status

from accounts.access import log_view, patient_or_404, visible_patients
from doses import actions as dose_actions
from doses.forms import CheckinForm, DoseForm, SkipForm
from doses.models import DoseLog
from labs import actions as lab_actions
from labs.forms import LabForm
from labs.models import LabResult
from regimens.models import Regimen, current_regimen
from supplies import actions as supply_actions
from supplies.forms import SupplyForm
from supplies.models import Supply
from symptoms.models import SymptomEntry

from . import output
from .auth import require_write
from .schemas import (
    CheckinIn,
    CheckinOut,
    DoseIn,
    DoseOut,
    ErrorOut,
    LabIn,
    LabOut,
    MeOut,
    RegimenOut,
    SkipIn,
    SupplyIn,
    SupplyOut,
    UnusualTimingOut,
)
from .submit import Invalid, form_values, recorded, submission_token

router = Router()

ERRORS = {code: ErrorOut for code in (400, 401, 404, 422, 429)}
WRITE_ERRORS = {**ERRORS, 403: ErrorOut}
PatientId = Path(..., ge=1, le=2**31 - 1, description="The patient's id (GET /me lists them).")
IdempotencyKey = Header(
    None,
    alias="Idempotency-Key",
    description="Any string of 1 to 255 characters: a retried request with the same key "
    "records once, and is answered with the record it made (200 instead of 201).",
)
Limit = Query(100, ge=1, le=500, description="At most this many, the newest first.")


class NotFound(Exception):
    pass


def _patient(request, patient_id, what: str, *, own_only: bool = False):
    """The patient, if this user may see them (and for `own_only`, is them); the look is
    logged for anyone but the patient."""
    user = request.user
    if own_only and not (user.is_patient and user.pk == patient_id):
        raise NotFound
    patient = patient_or_404(user, patient_id)
    log_view(request, patient, f"API: {what}")
    return patient


def _clinician_or_owner(request, patient):
    if not (request.user.pk == patient.pk or request.user.is_clinician):
        raise NotFound


@router.get("/me", response={200: MeOut, **ERRORS}, url_name="api_me")
def me(request):
    """The token's user, its scope, and the patients whose records it may read."""
    user = request.user
    return {
        "id": user.pk,
        "name": user.name,
        "role": user.role,
        "scope": request.auth.scope,
        "patients": list(visible_patients(user).order_by("name", "pk").values("id", "name")),
    }


@router.get(
    "/patients/{patient_id}/regimen", response={200: RegimenOut, **ERRORS}, url_name="api_regimen"
)
def regimen(request, patient_id: int = PatientId):
    """The regimen in progress (or else the last completed one): its phases, the next due
    date and the upcoming dates, each dose assumed given on time."""
    patient = _patient(request, patient_id, "regimen")
    found = current_regimen(patient)
    if found is None:
        raise NotFound
    return output.regimen_out(found)


@router.get(
    "/patients/{patient_id}/doses", response={200: list[DoseOut], **ERRORS}, url_name="api_doses"
)
def doses(request, patient_id: int = PatientId, limit: int = Limit):
    """Injections given and skipped, the newest first (deleted ones are left out)."""
    patient = _patient(request, patient_id, "injections")
    rows = DoseLog.objects.filter(patient=patient, deleted_at__isnull=True)
    return [output.dose_out(d) for d in rows.order_by("-administered_at", "-pk")[:limit]]


@router.post(
    "/patients/{patient_id}/doses",
    response={200: DoseOut, 201: DoseOut, 409: UnusualTimingOut, **WRITE_ERRORS},
    url_name="api_log_dose",
)
def log_dose(request, body: DoseIn, patient_id: int = PatientId, key: str = IdempotencyKey):
    """Record an injection: the patient's own, or one given in clinic by a care-team
    clinician. An early dose or a second one that day is answered 409 with what it would
    change, until it is sent with "confirmed": true."""
    require_write(request)
    patient = _patient(request, patient_id, "injection form")
    _clinician_or_owner(request, patient)
    regimen = current_regimen(patient)
    if regimen is None:
        raise NotFound
    if request.user.is_clinician and regimen.status != Regimen.Status.ACTIVE:
        message = gettext("This patient has no active regimen to record a dose against.")
        raise Invalid({"non_field": [message]})
    data = body.dict(exclude={"confirmed"})
    # As the page prefills them: the current phase's dose and the regimen's route.
    phase = regimen.current_phase
    if data["dose_mcg"] is None and phase is not None:
        data["dose_mcg"] = phase.dose_mcg
    data["route"] = data["route"] or regimen.route
    data["medication"] = data["medication"] or ""
    if data["administered_by"] is None:
        by_clinic = request.user.is_clinician
        data["administered_by"] = (
            DoseLog.AdministeredBy.CLINIC if by_clinic else DoseLog.AdministeredBy.SELF
        )
    token = submission_token(request.user, key)
    form = form_values(DoseForm, data, token, "dose_values", regimen=regimen)
    try:
        dose, created = recorded(
            dose_actions.log_dose,
            regimen,
            request.user,
            token=token,
            confirmed=body.confirmed,
            **form,
        )
    except dose_actions.UnusualTiming as unusual:
        check = unusual.check
        return Status(
            409,
            {
                "detail": gettext(
                    'This dose is early or a second one that day: send it again with "confirmed": '
                    "true to record it."
                ),
                "consequences": check.messages(),
                "early": check.early,
                "second": check.second,
                "due": check.due,
                "next_dates_before": check.before,
                "next_dates_after": check.after,
            },
        )
    return Status(201 if created else 200, output.dose_out(dose))


@router.post(
    "/patients/{patient_id}/skips",
    response={200: DoseOut, 201: DoseOut, **WRITE_ERRORS},
    url_name="api_skip_dose",
)
def skip(request, body: SkipIn, patient_id: int = PatientId, key: str = IdempotencyKey):
    """Skip the dose that is due next (the patient only). It is recorded on its due day."""
    require_write(request)
    patient = _patient(request, patient_id, "skip", own_only=True)
    regimen = current_regimen(patient)
    if regimen is None:
        raise NotFound
    token = submission_token(request.user, key)
    values = form_values(SkipForm, body.dict(), token)
    repeated = dose_actions.already_recorded(DoseLog, token, patient)
    if not repeated and regimen.next_due is None:
        raise Invalid({"non_field": [gettext("Nothing is due: there is no dose to skip.")]})
    dose, created = recorded(
        dose_actions.skip_dose,
        regimen,
        request.user,
        values["reason"],
        kind=values["reason_kind"],
        token=token,
    )
    return Status(201 if created else 200, output.dose_out(dose))


@router.get(
    "/patients/{patient_id}/checkins",
    response={200: list[CheckinOut], **ERRORS},
    url_name="api_checkins",
)
def checkins(request, patient_id: int = PatientId, limit: int = Limit):
    """Symptom check-ins, the newest first."""
    patient = _patient(request, patient_id, "check-ins")
    rows = SymptomEntry.objects.filter(patient=patient).order_by("-recorded_at", "-pk")
    return [output.checkin_out(entry) for entry in rows[:limit]]


@router.post(
    "/patients/{patient_id}/checkins",
    response={200: CheckinOut, 201: CheckinOut, **WRITE_ERRORS},
    url_name="api_record_checkin",
)
def record_checkin(
    request, body: CheckinIn, patient_id: int = PatientId, key: str = IdempotencyKey
):
    """A symptom check-in (the patient only): each symptom scored 0 (none) to 10."""
    require_write(request)
    patient = _patient(request, patient_id, "check-in", own_only=True)
    token = submission_token(request.user, key)
    values = form_values(CheckinForm, body.dict(), token, "entry_values")
    entry, created = recorded(
        dose_actions.record_checkin, patient, request.user, token=token, **values
    )
    return Status(201 if created else 200, output.checkin_out(entry))


@router.get(
    "/patients/{patient_id}/labs", response={200: list[LabOut], **ERRORS}, url_name="api_labs"
)
def labs(request, patient_id: int = PatientId, limit: int = Limit):
    """Lab results, the most recently drawn first (deleted ones are left out)."""
    patient = _patient(request, patient_id, "lab results")
    rows = LabResult.objects.filter(patient=patient, deleted_at__isnull=True)
    return [output.lab_out(lab) for lab in rows.order_by("-taken_on", "-pk")[:limit]]


@router.post(
    "/patients/{patient_id}/labs",
    response={200: LabOut, 201: LabOut, **WRITE_ERRORS},
    url_name="api_record_lab",
)
def record_lab(request, body: LabIn, patient_id: int = PatientId, key: str = IdempotencyKey):
    """A lab result, entered by the patient or a care-team clinician."""
    require_write(request)
    patient = _patient(request, patient_id, "lab entry form")
    _clinician_or_owner(request, patient)
    token = submission_token(request.user, key)
    values = form_values(LabForm, body.dict(), token, "lab_values", patient=patient)
    lab, created = recorded(lab_actions.record_lab, patient, request.user, token=token, **values)
    return Status(201 if created else 200, output.lab_out(lab))


@router.get(
    "/patients/{patient_id}/supplies",
    response={200: list[SupplyOut], **ERRORS},
    url_name="api_supplies",
)
def supplies(request, patient_id: int = PatientId, limit: int = Limit):
    """The patient's supplies (the patient only), the most recently received first."""
    patient = _patient(request, patient_id, "supplies", own_only=True)
    rows = Supply.objects.filter(patient=patient, deleted_at__isnull=True)
    return [output.supply_out(s) for s in rows.order_by("-received_on", "-pk")[:limit]]


@router.post(
    "/patients/{patient_id}/supplies",
    response={200: SupplyOut, 201: SupplyOut, **WRITE_ERRORS},
    url_name="api_add_supply",
)
def add_supply(request, body: SupplyIn, patient_id: int = PatientId, key: str = IdempotencyKey):
    """A box of vials or ampoules (the patient only)."""
    require_write(request)
    patient = _patient(request, patient_id, "supplies", own_only=True)
    token = submission_token(request.user, key)
    values = form_values(
        SupplyForm, body.dict(), token, "supply_values", patient=patient, regimen=None
    )
    supply, created = recorded(
        supply_actions.add_supply, patient, request.user, token=token, **values
    )
    return Status(201 if created else 200, output.supply_out(supply))
