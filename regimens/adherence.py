"""Adherence: how closely the injections followed the schedule. Pure functions over dates.

Definitions (also shown on the patient record and in the README):
- A dose is **on time** when it is given within a tolerance of its due date, early or late.
  The tolerance grows with the interval: 10% of the prescribed interval, rounded to whole days
  (same day for daily to every-4-days schedules, 1 day for weekly, 3 days for every 4 weeks or
  monthly, 9 days for every 3 months).
- A dose is **missed** for every whole interval that passed after a due date with no injection
  or skip recorded (a weekly dose given 2 weeks late counts 2 missed); the current overdue
  stretch counts too.
- The **actual interval** of a phase is the mean number of days between consecutive given doses
  in it, against the prescribed interval. A phase changed from now on (rule 7) has a row for
  each schedule it had, each with the doses given under it.
- The **longest gap** is the most days between two consecutive given doses.

For a range of days (the report's), the whole history is still replayed, so that every due
date is the one the schedule gave, but only what falls in the range is counted: the doses and
skips recorded on its days, the missed doses whose due dates fall in it, and the gaps and
intervals that end with a dose in it. Counts for ranges that split a history add up to the
counts for the whole.
"""

from dataclasses import dataclass, field
from datetime import date
from statistics import mean

from . import schedule

TOLERANCE_SHARE = 0.10


def tolerance_days(interval: float) -> int:
    return round(interval * TOLERANCE_SHARE)


@dataclass
class PhaseAdherence:
    index: int
    prescribed_days: float
    actual_days: float | None
    given: int
    # Which schedule the row is for (rows compare by their numbers only).
    rule: schedule.PhaseRule | None = field(default=None, compare=False)
    first_on: date | None = field(default=None, compare=False)  # its first given dose
    last_on: date | None = field(default=None, compare=False)  # and its last


@dataclass
class Adherence:
    given: int = 0
    on_time: int = 0
    early: int = 0
    late: int = 0
    skipped: int = 0
    missed: int = 0
    longest_gap_days: int | None = None
    phases: list[PhaseAdherence] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.given if self.given else None


def _missed(
    due: date | None, until: date, interval: float, first: date | None, last: date | None
) -> int:
    """The doses missed from `due` to `until`: one per whole interval, each at its own due
    date (`due`, `due` + 1 interval, ...); only those due within [first, last] count."""
    if due is None or until <= due:
        return 0
    count = int((until - due).days // interval)
    if first is None and last is None:
        return count
    low = (first - due).days if first else None
    high = (last - due).days if last else None
    return sum(
        1
        for k in range(count)
        if (low is None or k * interval >= low) and (high is None or k * interval < high + 1)
    )


def _within(day: date, first: date | None, last: date | None) -> bool:
    return (first is None or day >= first) and (last is None or day <= last)


def adherence(
    start: date,
    phases,
    events,
    today: date,
    first: date | None = None,
    last: date | None = None,
    *,
    annotated=None,
) -> Adherence:
    """Adherence over a regimen's events, each judged by the schedule in force when it
    happened (a later change of schedule does not re-judge earlier doses, rule 7); with
    `first` and `last`, only what falls in those days counts (see the module's docstring).
    `annotated`: schedule.annotate's answer for these, when the caller has it (not changed)."""
    result = Adherence()
    rows, final, rules = annotated or schedule.annotate(start, phases, events)
    # Keyed by (phase, rule in force): a phase changed from now on has a row per schedule.
    gaps_by_phase: dict[tuple, list[int]] = {}
    by_phase: dict[tuple, PhaseAdherence] = {}
    last_given: tuple[date, int] | None = None
    for event, due, index, rule in rows:
        interval = schedule.interval_days(rule.schedule)
        result.missed += _missed(due, event.on, interval, first, last)
        if not _within(event.on, first, last):
            if event.kind == schedule.GIVEN:
                last_given = (event.on, index)  # the gap to the next dose starts here
            continue
        if event.kind == schedule.SKIPPED:
            result.skipped += 1
            continue
        result.given += 1
        key = (index, rule)
        row = by_phase.get(key)
        if row is None:
            row = by_phase[key] = PhaseAdherence(index, interval, None, 0, rule, event.on)
        row.given += 1
        row.last_on = event.on
        offset = (event.on - due).days
        if abs(offset) <= tolerance_days(interval):
            result.on_time += 1
        elif offset < 0:
            result.early += 1
        else:
            result.late += 1
        if last_given is not None:
            gap = (event.on - last_given[0]).days
            result.longest_gap_days = max(result.longest_gap_days or 0, gap)
            if last_given[1] == index:
                gaps_by_phase.setdefault(key, []).append(gap)
        last_given = (event.on, index)
    if final.phase is not None:
        interval = schedule.interval_days(rules[final.phase].schedule)
        result.missed += _missed(final.next_due, today, interval, first, last)
    for key, row in sorted(by_phase.items(), key=lambda item: (item[0][0], item[1].first_on)):
        gaps = gaps_by_phase.get(key)
        row.actual_days = round(mean(gaps), 1) if gaps else None
        result.phases.append(row)
    return result
