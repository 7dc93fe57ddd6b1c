"""A patient entering their own regimen from a prescription ("Set up my injections").

The plan is worked out with the pure rules first (`plan_start`), so that the review step
shows exactly what saving will store, and then saved (`save_setup`) through the same actions
a clinician's prescription and the patient's injections use: `actions.prescribe` copies the
template's phases, `doses.actions.log_dose` records each injection the patient has already
had, and a patient who is further on than their earlier injections show is moved on with the
same "advanced" change a clinician records (rule 6). The stored schedule state is therefore
what a replay of the regimen gives (Regimen.recompute_state).

Part-way through treatment: the earlier injections are replayed in date order from the first
phase; the phase the patient says they are in now is reached by advancing, just before the
last injection; the last injection is then the latest event, and the schedule continues from
it (rules 3 and 4). Each injection the patient lists keeps the time and site they give for it;
a site they do not remember is stored as "site not recorded" (no site is made up), and site
rotation leaves that injection out.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from doses import actions as dose_actions
from doses.models import DoseLog
from regimens import actions, schedule
from regimens.models import Regimen, RegimenChange, rule_from_values
from supplies import labels

UPCOMING_COUNT = 5
ADVANCE_BEFORE = timedelta(microseconds=1)  # an advance sorts just before the last injection


@dataclass
class Injection:
    """An injection the patient has already had, with the phase it counts in, and the time and
    site they gave for it ("" when they do not remember the site)."""

    on: date
    phase: int
    last: bool = False
    at: time | None = None
    site: str = ""


@dataclass
class Plan:
    """What saving will store, worked out with the pure rules."""

    start: date
    rules: list
    injections: list[Injection] = field(default_factory=list)
    advances: list[int] = field(default_factory=list)  # phases moved on from, in order
    state: schedule.State | None = None

    def upcoming(self, count: int = UPCOMING_COUNT) -> list[tuple[date, int]]:
        return schedule.upcoming(self.state, self.rules, count)


class PlanError(ValueError):
    pass


def plan_start(start: date, phase_values: list[dict], *, current=None, last=None, earlier=()):
    """The plan for a patient starting on `start`; with `current` (a phase index) and `last`
    (the date of their latest injection), for one already part-way through, with `earlier`
    injection dates before that. Raises PlanError when the earlier injections would already
    carry the patient past the phase they say they are in."""
    rules = [rule_from_values(values) for values in phase_values]
    plan = Plan(start, rules)
    state = schedule.start_state(start, rules)
    if current is not None:
        for day in sorted(earlier):
            plan.injections.append(Injection(day, state.phase))
            state = schedule.apply(state, schedule.Event(day, schedule.GIVEN), rules)
            if state.complete or state.phase > current:
                raise PlanError(
                    ngettext(
                        "Counted from the start of the plan, %(n)d earlier injection would "
                        "already take you past the phase you chose. Choose a later phase, or "
                        "list fewer dates.",
                        "Counted from the start of the plan, %(n)d earlier injections would "
                        "already take you past the phase you chose. Choose a later phase, or "
                        "list fewer dates.",
                        len(earlier),
                    )
                    % {"n": len(earlier)}
                )
        while state.phase < current:
            plan.advances.append(state.phase)
            state = schedule.apply(state, schedule.Event(last, schedule.ADVANCE), rules)
        plan.injections.append(Injection(last, state.phase, last=True))
        state = schedule.apply(state, schedule.Event(last, schedule.GIVEN), rules)
    plan.state = state
    return plan


def _given_at(patient, day: date, at: time | None = None) -> datetime:
    """An injection's moment at its time of day in the patient's zone (noon for one entered
    by date only), or now if that is later (so that none is ever in the future)."""
    moment = timezone.make_aware(datetime.combine(day, at or time(12)), patient.zone)
    return min(moment, timezone.now())


def already_saved(patient, token) -> Regimen | None:
    """The regimen an earlier submission of this review's Save made, if any. A token that is
    not one (an altered form) finds nothing; one that made another patient's regimen is
    refused rather than written a second time."""
    try:
        token = uuid.UUID(str(token)) if token else None
    except ValueError:
        return None
    if token is None:
        return None
    found = Regimen.objects.filter(setup_token=token).first()
    if found is not None and found.patient_id != patient.pk:
        raise ValidationError(
            _("This form was altered or is out of date: reload the page and submit it again."),
            code="token_reused",
        )
    return found


def save_setup(
    patient,
    template,
    phase_values: list[dict],
    product: dict,
    plan: Plan,
    *,
    token=None,
    label_photo=None,
) -> tuple[Regimen, bool]:
    """Store the regimen the patient entered, the injections they have already had, and the
    photo of their vial's label if they sent one (a CleanPhoto: supplies/photos.py), all or
    nothing. Returns (regimen, created); the same form submitted twice returns the first
    regimen (and keeps no second photo)."""
    with transaction.atomic():
        # A double-clicked Save waits here, then finds the first submission's regimen.
        User.objects.lock(patient.pk)
        existing = already_saved(patient, token)
        if existing is not None:
            return existing, False
        template_phases = list(template.phases.all())
        if len(template_phases) != len(phase_values):
            raise ValidationError(_("The plan changed while you were entering it: start again."))
        overrides = {
            phase.order: {
                name: value
                for name, value in values.items()
                if name != "order" and getattr(phase, name) != value
            }
            for phase, values in zip(template_phases, phase_values, strict=True)
        }
        regimen = actions.prescribe(
            patient,
            template,
            plan.start,
            patient,
            concentration=product["concentration_mcg_per_ml"],
            route=product["route"],
            phase_overrides=overrides,
            kind=RegimenChange.Kind.ENTERED,
            reason=_("Entered by the patient from their prescription"),
            entered_by_patient=True,
            product={
                "medication": product["medication"],
                "container_ml": product["container_ml"],
                "setup_token": token,
            },
        )
        if plan.injections:
            _record_history(regimen, patient, phase_values, plan)
        if label_photo is not None:
            labels.attach_regimen_photo(regimen, patient, label_photo)
        regimen.refresh_from_db()
    return regimen, True


def _record_history(regimen, patient, phase_values, plan) -> None:
    """The injections already given, each in the phase the plan counts it in, at its own time
    and site (or marked "site not recorded"), with an advance to the patient's current phase
    just before the last one (rule 6). They are saved together (`backfill_doses`), so the
    save costs the same few queries however many injections are listed."""
    phases = regimen.ordered_phases
    last = plan.injections[-1]
    last_at = _given_at(patient, last.on, last.at)
    for index in plan.advances:
        actions._record(
            regimen,
            RegimenChange.Kind.ADVANCED,
            patient,
            _("Entered by the patient: already in a later phase"),
            phase=phases[index],
            old={"phase": phases[index].label},
            new={"phase": phases[index + 1].label},
            at=last_at - ADVANCE_BEFORE,
        )
    dose_actions.backfill_doses(
        regimen,
        patient,
        [
            {
                "phase": phases[injection.phase],
                "administered_at": _given_at(patient, injection.on, injection.at),
                "dose_mcg": phase_values[injection.phase]["dose_mcg"],
                "route": regimen.route,
                "site": injection.site,
                "site_not_recorded": not injection.site,
                "administered_by": DoseLog.AdministeredBy.SELF,
                "reaction_notes": _("Entered when setting up the plan."),
            }
            for injection in plan.injections
        ],
    )
