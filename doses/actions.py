"""Every change to a patient's doses goes through here, in one transaction that also refreshes
the regimen's stored schedule state.

Each function locks the patient's regimen row first (`select_for_update`): two events for the
same regimen (a double-clicked submit, two tabs, a clinician and the patient at once) are then
applied one after the other, so the stored state is always computed from every committed event
and a repeated submission token is seen by the second request.
"""

from contextlib import contextmanager
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from regimens import schedule
from regimens.models import Regimen, RegimenChange
from symptoms import checkin_alerts, wearoff
from symptoms.models import SymptomEntry

from . import alerts, freshness, timing
from .models import ClinicalNote, DoseLog, DoseLogVersion


@contextmanager
def _changing(regimen: Regimen, **checks):
    """The transaction of a change to a regimen's injections. The patient's row is locked
    first, by raising their record version once for the whole change (freshness.raised);
    then the regimen's row, re-read under the lock with its patient and current phase (only
    the regimen's row is locked by this read) and with `checks`, annotations read in the
    same query. Yields the regimen."""
    with transaction.atomic(), freshness.raised(regimen.patient_id):
        yield (
            Regimen.objects.select_for_update(of=("self",))
            .select_related("patient", "current_phase")
            .annotate(**checks)
            .get(pk=regimen.pk)
        )


# A new dose's related rows are the ones just locked and read, and its token was checked
# under the lock (_replayed; the column is unique too): the model's checks need not read them.
KNOWN = ["patient", "regimen", "phase", "recorded_by", "submission_token"]


def refresh_regimen(regimen: Regimen, inputs=None) -> bool:
    """After an injection event (or rows written in bulk): the regimen's stored schedule
    state and its wear-off flag, from one read of the events (or `inputs`, the events with
    the change in them). Returns whether the flag was on before."""
    inputs = inputs or regimen.schedule_inputs()
    regimen.refresh_schedule(inputs)
    return wearoff.refresh(regimen, inputs)


def out_of_date_form() -> str:
    return gettext("This form was altered or is out of date: reload the page and submit it again.")


def _replayed(token, model, patient):
    """The record a previous submission of the same form created, if any. A token that made
    another patient's record is refused: it is not this form's (a form altered, or sent again
    from another patient's page), and the record is neither written nor shown."""
    if not token:
        return None
    found = model.objects.filter(submission_token=token).first()
    if found is not None and found.patient_id != patient.pk:
        raise ValidationError(out_of_date_form(), code="token_reused")
    return found


def _replay_checks(token) -> dict:
    """Annotations for _changing(): the record a previous submission of the form made, and
    its patient, read with the regimen."""
    if not token:
        return {}
    first = DoseLog.objects.filter(submission_token=token)
    return {
        "replayed_id": Subquery(first.values("pk")[:1]),
        "replayed_patient": Subquery(first.values("patient_id")[:1]),
    }


def _replayed_from(regimen, model, token):
    """As _replayed, from the annotations of _replay_checks."""
    if not token or regimen.replayed_id is None:
        return None
    if regimen.replayed_patient != regimen.patient_id:
        raise ValidationError(out_of_date_form(), code="token_reused")
    return model.objects.get(pk=regimen.replayed_id)


def already_recorded(model, token, patient) -> bool:
    """Whether this patient's form with this token was submitted and recorded before."""
    return model.objects.filter(submission_token=token, patient=patient).exists()


class UnusualTiming(Exception):
    """The dose is early or a second one that day and was not confirmed (doses/timing.py)."""

    def __init__(self, check):
        super().__init__("unusual timing")
        self.check = check


def log_dose(
    regimen: Regimen, recorded_by, *, token=None, confirmed=None, **values
) -> tuple[DoseLog, bool]:
    """Record a given dose. Returns (dose, created); a repeated token returns the first dose.

    With `confirmed` False, a dose that is early or a second one that day is not saved:
    UnusualTiming says why. With True it is saved and keeps that it was confirmed. None (the
    default, for set-up and data loading) records without asking."""
    checks = _replay_checks(token)
    moment = values.get("administered_at")
    time_zone = regimen.patient.time_zone
    if confirmed is not None and moment is not None:
        day = schedule.local_date(moment, regimen.patient.zone)
        same_day = timing.doses_given_on(OuterRef("patient_id"), day, regimen.patient.zone)
        checks["same_day_first"] = Subquery(same_day.values("administered_at")[:1])
    checks["latest_checkin"] = _latest(
        SymptomEntry.objects.filter(patient_id=OuterRef("patient_id")), "recorded_at"
    )
    changes = RegimenChange.objects.filter(kind__in=RegimenChange.SCHEDULE_KINDS)
    checks["latest_change"] = _latest(changes.filter(regimen_id=OuterRef("pk")), "at")
    with _changing(regimen, **checks) as regimen:
        existing = _replayed_from(regimen, DoseLog, token)
        if existing:
            return existing, False
        dose = DoseLog(
            patient=regimen.patient,
            regimen=regimen,
            phase=regimen.current_phase,
            status=DoseLog.Status.GIVEN,
            recorded_by=recorded_by,
            **values,
        )
        dose.medication = dose.medication or regimen.medication
        dose.concentration_mcg_per_ml = (
            dose.concentration_mcg_per_ml or regimen.concentration_mcg_per_ml
        )
        if token:
            dose.submission_token = token
        dose.full_clean(exclude=KNOWN)
        at, zone = dose.administered_at, regimen.patient.zone
        day = schedule.local_date(at, zone)
        # The usual case: the dose comes after every event of the schedule, so the stored
        # state (kept from every event, in each event's transaction) takes one step; no
        # replay of the history, which is read only for a dose entered late.
        last = regimen.is_active and (
            (regimen.last_event_on is None or day > regimen.last_event_on)
            and (regimen.latest_change is None or at > regimen.latest_change)
        )
        reading = None if last else regimen.read_schedule()
        state = None
        if confirmed is not None:
            # Checked under the regimen's lock: a dose recorded meanwhile is counted.
            second_after = regimen.same_day_first
            if regimen.patient.time_zone != time_zone:  # changed meanwhile: the day too
                second_after = (
                    timing.doses_given_on(regimen.patient_id, day, zone)
                    .values_list("administered_at", flat=True)
                    .first()
                )
            if last:
                check, state = timing.check_next_dose(
                    regimen, at, regimen.phase_rules(), second_after
                )
            else:
                check = timing.check_dose(regimen, at, reading.inputs(), second_after)
            if check.unusual and not confirmed:
                raise UnusualTiming(check)
            dose.confirmed_early = check.early
            dose.confirmed_second = check.second
            dose.due_when_logged = check.due
        dose.save()
        if last:
            if state is None:
                step = schedule.Event(day, schedule.GIVEN)
                state = schedule.apply(regimen.stored_state, step, regimen.phase_rules())
            regimen.store_state(state)
            if wearoff.unchanged_by_last_dose(at, regimen.latest_checkin):
                was_flagged = regimen.symptoms_return_early
            else:
                was_flagged = wearoff.refresh(regimen)
        else:
            # The events as read, with this dose: no second read.
            was_flagged = refresh_regimen(regimen, reading.inputs(given_at=at))
        alerts.for_dose(dose)
        alerts.for_wear_off(regimen, was_flagged)
    return dose, True


def _latest(rows, field: str) -> Subquery:
    return Subquery(rows.order_by(f"-{field}").values(field)[:1])


def backfill_doses(regimen: Regimen, recorded_by, doses: list[dict]) -> list[DoseLog]:
    """Record injections given before the patient used the app (set-up), all at once: each
    dict holds a dose's values, its phase among them, as the plan worked them out. The rows
    are checked one by one (no query each), saved in one statement, and the schedule is
    replayed once: a fixed number of queries, and time linear in the number of doses (logging
    them one by one replays the whole history after each)."""
    with _changing(regimen) as regimen:
        was_flagged = regimen.symptoms_return_early
        records = []
        for values in doses:
            dose = DoseLog(
                patient=regimen.patient,
                regimen=regimen,
                status=DoseLog.Status.GIVEN,
                recorded_by=recorded_by,
                medication=regimen.medication,
                concentration_mcg_per_ml=regimen.concentration_mcg_per_ml,
                **values,
            )
            # The related rows are the ones just locked and given; the token is a fresh one.
            dose.full_clean(exclude=KNOWN, validate_unique=False)
            records.append(dose)
        DoseLog.objects.bulk_create(records)
        refresh_regimen(regimen)
        alerts.for_wear_off(regimen, was_flagged)
    return records


def skip_time(regimen: Regimen):
    """A skip is recorded on the day the dose is due (noon there): a skip planned ahead lies
    on that coming day (schedule.md's skip rule applies then), a skip of a dose due today
    before noon is now."""
    zone = regimen.patient.zone
    due_noon = timezone.make_aware(datetime.combine(regimen.next_due, time(12)), zone)
    if regimen.next_due > regimen.patient.today():
        return due_noon
    return min(due_noon, timezone.now())


def skip_dose(
    regimen: Regimen, recorded_by, reason: str = "", *, kind: str = "", token=None
) -> tuple[DoseLog, bool]:
    """Mark the dose that is due next (coming, due or overdue) as skipped; it moves the
    schedule's anchor but does not count toward an `after_doses` phase."""
    with _changing(regimen, **_replay_checks(token)) as regimen:
        existing = _replayed_from(regimen, DoseLog, token)
        if existing:
            return existing, False
        dose = DoseLog(
            patient=regimen.patient,
            regimen=regimen,
            phase=regimen.current_phase,
            status=DoseLog.Status.SKIPPED,
            administered_at=skip_time(regimen),
            skip_reason=reason,
            skip_reason_kind=kind,
            due_when_logged=regimen.next_due,
            route="",
            site="",
            dose_mcg=None,
            recorded_by=recorded_by,
        )
        if token:
            dose.submission_token = token
        dose.full_clean(exclude=KNOWN)
        dose.save()
        alerts.for_wear_off(regimen, refresh_regimen(regimen))
    return dose, True


def _keep_version(dose: DoseLog, change: str, user, reason: str = "") -> None:
    DoseLogVersion.objects.create(
        dose=dose, change=change, previous=dose.snapshot(), reason=reason, changed_by=user
    )


def correct_dose(dose: DoseLog, user, reason: str = "", **values) -> DoseLog:
    """Change a dose's values, keeping the previous ones as a version."""
    with _changing(dose.regimen) as regimen:
        dose = DoseLog.objects.select_for_update().get(pk=dose.pk)
        _keep_version(dose, DoseLogVersion.Change.CORRECTED, user, reason)
        for name, value in values.items():
            setattr(dose, name, value)
        dose.updated_at = timezone.now()
        dose.full_clean()
        dose.save()
        was_flagged = refresh_regimen(regimen)
        alerts.for_dose(dose)  # a reaction ticked on correction is raised too
        alerts.for_wear_off(regimen, was_flagged)
    return dose


def delete_dose(dose: DoseLog, user, reason: str = "") -> DoseLog:
    """Soft-delete: the record stays, out of the schedule, and can be restored."""
    with _changing(dose.regimen) as regimen:
        dose = DoseLog.objects.select_for_update().get(pk=dose.pk)
        if dose.deleted_at is None:
            _keep_version(dose, DoseLogVersion.Change.DELETED, user, reason)
            dose.deleted_at = timezone.now()
            dose.save(update_fields=["deleted_at"])
            alerts.for_wear_off(regimen, refresh_regimen(regimen))
    return dose


def restore_dose(dose: DoseLog, user) -> DoseLog:
    with _changing(dose.regimen) as regimen:
        dose = DoseLog.objects.select_for_update().get(pk=dose.pk)
        if dose.deleted_at is not None:
            _keep_version(dose, DoseLogVersion.Change.RESTORED, user)
            dose.deleted_at = None
            dose.save(update_fields=["deleted_at"])
            alerts.for_wear_off(regimen, refresh_regimen(regimen))
    return dose


def create_once(model, patient, token, **fields):
    """Create one record for the patient, unless this form's token already made one.
    Must run inside a transaction: the patient row is locked so that a double submit waits
    here and then finds the first record."""
    User.objects.lock(patient.pk)
    existing = _replayed(token, model, patient)
    if existing:
        return existing, False
    record = model(patient=patient, **fields)
    if token:
        record.submission_token = token
    record.full_clean()
    record.save()
    return record, True


def record_checkin(patient, recorded_by, *, token=None, **values) -> tuple[SymptomEntry, bool]:
    """A symptom check-in; it may change whether symptoms return before the next injection."""
    with transaction.atomic():
        regimen = Regimen.objects.filter(patient=patient, status=Regimen.Status.ACTIVE).first()
        if regimen is not None and "phase" not in values:
            # Kept on the check-in, so that it shows the phase as prescribed then.
            values["phase_id"] = regimen.phase_id_at(values.get("recorded_at", timezone.now()))
        entry, created = create_once(
            SymptomEntry, patient, token, recorded_by=recorded_by, **values
        )
        if created:
            alerts.for_checkin(entry, checkin_alerts.previous_checkin(entry))
            if regimen is not None:
                was_flagged = wearoff.refresh(regimen)
                alerts.for_wear_off(regimen, was_flagged)
    return entry, created


def add_note(patient, author, text: str, *, token=None, shared_with_patient: bool = False):
    with transaction.atomic():
        return create_once(
            ClinicalNote,
            patient,
            token,
            author=author,
            text=text,
            shared_with_patient=shared_with_patient,
        )
