"""The API's routes: a patient's regimen, injections, skips, check-ins, labs and supplies,
listed and added, and each record read, corrected and deleted by its id.

Who may do what is api/access.py's table (DESIGN's "Who sees what", as on the pages); anything
else is a 404. Anyone but the patient reading a record is logged as on the pages ("Who looked
at my record"). Corrections and deletions go through the pages' actions, which keep the
previous version and who made the change."""

from django.utils.translation import gettext
from ninja import Header, Path, Query, Router, Status

from doses import actions as dose_actions
from doses.forms import CheckinForm, CorrectDoseForm, DoseForm, SkipForm
from doses.models import DoseLog
from labs import actions as lab_actions
from labs.forms import LabCorrectForm, LabForm
from labs.models import LabResult
from regimens.models import Regimen, current_regimen
from supplies import actions as supply_actions
from supplies.forms import CorrectSupplyForm, SupplyForm
from supplies.models import Supply
from symptoms.models import SymptomEntry

from . import output
from .access import (
    ADD,
    CHANGE,
    READ,
    NotFound,
    admitted_patient,
    checkin_or_404,
    reachable_patients,
    record_or_404,
)
from .auth import require_write
from .schemas import (
    CheckinIn,
    CheckinOut,
    DoseIn,
    DoseOut,
    DosePatch,
    ErrorOut,
    LabIn,
    LabOut,
    LabPatch,
    MeOut,
    RegimenOut,
    SkipIn,
    SupplyIn,
    SupplyOut,
    SupplyPatch,
    UnusualTimingOut,
)
from .submit import Invalid, form_values, recorded, submission_token, valid_form

__all__ = ["NotFound", "router"]

router = Router()

ERRORS = {code: ErrorOut for code in (400, 401, 404, 422, 429)}
WRITE_ERRORS = {**ERRORS, 403: ErrorOut}
Id = dict(ge=1, le=2**31 - 1)
PatientId = Path(..., **Id, description="The patient's id (GET /me lists them).")
DoseId = Path(..., **Id, description="The injection's or skip's id (GET .../doses lists them).")
CheckinId = Path(..., **Id, description="The check-in's id (GET .../checkins lists them).")
LabId = Path(..., **Id, description="The lab result's id (GET .../labs lists them).")
SupplyId = Path(..., **Id, description="The supply's id (GET .../supplies lists them).")
IdempotencyKey = Header(
    None,
    alias="Idempotency-Key",
    description="Any string of 1 to 255 characters: a retried request with the same key "
    "records once, and is answered with the record it made (200 instead of 201).",
)
Limit = Query(100, ge=1, le=500, description="At most this many, the newest first.")
Reason = Query(
    "", max_length=300, description="Why it is deleted (optional), kept with the record."
)
DELETED = {204: None, **WRITE_ERRORS}


def _patient(request, patient_id, kind: str, what: str, action: str = READ):
    """The patient whose `kind` of records this user may read (or add to, or change); a
    change needs a token that may write, checked first."""
    if action != READ:
        require_write(request)
    return admitted_patient(request, patient_id, kind, what, action)


def _changes(body, record, names) -> dict:
    """The record's values with those the PATCH sends in their place."""
    sent = body.model_dump(exclude_unset=True, exclude_none=True, exclude={"reason"})
    return {**{name: getattr(record, name) for name in names}, **sent}


@router.get("/me", response={200: MeOut, **ERRORS}, url_name="api_me")
def me(request):
    """The token's user, its scope, and the patients whose records it may read: the patient
    themselves, a clinician's or pharmacist's care-team patients, the people a carer cares
    for."""
    user = request.user
    patients = reachable_patients(user).order_by("name", "pk").values("id", "name")
    return {
        "id": user.pk,
        "name": user.name,
        "role": user.role,
        "scope": request.auth.scope,
        "patients": list(patients),
    }


@router.get(
    "/patients/{patient_id}/regimen", response={200: RegimenOut, **ERRORS}, url_name="api_regimen"
)
def regimen(request, patient_id: int = PatientId):
    """The regimen in progress (or else the last completed one): its phases, the next due
    date and the upcoming dates, each dose assumed given on time."""
    patient = _patient(request, patient_id, "regimen", "regimen")
    found = current_regimen(patient)
    if found is None:
        raise NotFound
    return output.regimen_out(found)


# Injections and skips --------------------------------------------------------------------


@router.get(
    "/patients/{patient_id}/doses", response={200: list[DoseOut], **ERRORS}, url_name="api_doses"
)
def doses(request, patient_id: int = PatientId, limit: int = Limit):
    """Injections given and skipped, the newest first (deleted ones are left out)."""
    patient = _patient(request, patient_id, "doses", "injections")
    rows = DoseLog.objects.filter(patient=patient, deleted_at__isnull=True)
    return [output.dose_out(d) for d in rows.order_by("-administered_at", "-pk")[:limit]]


@router.post(
    "/patients/{patient_id}/doses",
    response={200: DoseOut, 201: DoseOut, 409: UnusualTimingOut, **WRITE_ERRORS},
    url_name="api_log_dose",
)
def log_dose(request, body: DoseIn, patient_id: int = PatientId, key: str = IdempotencyKey):
    """Record an injection: the patient's own, one a carer gave (recorded "by a carer"), or
    one given in clinic by a care-team clinician. An early dose or a second one that day is
    answered 409 with what it would change, until it is sent with "confirmed": true."""
    patient = _patient(request, patient_id, "doses", "injection form", ADD)
    user = request.user
    regimen = current_regimen(patient)
    if regimen is None:
        raise NotFound
    if user.is_clinician and regimen.status != Regimen.Status.ACTIVE:
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
        by = DoseLog.AdministeredBy
        data["administered_by"] = (
            by.CLINIC if user.is_clinician else by.CARER if user.is_carer else by.SELF
        )
    token = submission_token(user, key)
    form = form_values(DoseForm, data, token, "dose_values", regimen=regimen)
    try:
        dose, created = recorded(
            dose_actions.log_dose, regimen, user, token=token, confirmed=body.confirmed, **form
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


DOSES = DoseLog.objects.select_related("regimen")


@router.get(
    "/patients/{patient_id}/doses/{dose_id}",
    response={200: DoseOut, **ERRORS},
    url_name="api_dose",
)
def dose(request, patient_id: int = PatientId, dose_id: int = DoseId):
    """One injection or skip (a deleted one is not found)."""
    patient = _patient(request, patient_id, "doses", "an injection")
    return output.dose_out(record_or_404(DoseLog.objects, patient, dose_id))


@router.patch("/patients/{patient_id}/doses/{dose_id}", response={200: DoseOut, **WRITE_ERRORS})
def correct_dose(request, body: DosePatch, patient_id: int = PatientId, dose_id: int = DoseId):
    """Correct an injection (the patient or their carer), as its page does: the previous
    version is kept with the reason."""
    patient = _patient(request, patient_id, "doses", "an injection's correction", CHANGE)
    found = record_or_404(DOSES, patient, dose_id)
    data = _changes(body, found, DoseForm.Meta.fields)
    token = submission_token(request.user, None)
    form = valid_form(CorrectDoseForm, data, token, instance=found, regimen=found.regimen)
    values = form.dose_values()
    # As the page: a skip corrected is an injection given; a site chosen now is recorded.
    values["status"] = DoseLog.Status.GIVEN
    values["skip_reason"] = ""
    values["site_not_recorded"] = found.site_not_recorded and not values["site"]
    corrected = recorded(dose_actions.correct_dose, found, request.user, body.reason, **values)
    return output.dose_out(corrected)


@router.delete("/patients/{patient_id}/doses/{dose_id}", response=DELETED)
def delete_dose(request, patient_id: int = PatientId, dose_id: int = DoseId, reason: str = Reason):
    """Delete an injection or skip (the patient or their carer): it no longer counts, and its
    page keeps it, to restore."""
    patient = _patient(request, patient_id, "doses", "an injection's deletion", CHANGE)
    dose_actions.delete_dose(record_or_404(DOSES, patient, dose_id), request.user, reason)
    return Status(204, None)


@router.post(
    "/patients/{patient_id}/skips",
    response={200: DoseOut, 201: DoseOut, **WRITE_ERRORS},
    url_name="api_skip_dose",
)
def skip(request, body: SkipIn, patient_id: int = PatientId, key: str = IdempotencyKey):
    """Skip the dose that is due next (the patient or their carer). It is recorded on its due
    day."""
    patient = _patient(request, patient_id, "skips", "skip", ADD)
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


# Check-ins -------------------------------------------------------------------------------


@router.get(
    "/patients/{patient_id}/checkins",
    response={200: list[CheckinOut], **ERRORS},
    url_name="api_checkins",
)
def checkins(request, patient_id: int = PatientId, limit: int = Limit):
    """Symptom check-ins, the newest first."""
    patient = _patient(request, patient_id, "checkins", "check-ins")
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
    """A symptom check-in (the patient or their carer): each symptom scored 0 (none) to 10."""
    patient = _patient(request, patient_id, "checkins", "check-in", ADD)
    token = submission_token(request.user, key)
    values = form_values(CheckinForm, body.dict(), token, "entry_values")
    entry, created = recorded(
        dose_actions.record_checkin, patient, request.user, token=token, **values
    )
    return Status(201 if created else 200, output.checkin_out(entry))


@router.get(
    "/patients/{patient_id}/checkins/{checkin_id}",
    response={200: CheckinOut, **ERRORS},
    url_name="api_checkin",
)
def checkin(request, patient_id: int = PatientId, checkin_id: int = CheckinId):
    """One check-in (check-ins are not corrected or deleted, on the pages either)."""
    patient = _patient(request, patient_id, "checkins", "a check-in")
    return output.checkin_out(checkin_or_404(SymptomEntry.objects, patient, checkin_id))


# Lab results -----------------------------------------------------------------------------


@router.get(
    "/patients/{patient_id}/labs", response={200: list[LabOut], **ERRORS}, url_name="api_labs"
)
def labs(request, patient_id: int = PatientId, limit: int = Limit):
    """Lab results, the most recently drawn first (deleted ones are left out)."""
    patient = _patient(request, patient_id, "labs", "lab results")
    rows = LabResult.objects.filter(patient=patient, deleted_at__isnull=True)
    return [output.lab_out(lab) for lab in rows.order_by("-taken_on", "-pk")[:limit]]


@router.post(
    "/patients/{patient_id}/labs",
    response={200: LabOut, 201: LabOut, **WRITE_ERRORS},
    url_name="api_record_lab",
)
def record_lab(request, body: LabIn, patient_id: int = PatientId, key: str = IdempotencyKey):
    """A lab result, entered by the patient or a care-team clinician."""
    patient = _patient(request, patient_id, "labs", "lab entry form", ADD)
    token = submission_token(request.user, key)
    values = form_values(LabForm, body.dict(), token, "lab_values", patient=patient)
    lab, created = recorded(lab_actions.record_lab, patient, request.user, token=token, **values)
    return Status(201 if created else 200, output.lab_out(lab))


@router.get(
    "/patients/{patient_id}/labs/{lab_id}", response={200: LabOut, **ERRORS}, url_name="api_lab"
)
def lab(request, patient_id: int = PatientId, lab_id: int = LabId):
    """One lab result (a deleted one is not found)."""
    patient = _patient(request, patient_id, "labs", "a lab result")
    return output.lab_out(record_or_404(LabResult.objects, patient, lab_id))


@router.patch("/patients/{patient_id}/labs/{lab_id}", response={200: LabOut, **WRITE_ERRORS})
def correct_lab(request, body: LabPatch, patient_id: int = PatientId, lab_id: int = LabId):
    """Correct a lab result (the patient or a care-team clinician): the previous version is
    kept with the reason. The same values change nothing."""
    patient = _patient(request, patient_id, "labs", "a lab result's correction form", CHANGE)
    found = record_or_404(LabResult.objects, patient, lab_id)
    data = _changes(body, found, LabForm.Meta.fields)
    if body.value is None:
        data["value"] = f"{found.value.normalize():f}"
    form = valid_form(LabCorrectForm, data, "", instance=found)
    corrected, _changed = recorded(
        lab_actions.correct_lab, found, request.user, body.reason, **form.lab_values()
    )
    return output.lab_out(corrected)


@router.delete("/patients/{patient_id}/labs/{lab_id}", response=DELETED)
def delete_lab(request, patient_id: int = PatientId, lab_id: int = LabId, reason: str = Reason):
    """Delete a lab result (the patient or a care-team clinician): it leaves every list and
    chart, and its page keeps it, to restore."""
    patient = _patient(request, patient_id, "labs", "a lab result's deletion", CHANGE)
    lab_actions.delete_lab(record_or_404(LabResult.objects, patient, lab_id), request.user, reason)
    return Status(204, None)


# Supplies --------------------------------------------------------------------------------


@router.get(
    "/patients/{patient_id}/supplies",
    response={200: list[SupplyOut], **ERRORS},
    url_name="api_supplies",
)
def supplies(request, patient_id: int = PatientId, limit: int = Limit):
    """The patient's supplies, the most recently received first."""
    patient = _patient(request, patient_id, "supplies", "supplies")
    rows = Supply.objects.filter(patient=patient, deleted_at__isnull=True)
    return [output.supply_out(s) for s in rows.order_by("-received_on", "-pk")[:limit]]


@router.post(
    "/patients/{patient_id}/supplies",
    response={200: SupplyOut, 201: SupplyOut, **WRITE_ERRORS},
    url_name="api_add_supply",
)
def add_supply(request, body: SupplyIn, patient_id: int = PatientId, key: str = IdempotencyKey):
    """A box of vials or ampoules (the patient or their carer)."""
    patient = _patient(request, patient_id, "supplies", "supplies", ADD)
    token = submission_token(request.user, key)
    values = form_values(
        SupplyForm, body.dict(), token, "supply_values", patient=patient, regimen=None
    )
    supply, created = recorded(
        supply_actions.add_supply, patient, request.user, token=token, **values
    )
    return Status(201 if created else 200, output.supply_out(supply))


SUPPLIES = Supply.objects.select_related("patient")


@router.get(
    "/patients/{patient_id}/supplies/{supply_id}",
    response={200: SupplyOut, **ERRORS},
    url_name="api_supply",
)
def supply(request, patient_id: int = PatientId, supply_id: int = SupplyId):
    """One supply (a deleted one is not found)."""
    patient = _patient(request, patient_id, "supplies", "a supply")
    return output.supply_out(record_or_404(Supply.objects, patient, supply_id))


@router.patch(
    "/patients/{patient_id}/supplies/{supply_id}", response={200: SupplyOut, **WRITE_ERRORS}
)
def correct_supply(
    request, body: SupplyPatch, patient_id: int = PatientId, supply_id: int = SupplyId
):
    """Correct a supply (the patient or their carer): the previous values are kept with the
    reason. The same values change nothing."""
    patient = _patient(request, patient_id, "supplies", "a supply's correction", CHANGE)
    found = record_or_404(SUPPLIES, patient, supply_id)
    data = _changes(body, found, SupplyForm.Meta.fields)
    token = submission_token(request.user, None)
    form = valid_form(CorrectSupplyForm, data, token, instance=found, patient=patient)
    corrected, _changed = recorded(
        supply_actions.correct_supply, found, request.user, body.reason, **form.supply_values()
    )
    return output.supply_out(corrected)


@router.delete("/patients/{patient_id}/supplies/{supply_id}", response=DELETED)
def delete_supply(
    request, patient_id: int = PatientId, supply_id: int = SupplyId, reason: str = Reason
):
    """Delete a supply (the patient or their carer): it no longer counts; the supplies page
    keeps it, to restore."""
    patient = _patient(request, patient_id, "supplies", "a supply's deletion", CHANGE)
    supply_actions.delete_supply(record_or_404(SUPPLIES, patient, supply_id), request.user, reason)
    return Status(204, None)
