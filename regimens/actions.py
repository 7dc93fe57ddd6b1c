"""Every change a clinician makes to a patient's regimen, each in one transaction that records
who, when, why and the old values (RegimenChange) and refreshes the stored schedule state.

Due dates move as schedule.md says: advancing an open phase follows rule 6 (it is an event in
the replay); changing a phase's dose or schedule follows rule 7 (the replay uses the phase's
current values, so what is due is computed from the last event with the new schedule, while
past doses keep the dose and phase they were recorded with).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User

from . import schedule
from .models import EndRule, Phase, Regimen, RegimenChange, rule_from_values, weekdays_error

LAB_REVIEW_MONTHS = 3  # the first blood test after starting, unless the prescriber says otherwise
CHANGEABLE = ("dose_mcg", "schedule_unit", "schedule_every", "schedule_weekdays")


def _locked(regimen: Regimen) -> Regimen:
    User.objects.lock(regimen.patient_id)  # the patient's row first, always (User.objects.lock)
    return Regimen.objects.select_for_update().select_related("patient").get(pk=regimen.pk)


def _record(
    regimen, kind, by, reason="", phase=None, old=None, new=None, *, at=None
) -> RegimenChange:
    return RegimenChange.objects.create(
        at=at or timezone.now(),
        regimen=regimen,
        patient_id=regimen.patient_id,
        kind=kind,
        phase=phase,
        by=by,
        reason=reason,
        old_values=old or {},
        new_values=new or {},
    )


def _relabel(phase: Phase) -> str:
    """A phase's label names its schedule ("Every 4 weeks"): keep it true to a new one. The
    label is stored and read by everyone with the record, so it is worded in the source
    language, whatever the language of the clinician who changed it."""
    with translation.override(None):
        phase.label = f"{phase.get_kind_display()}: {phase.schedule_text}"
    return phase.label


def prescribe(
    patient,
    template,
    start_date,
    by,
    *,
    concentration=None,
    route=None,
    phase_overrides=None,
    reason="",
    kind=RegimenChange.Kind.PRESCRIBED,
    entered_by_patient=False,
    product=None,
) -> Regimen:
    """Start a regimen from a template, with per-phase overrides {order: {field: value}}.

    With entered_by_patient, `by` is the patient entering their own prescription
    (plan_setup/plan.py): no prescriber and no lab review are set, `product` may name the
    medication and vial size, and the regimen stays marked until a clinician confirms it."""
    with transaction.atomic():
        User.objects.lock(patient.pk)
        if (
            Regimen.objects.select_for_update()
            .filter(patient=patient, status=Regimen.Status.ACTIVE)
            .exists()
        ):
            raise ValidationError(
                _("This patient already has an active regimen: switch or end it.")
            )
        regimen = Regimen.from_template(
            template,
            patient,
            start_date,
            prescriber=None if entered_by_patient else by,
            concentration=concentration,
            route=route,
        )
        if entered_by_patient:
            regimen.entered_by = by
            regimen.prescriber_note = _(
                "Entered by you from your prescription. Your prescriber sets the dose and "
                "interval: a clinician on your care team confirms this plan."
            )
            for name, value in (product or {}).items():
                setattr(regimen, name, value)
            regimen.full_clean(exclude=["patient", "template", "current_phase"])
            regimen.save()
        else:
            regimen.prescriber_note = (
                "Prescribed by your clinician. Your prescriber sets the dose and interval."
            )
            regimen.next_lab_review = schedule.add_months(start_date, LAB_REVIEW_MONTHS)
            regimen.save(update_fields=["prescriber_note", "next_lab_review"])
        for phase in regimen.ordered_phases:
            values = (phase_overrides or {}).get(phase.order) or {}
            for name, value in values.items():
                setattr(phase, name, value)
            if values:
                phase.full_clean()
                if set(values) - {"dose_mcg"}:
                    _relabel(phase)
                phase.save()
        _record(
            regimen,
            kind,
            by,
            reason,
            new={
                "template": template.name,
                "start": start_date.isoformat(),
                "strength": f"{regimen.concentration_mcg_per_ml} mcg/mL",
                "route": regimen.route,
            },
        )
        regimen.refresh_schedule()
    return regimen


def confirm_entry(regimen: Regimen, by) -> Regimen:
    """A care-team clinician confirms a regimen the patient entered (plan_setup/plan.py)."""
    with transaction.atomic():
        regimen = _locked(regimen)
        if not regimen.needs_confirmation:
            raise ValidationError(_("This regimen needs no confirmation."))
        regimen.confirmed_by = by
        regimen.confirmed_at = timezone.now()
        regimen.prescriber_note = _(
            "Entered by you and confirmed by a clinician on your care team. Your prescriber "
            "sets the dose and interval."
        )
        regimen.save(update_fields=["confirmed_by", "confirmed_at", "prescriber_note"])
        _record(
            regimen,
            RegimenChange.Kind.CONFIRMED,
            by,
            at=regimen.confirmed_at,
            new={"confirmed_by": by.name},
        )
    return regimen


def advance_phase(regimen: Regimen, by, reason: str = "") -> Regimen:
    """Move an open phase on to the next one (rule 6)."""
    with transaction.atomic():
        regimen = _locked(regimen)
        phase = regimen.current_phase
        if regimen.status != Regimen.Status.ACTIVE or phase is None:
            raise ValidationError(_("Only an active regimen can be advanced."))
        if phase.end_rule != EndRule.OPEN:
            raise ValidationError(_("This phase ends by itself; only an open phase is advanced."))
        following = [p for p in regimen.ordered_phases if p.order > phase.order]
        if not following:
            raise ValidationError(_("This is the last phase: end the regimen instead."))
        _record(
            regimen,
            RegimenChange.Kind.ADVANCED,
            by,
            reason,
            phase=phase,
            old={"phase": phase.label},
            new={"phase": following[0].label},
        )
        regimen.refresh_schedule()
    return regimen


def change_phase(phase: Phase, by, reason: str = "", **values) -> Regimen:
    """Change a phase's dose or schedule from now on (rule 7)."""
    unknown = set(values) - set(CHANGEABLE)
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
    with transaction.atomic():
        regimen = _locked(phase.regimen)
        phase = Phase.objects.select_for_update().get(pk=phase.pk)
        if values.get("schedule_weekdays"):
            try:  # "fr, mo" and "MO,FR" are the same schedule
                values["schedule_weekdays"] = schedule.weekday_codes(
                    schedule.parse_weekdays(values["schedule_weekdays"])
                )
            except ValueError:
                raise ValidationError({"schedule_weekdays": weekdays_error()}) from None
        old = {name: getattr(phase, name) for name in values}
        changed = {name: value for name, value in values.items() if old[name] != value}
        if not changed:
            raise ValidationError(_("Nothing changed."))
        for name, value in changed.items():
            setattr(phase, name, value)
        if set(changed) - {"dose_mcg"}:
            old["label"] = phase.label
            changed["label"] = _relabel(phase)
        phase.full_clean()
        phase.save()
        _record(
            regimen,
            RegimenChange.Kind.PHASE_CHANGED,
            by,
            reason,
            phase=phase,
            old={name: old[name] for name in changed},
            new=changed,
        )
        regimen.refresh_schedule()
    return regimen


def end_regimen(regimen: Regimen, by, reason: str = "", *, kind=RegimenChange.Kind.ENDED):
    with transaction.atomic():
        regimen = _locked(regimen)
        if regimen.status == Regimen.Status.ENDED:
            raise ValidationError(_("This regimen has already ended."))
        _record(
            regimen,
            kind,
            by,
            reason,
            old={"status": regimen.status},
            new={"status": Regimen.Status.ENDED},
        )
        regimen.status = Regimen.Status.ENDED
        regimen.save(update_fields=["status"])
        regimen.refresh_schedule()
    return regimen


def switch_regimen(
    regimen: Regimen, template, start_date, by, *, reason: str = "", **options
) -> Regimen:
    """End the current regimen and start another from a template, in one transaction."""
    with transaction.atomic():
        end_regimen(regimen, by, reason, kind=RegimenChange.Kind.SWITCHED)
        return prescribe(
            regimen.patient,
            template,
            start_date,
            by,
            reason=reason,
            kind=RegimenChange.Kind.SWITCHED,
            **options,
        )


def set_lab_review(regimen: Regimen, by, on, reason: str = "") -> Regimen:
    """Set (or clear, with None) the date of the next lab review."""
    with transaction.atomic():
        regimen = _locked(regimen)
        old = regimen.next_lab_review
        if old == on:
            raise ValidationError(_("Nothing changed."))
        _record(
            regimen,
            RegimenChange.Kind.LAB_REVIEW,
            by,
            reason,
            old={"lab_review": old.isoformat() if old else ""},
            new={"lab_review": on.isoformat() if on else "none"},
        )
        regimen.next_lab_review = on
        regimen.save(update_fields=["next_lab_review"])
    return regimen


def change_preview(phase: Phase, values: dict, on, count: int = 5):
    """The next `count` due dates as they stand and as they would be after changing `phase`
    to `values` on the day `on` (rule 7): ([dates now], [dates after the change])."""
    regimen = phase.regimen
    if regimen.status == Regimen.Status.ENDED:
        return [], []
    initial, events = regimen.schedule_inputs()
    before, before_rules = schedule.replay_with_rules(regimen.start_date, initial, events)
    index = [p.pk for p in regimen.ordered_phases].index(phase.pk)
    rule = rule_from_values({**phase.phase_values(), **values})
    changed = schedule.insert_event(events, schedule.Event(on, schedule.CHANGE, index, rule))
    after, after_rules = schedule.replay_with_rules(regimen.start_date, initial, changed)
    return (
        [day for day, _i in schedule.upcoming(before, before_rules, count)],
        [day for day, _i in schedule.upcoming(after, after_rules, count)],
    )
