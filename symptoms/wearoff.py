"""The wear-off view: do symptoms come back before the next maintenance injection?

Pure functions over dates and scores. In maintenance, each check-in is placed at the fraction of
the prescribed interval elapsed since the injection before it: before it in time, not by date, so
that a check-in on an injection day made before the shot belongs to the interval that is ending
(for_regimen asks the database which injection came last before each check-in). Per symptom,
the average score in the last quarter of the interval (fraction 0.75 to 1) is compared with the
first half (under 0.5). A symptom is flagged when it is at least 2 points worse late in the
interval, over at least 3 intervals that have check-ins in both parts. The app reports the
pattern; it never advises a change of dose or interval.
"""

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time
from statistics import mean
from typing import NamedTuple

from django.db.models import OuterRef, Subquery

from regimens import schedule
from regimens.models import PhaseKind

from .models import SymptomEntry

FIRST_HALF = 0.5
LAST_QUARTER = 0.75
WORSE_BY = 2.0
MIN_INTERVALS = 3


@dataclass(frozen=True)
class Point:
    """A check-in placed in the interval after the injection before it."""

    interval: int  # which maintenance interval: the index of the injection it follows
    days: int  # days since that injection
    fraction: float  # days / prescribed interval
    scores: dict
    on: date | None = None  # the check-in's day, for the chart's table


@dataclass
class WearOff:
    points: list[Point] = field(default_factory=list)
    intervals_compared: int = 0
    difference: dict = field(default_factory=dict)  # symptom -> late mean - early mean
    flagged: list[str] = field(default_factory=list)

    @property
    def symptoms_return(self) -> bool:
        return bool(self.flagged)


class Checkin(NamedTuple):
    """A check-in's date, its scores and, when known, the date of the last injection given
    before it in time. Without `after` (a check-in known by its date only) it is placed after
    any injection of the same day."""

    on: date
    scores: dict
    after: date | None = None


def place(injections: list[tuple[date, float]], checkins):
    """Points for the check-ins that fall after a maintenance injection and no later than one
    and a half intervals after it (beyond that the patient has lapsed). `checkins`: (date,
    scores) or (date, scores, date of the last injection before it) tuples."""
    days_given = [day for day, _interval in injections]
    points = []
    for row in checkins:
        on, scores, after = Checkin(*row)
        index = bisect_right(days_given, after or on) - 1
        if index < 0:
            continue
        given_on, interval = injections[index]
        days = (on - given_on).days
        if days <= 1.5 * interval:
            points.append(Point(index, days, days / interval, scores, on))
    return points


def analyse(injections, checkins, symptoms) -> WearOff:
    """`injections`: (date, prescribed interval in days) of each maintenance injection in order;
    `checkins`: (date, {symptom: score}[, date of the last injection before it]) as place()
    takes them; `symptoms`: the keys to compare."""
    result = WearOff(points=place(injections, checkins))
    early = [p for p in result.points if p.fraction < FIRST_HALF]
    late = [p for p in result.points if LAST_QUARTER <= p.fraction <= 1]
    both = {p.interval for p in early} & {p.interval for p in late}
    result.intervals_compared = len(both)
    if len(both) < MIN_INTERVALS:
        return result
    for symptom in symptoms:
        before = [p.scores[symptom] for p in early if p.interval in both]
        after = [p.scores[symptom] for p in late if p.interval in both]
        difference = mean(after) - mean(before)
        result.difference[symptom] = round(difference, 1)
        if difference >= WORSE_BY - 1e-9:  # "at least 2", whatever the float rounding
            result.flagged.append(symptom)
    return result


def for_regimen(regimen, inputs=None, checkins=None, *, annotated=None) -> WearOff:
    """The wear-off analysis of a regimen's maintenance injections and the patient's
    check-ins. Queries: the schedule inputs (phases, doses, changes; unless given) and the
    check-ins, unless given: `checkins`, the patient's Checkin tuples in time order, each with
    the day of the last injection of this regimen given at or before it in time (as
    timeline/series.py reads them for the record page's charts). The injections are read
    through the regimen (its `doses`), as everything below the doses app does. `annotated`:
    schedule.annotate's answer for the inputs, when the caller has it."""
    phases = regimen.ordered_phases
    if annotated is None:
        initial, events = inputs or regimen.schedule_inputs()
        annotated = schedule.annotate(regimen.start_date, initial, events)
    rows, _state, _rules = annotated
    injections = [
        (event.on, schedule.interval_days(rule.schedule))
        for event, _due, index, rule in rows
        if event.kind == schedule.GIVEN and phases[index].kind == PhaseKind.MAINTENANCE
    ]
    if not injections:
        return WearOff()
    symptoms = SymptomEntry.SYMPTOMS
    if checkins is not None:
        # From the first maintenance injection's day in the patient's zone, as below.
        first = injections[0][0]
        found = [c for c in checkins if c[0] >= first and c[2] is not None]
        return analyse(injections, found, symptoms)
    zone = regimen.patient.zone
    # From the start of the first maintenance injection's day in the patient's zone (not in
    # whatever zone happens to be active).
    since = datetime.combine(injections[0][0], time(), tzinfo=zone)
    entries = (
        SymptomEntry.objects.filter(patient_id=regimen.patient_id, recorded_at__gte=since)
        .annotate(last_given=last_given_before(regimen.doses))
        .order_by("recorded_at")
        .values_list("recorded_at", "last_given", *symptoms)
    )
    checkins = [
        Checkin(
            at.astimezone(zone).date(),
            dict(zip(symptoms, scores, strict=True)),
            given.astimezone(zone).date(),
        )
        for at, given, *scores in entries
        if given is not None  # no injection before it at all
    ]
    return analyse(injections, checkins, symptoms)


def last_given_before(doses):
    """A check-in's annotation: the time of the last of `doses` given at or before it (in the
    same query). One made on an injection day before the shot follows the earlier injection."""
    return Subquery(
        doses.filter(
            status=doses.model.Status.GIVEN,
            deleted_at__isnull=True,
            administered_at__lte=OuterRef("recorded_at"),
        )
        .order_by("-administered_at")
        .values("administered_at")[:1]
    )


def unchanged_by_last_dose(given_at: datetime, latest_checkin: datetime | None) -> bool:
    """Whether the analysis stays as it was when a given dose is added after every other event
    of the regimen (on a later day than any injection or skip, at a later moment than any
    change to its plan): it does when the dose also comes after every check-in of the patient
    (`latest_checkin`). Each check-in then keeps the injection before it (a replay of the
    earlier events is the same: later events never change it), and the new injection, last,
    has no check-in after it."""
    return latest_checkin is None or given_at > latest_checkin


def refresh(regimen, inputs=None) -> bool:
    """Store whether symptoms return early on the regimen, for the clinician's list; call it in
    the transaction of every injection event and check-in (doses/actions.py). A plan change
    (from now on, advance, end; regimens/actions.py) needs no call: each injection keeps the
    interval and phase in force when it was given, and none lies after a change when it is
    made (a given dose is at most the 5 minutes of FUTURE_TOLERANCE ahead, and a check-in
    after it then falls in the first half of any interval), so the analysis is the same
    before and after (tests/symptoms/test_wearoff.py, tests/regimens/
    test_plan_history_replay.py). Writes only when the flag changes. Returns the flag before."""
    before = regimen.symptoms_return_early
    flag = for_regimen(regimen, inputs).symptoms_return
    if flag != before:
        regimen.symptoms_return_early = flag
        regimen.save(update_fields=["symptoms_return_early"])
    return before
