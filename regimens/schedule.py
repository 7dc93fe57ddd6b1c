"""The due-date rules of shared/reference/schedule.md, as pure functions.

Nothing here touches the database: the Regimen model turns its phases and events into the
plain values below, and stores a copy of `replay(...)`'s result so that lists can sort by it.
Every date is a calendar date in the patient's time zone (rule 1).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from accounts import dates

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

DAY, WEEK, MONTH, WEEKDAYS = "day", "week", "month", "weekdays"
AFTER_DOSES, AFTER_DAYS, OPEN = "after_doses", "after_days", "open"
GIVEN, SKIPPED, ADVANCE, CHANGE = "given", "skipped", "advance", "change"


@dataclass(frozen=True)
class Schedule:
    """`every N day|week|month`, or `weekdays` with `days` as 0=Monday .. 6=Sunday."""

    unit: str
    every: int = 1
    days: tuple[int, ...] = ()

    def __post_init__(self):
        if self.unit == WEEKDAYS:
            if not self.days or any(d not in range(7) for d in self.days):
                raise ValueError("a weekday schedule needs at least one weekday")
            object.__setattr__(self, "days", tuple(sorted(set(self.days))))
        elif self.unit in (DAY, WEEK, MONTH):
            if self.every < 1:
                raise ValueError("a schedule repeats every 1 or more units")
        else:
            raise ValueError(f"unknown schedule unit {self.unit!r}")


@dataclass(frozen=True)
class PhaseRule:
    """What the rules need of a phase: its schedule and its end rule."""

    schedule: Schedule
    end: str = OPEN
    end_value: int | None = None

    def __post_init__(self):
        if self.end in (AFTER_DOSES, AFTER_DAYS):
            if not self.end_value or self.end_value < 1:
                raise ValueError(f"{self.end} needs a count of 1 or more")
        elif self.end != OPEN:
            raise ValueError(f"unknown end rule {self.end!r}")


@dataclass(frozen=True)
class Event:
    """A given or skipped dose on a date, a clinician advancing an open phase (rule 6), or a
    clinician changing phase `phase` to `rule` from that date on (rule 7)."""

    on: date
    kind: str = GIVEN
    phase: int | None = None
    rule: PhaseRule | None = None


@dataclass(frozen=True)
class State:
    """Where a regimen stands after its events. `phase` is None once the regimen is complete."""

    phase: int | None
    next_due: date | None
    given_in_phase: int = 0
    phase_entered_on: date | None = None
    phase_first_event_on: date | None = None
    last_event_on: date | None = None
    phase_completions: tuple[date, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return self.phase is None


def local_date(moment: datetime, zone: str | ZoneInfo) -> date:
    """Rule 1: an event's date is its timestamp in the patient's zone, date part."""
    if moment.tzinfo is None:
        raise ValueError("event times must be aware datetimes")
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    # A stored moment near year 1 or 9999 would overflow in the zone: it is clamped first.
    return dates.clamp(moment).astimezone(tz).date()


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if not date.min.year <= year <= date.max.year:  # a stored date near year 1 or 9999
        return date.max if months > 0 else date.min
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def step(day: date, schedule: Schedule) -> date:
    """Rule 3: the due date after an event on `day`."""
    if schedule.unit == DAY:
        return day + timedelta(days=schedule.every)
    if schedule.unit == WEEK:
        return day + timedelta(days=7 * schedule.every)
    if schedule.unit == MONTH:
        return add_months(day, schedule.every)
    ahead = min((d - day.weekday() - 1) % 7 + 1 for d in schedule.days)
    return day + timedelta(days=ahead)


def first_due(start: date, schedule: Schedule) -> date:
    """Rule 2: the start date itself, or the first listed weekday on or after it."""
    if schedule.unit != WEEKDAYS:
        return start
    return step(start - timedelta(days=1), schedule)


def _enter(phases: Sequence[PhaseRule], index: int, on: date, due: date | None, done, last):
    if index >= len(phases):
        return State(None, None, phase_completions=done, last_event_on=last)
    return State(index, due, 0, on, None, last, done)


def start_state(start: date, phases: Sequence[PhaseRule]) -> State:
    """The state before any event: the first phase, due on its first date (rule 2)."""
    if not phases:
        return State(None, None)
    return State(0, first_due(start, phases[0].schedule), 0, start)


def apply(state: State, event: Event, phases: Sequence[PhaseRule]) -> State:
    """The state after one more event, following rules 3 to 6."""
    if state.complete:
        # Doses recorded after the course ended are kept but change nothing that is due.
        if event.kind == ADVANCE:
            return state
        return replace(state, last_event_on=event.on)
    phase = phases[state.phase]
    if event.kind == ADVANCE:
        following = state.phase + 1
        done = (*state.phase_completions, event.on)
        if following >= len(phases):
            return _enter(phases, following, event.on, None, done, state.last_event_on)
        schedule = phases[following].schedule
        if state.last_event_on is not None:
            due = step(state.last_event_on, schedule)
        else:
            due = first_due(event.on, schedule)
        return _enter(phases, following, event.on, due, done, state.last_event_on)

    given = state.given_in_phase + (1 if event.kind == GIVEN else 0)
    first = state.phase_first_event_on or event.on
    next_step = step(event.on, phase.schedule)
    if phase.end == AFTER_DOSES:
        finished = given >= phase.end_value
    elif phase.end == AFTER_DAYS:
        finished = next_step >= first + timedelta(days=phase.end_value)
    else:
        finished = False
    if not finished:
        # Made directly rather than by dataclasses.replace, which looks the fields up on every
        # call: a history's replay takes this step for almost every dose.
        return State(
            state.phase,
            next_step,
            given,
            state.phase_entered_on,
            first,
            event.on,
            state.phase_completions,
        )
    following = state.phase + 1
    done = (*state.phase_completions, event.on)
    due = step(event.on, phases[following].schedule) if following < len(phases) else None
    return _enter(phases, following, event.on, due, done, event.on)


def _rescheduled(state: State, phases: Sequence[PhaseRule]) -> State:
    """Rule 7: after the current phase's schedule changed, what is due is computed from the
    last event with the new schedule (or, with none yet, from the phase's first date)."""
    if state.complete:
        return state
    sched = phases[state.phase].schedule
    if state.last_event_on is not None:
        return replace(state, next_due=step(state.last_event_on, sched))
    return replace(state, next_due=first_due(state.phase_entered_on, sched))


def walk(start: date, phases: Sequence[PhaseRule], events: Iterable[Event]):
    """Replay the events one by one. Yields (event, state before it, rules in force before it)
    and returns (final state, final rules). A CHANGE event replaces one phase's rule from then
    on; past events keep the rule they were given under."""
    rules = list(phases)
    state = start_state(start, rules)
    for event in events:
        yield event, state, tuple(rules)
        if event.kind == CHANGE:
            rules[event.phase] = event.rule
            if event.phase == state.phase:
                state = _rescheduled(state, rules)
        else:
            state = apply(state, event, rules)
    return state, tuple(rules)


def insert_event(events: Sequence[Event], new: Event) -> list[Event]:
    """The events with `new` placed after every event on or before its day (a skip planned
    ahead for a later day stays after it)."""
    position = len(events)
    while position and events[position - 1].on > new.on:
        position -= 1
    return [*events[:position], new, *events[position:]]


def replay(start: date, phases: Sequence[PhaseRule], events: Iterable[Event]) -> State:
    """The state after every event, in the order given (callers sort by time)."""
    return replay_with_rules(start, phases, events)[0]


def replay_with_rules(start, phases, events) -> tuple[State, tuple[PhaseRule, ...]]:
    """The final state and the phase rules in force at the end."""
    walker = walk(start, phases, events)
    while True:
        try:
            next(walker)
        except StopIteration as done:
            return done.value


def upcoming(state: State, phases: Sequence[PhaseRule], count: int) -> list[tuple[date, int]]:
    """Rule 9: the next `count` due dates with their phase index, each assumed given on time."""
    result: list[tuple[date, int]] = []
    while len(result) < count and not state.complete:
        result.append((state.next_due, state.phase))
        state = apply(state, Event(state.next_due, GIVEN), phases)
    return result


def status(due: date | None, today: date) -> tuple[str, int]:
    """Rule 8: ("upcoming", days until), ("due_today", 0) or ("overdue", days late)."""
    if due is None:
        return "none", 0
    if due > today:
        return "upcoming", (due - today).days
    if due == today:
        return "due_today", 0
    return "overdue", (today - due).days


def weekday_codes(days: Iterable[int]) -> str:
    return ",".join(WEEKDAY_CODES[d] for d in sorted(days))


def parse_weekdays(text: str) -> tuple[int, ...]:
    """ "MO,WE,FR" -> (0, 2, 4); raises ValueError on an unknown code."""
    codes = [part.strip().upper() for part in text.split(",") if part.strip()]
    try:
        return tuple(sorted({WEEKDAY_CODES.index(code) for code in codes}))
    except ValueError:
        raise ValueError(f"weekdays are written as {', '.join(WEEKDAY_CODES)}") from None


def interval_days(sched: Schedule) -> float:
    """The prescribed interval in days (a month counts as 30.44 days; a weekday schedule as a
    week spread over its listed days)."""
    if sched.unit == DAY:
        return float(sched.every)
    if sched.unit == WEEK:
        return 7.0 * sched.every
    if sched.unit == MONTH:
        return 30.44 * sched.every
    return 7.0 / len(sched.days)


def annotate(start: date, phases: Sequence[PhaseRule], events: Iterable[Event]):
    """Each dose or skip with the due date it answered, the phase it fell in and that phase's
    rule at the time. Returns (rows, final state, final rules)."""
    rows = []
    walker = walk(start, phases, events)
    while True:
        try:
            event, state, rules = next(walker)
        except StopIteration as done:
            final_state, final_rules = done.value
            return rows, final_state, final_rules
        if event.kind in (GIVEN, SKIPPED) and state.phase is not None:
            rows.append((event, state.next_due, state.phase, rules[state.phase]))
