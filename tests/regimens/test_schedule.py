"""The due-date rules of shared/reference/schedule.md, checked against regimens/schedule.py.

Plain pytest, no database and no Django: the module under test is pure Python. Tests are grouped
by the rule they pin down; the worked examples of schedule.md come first, exactly as written.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regimens.reference import regimens as reference_regimens
from regimens.schedule import (
    ADVANCE,
    AFTER_DAYS,
    AFTER_DOSES,
    DAY,
    GIVEN,
    MONTH,
    OPEN,
    SKIPPED,
    WEEK,
    WEEKDAY_CODES,
    WEEKDAYS,
    Event,
    PhaseRule,
    Schedule,
    State,
    apply,
    first_due,
    local_date,
    parse_weekdays,
    replay,
    start_state,
    status,
    step,
    upcoming,
    weekday_codes,
)

MO, TU, WE, TH, FR, SA, SU = range(7)

US_PRACTICE = "Cyanocobalamin 1000 mcg, common US practice"
US_LABEL = "Cyanocobalamin 100 mcg, US label (pernicious anaemia)"
UK_NO_NEURO = "Hydroxocobalamin, no neurological involvement (UK)"
UK_NEURO = "Hydroxocobalamin, neurological involvement (UK)"
PROPHYLAXIS = "Hydroxocobalamin prophylaxis (after gastrectomy or ileal resection)"


# --- helpers -------------------------------------------------------------------------------


def template_phases(name: str) -> list[PhaseRule]:
    """The phases of a template in regimens.json, as the plain values the rules work on."""
    template = next(t for t in reference_regimens()["templates"] if t["name"] == name)
    phases = []
    for phase in template["phases"]:
        sched = phase["schedule"]
        if "weekdays" in sched:
            schedule = Schedule(WEEKDAYS, days=parse_weekdays(",".join(sched["weekdays"])))
        else:
            schedule = Schedule(sched["unit"], every=sched["every"])
        ends = phase["ends"]
        if ends.get("open"):
            phases.append(PhaseRule(schedule))
        else:
            (end, value), *_ = ends.items()
            phases.append(PhaseRule(schedule, end, value))
    return phases


def every(n: int, unit: str) -> Schedule:
    return Schedule(unit, every=n)


def on_weekdays(*days: int) -> Schedule:
    return Schedule(WEEKDAYS, days=days)


def given_on(*days: date) -> list[Event]:
    return [Event(day, GIVEN) for day in days]


def due_dates(state: State, phases, count: int) -> list[date]:
    return [due for due, _ in upcoming(state, phases, count)]


# --- worked examples (schedule.md) ------------------------------------------------------------


def test_it_lists_the_us_practice_example_through_the_end_of_may():
    phases = template_phases(US_PRACTICE)
    start = date(2026, 3, 2)
    assert start.weekday() == MO

    listed = upcoming(start_state(start, phases), phases, 20)
    through_may = [(due, phase) for due, phase in listed if due <= date(2026, 5, 31)]

    repletion = [(date(2026, 3, day), 0) for day in range(2, 9)]
    stabilization = [
        (date(2026, 3, 15), 1),
        (date(2026, 3, 22), 1),
        (date(2026, 3, 29), 1),
        (date(2026, 4, 5), 1),
    ]
    maintenance = [(date(2026, 5, 3), 2), (date(2026, 5, 31), 2)]
    assert through_may == repletion + stabilization + maintenance
    assert listed[len(through_may)] == (date(2026, 6, 28), 2)


def test_it_lists_the_uk_no_neuro_example_from_a_thursday_start():
    phases = template_phases(UK_NO_NEURO)
    start = date(2026, 1, 1)
    assert start.weekday() == TH

    listed = upcoming(start_state(start, phases), phases, 8)

    loading = [date(2026, 1, day) for day in (2, 5, 7, 9, 12, 14)]
    assert [d.weekday() for d in loading] == [FR, MO, WE, FR, MO, WE]
    assert listed == [(d, 0) for d in loading] + [
        (date(2026, 4, 14), 1),
        (date(2026, 7, 14), 1),
    ]


def test_it_dues_maintenance_three_months_after_a_late_sixth_loading_dose():
    phases = template_phases(UK_NO_NEURO)
    events = given_on(
        date(2026, 1, 2),
        date(2026, 1, 5),
        date(2026, 1, 7),
        date(2026, 1, 9),
        date(2026, 1, 12),
    )
    before = replay(date(2026, 1, 1), phases, events)
    assert (before.phase, before.next_due) == (0, date(2026, 1, 14))

    after = apply(before, Event(date(2026, 1, 16)), phases)

    assert after.phase == 1
    assert after.next_due == date(2026, 4, 16)


# --- rule 1: dates are calendar dates in the patient's zone ---------------------------------


def test_it_dates_a_late_evening_los_angeles_dose_on_that_local_day():
    moment = datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("America/Los_Angeles"))
    stored = moment.astimezone(UTC)
    assert stored.date() == date(2026, 3, 2)

    assert local_date(stored, "America/Los_Angeles") == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("zone", "local_time", "utc_date"),
    [
        ("Pacific/Auckland", datetime(2026, 3, 2, 6, 30), date(2026, 3, 1)),
        ("Pacific/Auckland", datetime(2026, 7, 2, 8, 0), date(2026, 7, 1)),
        ("Asia/Tokyo", datetime(2026, 3, 2, 7, 0), date(2026, 3, 1)),
        ("Asia/Tokyo", datetime(2026, 1, 1, 0, 15), date(2025, 12, 31)),
    ],
)
def test_it_dates_an_early_morning_dose_east_of_utc_on_the_local_day(zone, local_time, utc_date):
    stored = local_time.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    assert stored.date() == utc_date

    assert local_date(stored, zone) == local_time.date()


def test_it_accepts_the_zone_as_a_zoneinfo_or_a_name():
    stored = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)

    assert local_date(stored, ZoneInfo("America/New_York")) == date(2026, 3, 1)
    assert local_date(stored, "America/New_York") == date(2026, 3, 1)
    assert local_date(stored, "UTC") == date(2026, 3, 2)


def test_it_rejects_a_naive_datetime():
    with pytest.raises(ValueError, match="aware"):
        local_date(datetime(2026, 3, 1, 23, 30), "America/Los_Angeles")


def test_it_uses_the_local_day_to_say_whether_a_dose_is_due_today():
    # 23:30 on 4 March in Los Angeles is already 5 March in UTC: the 5 March dose is tomorrow.
    now = datetime(2026, 3, 5, 7, 30, tzinfo=UTC)
    today = local_date(now, "America/Los_Angeles")

    assert today == date(2026, 3, 4)
    assert status(date(2026, 3, 5), today) == ("upcoming", 1)


# --- rule 2: the first dose ------------------------------------------------------------------


@pytest.mark.parametrize(
    "schedule", [every(1, DAY), every(3, DAY), every(2, WEEK), every(3, MONTH)]
)
def test_it_dues_the_first_dose_on_the_start_date(schedule):
    start = date(2026, 1, 1)

    assert first_due(start, schedule) == start
    assert start_state(start, [PhaseRule(schedule)]).next_due == start


@pytest.mark.parametrize(
    ("start", "days", "first"),
    [
        (date(2026, 1, 1), (MO, WE, FR), date(2026, 1, 2)),  # Thursday -> Friday
        (date(2026, 1, 3), (MO, WE, FR), date(2026, 1, 5)),  # Saturday -> Monday
        (date(2026, 1, 4), (MO, WE, FR), date(2026, 1, 5)),  # Sunday -> Monday
        (date(2026, 1, 6), (SU,), date(2026, 1, 11)),  # Tuesday -> Sunday
        (date(2026, 1, 7), (TU,), date(2026, 1, 13)),  # Wednesday -> next Tuesday
    ],
)
def test_it_dues_a_weekday_schedule_on_the_first_listed_weekday_after_the_start(start, days, first):
    schedule = on_weekdays(*days)

    assert first_due(start, schedule) == first
    assert start_state(start, [PhaseRule(schedule)]).next_due == first


@pytest.mark.parametrize(
    ("start", "days"),
    [
        (date(2026, 1, 5), (MO, WE, FR)),
        (date(2026, 1, 7), (MO, WE, FR)),
        (date(2026, 1, 9), (MO, WE, FR)),
        (date(2026, 1, 11), (SU,)),
    ],
)
def test_it_dues_a_weekday_schedule_on_the_start_date_when_it_is_a_listed_weekday(start, days):
    assert first_due(start, on_weekdays(*days)) == start


def test_it_starts_a_fresh_regimen_in_its_first_phase_with_nothing_counted():
    state = start_state(date(2026, 3, 2), template_phases(US_PRACTICE))

    assert state.phase == 0
    assert state.given_in_phase == 0
    assert state.last_event_on is None
    assert not state.complete


def test_it_has_nothing_due_for_a_regimen_without_phases():
    state = start_state(date(2026, 3, 2), [])

    assert state.complete
    assert state.next_due is None
    assert upcoming(state, [], 5) == []


# --- rule 3: stepping from an event ----------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (every(1, DAY), date(2026, 3, 3)),
        (every(2, DAY), date(2026, 3, 4)),
        (every(3, DAY), date(2026, 3, 5)),
        (every(1, WEEK), date(2026, 3, 9)),
        (every(4, WEEK), date(2026, 3, 30)),
    ],
)
def test_it_steps_every_n_days_or_weeks_by_a_fixed_number_of_days(schedule, expected):
    assert step(date(2026, 3, 2), schedule) == expected


def test_it_steps_days_and_weeks_across_month_and_year_ends():
    assert step(date(2026, 2, 28), every(1, DAY)) == date(2026, 3, 1)
    assert step(date(2028, 2, 28), every(1, DAY)) == date(2028, 2, 29)
    assert step(date(2026, 12, 30), every(2, DAY)) == date(2027, 1, 1)
    assert step(date(2026, 12, 28), every(1, WEEK)) == date(2027, 1, 4)


@pytest.mark.parametrize(
    ("event_on", "months", "expected"),
    [
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 1, 14), 3, date(2026, 4, 14)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 5, 31), 1, date(2026, 6, 30)),
        (date(2026, 8, 31), 1, date(2026, 9, 30)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2000, 1, 31), 1, date(2000, 2, 29)),  # divisible by 400: leap
        (date(2100, 1, 31), 1, date(2100, 2, 28)),  # divisible by 100 only: not leap
    ],
)
def test_it_steps_months_to_the_same_day_clamped_to_a_shorter_month(event_on, months, expected):
    assert step(event_on, every(months, MONTH)) == expected


@pytest.mark.parametrize(
    ("event_on", "months", "expected"),
    [
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 12, 31), 1, date(2027, 1, 31)),
        (date(2026, 11, 14), 3, date(2027, 2, 14)),
        (date(2026, 10, 14), 3, date(2027, 1, 14)),
        (date(2026, 6, 1), 12, date(2027, 6, 1)),
        (date(2026, 6, 1), 25, date(2028, 7, 1)),
    ],
)
def test_it_steps_months_into_the_next_year(event_on, months, expected):
    assert step(event_on, every(months, MONTH)) == expected


def test_it_steps_twelve_months_from_a_leap_day_to_28_february():
    assert step(date(2028, 2, 29), every(12, MONTH)) == date(2029, 2, 28)
    assert step(date(2028, 2, 29), every(48, MONTH)) == date(2032, 2, 29)


def test_it_keeps_the_clamped_day_for_later_months_because_the_schedule_floats():
    phases = [PhaseRule(every(3, MONTH))]
    state = replay(date(2025, 11, 30), phases, given_on(date(2025, 11, 30)))

    assert due_dates(state, phases, 3) == [date(2026, 2, 28), date(2026, 5, 28), date(2026, 8, 28)]


@pytest.mark.parametrize(
    ("event_on", "days", "expected"),
    [
        (date(2026, 1, 5), (MO, WE, FR), date(2026, 1, 7)),  # Monday -> Wednesday
        (date(2026, 1, 7), (MO, WE, FR), date(2026, 1, 9)),  # Wednesday -> Friday
        (date(2026, 1, 6), (MO, WE, FR), date(2026, 1, 7)),  # Tuesday -> Wednesday
        (date(2026, 1, 8), (TH,), date(2026, 1, 15)),  # Thursday -> next Thursday
        (date(2026, 1, 11), (SU,), date(2026, 1, 18)),  # Sunday -> next Sunday
    ],
)
def test_it_steps_a_weekday_schedule_to_the_next_listed_weekday_strictly_after(
    event_on, days, expected
):
    assert step(event_on, on_weekdays(*days)) == expected


@pytest.mark.parametrize(
    ("event_on", "days", "expected"),
    [
        (date(2026, 1, 9), (MO, WE, FR), date(2026, 1, 12)),  # Friday -> Monday
        (date(2026, 1, 10), (MO, WE, FR), date(2026, 1, 12)),  # Saturday -> Monday
        (date(2026, 1, 11), (MO, WE, FR), date(2026, 1, 12)),  # Sunday -> Monday
        (date(2026, 1, 10), (SU, TU), date(2026, 1, 11)),  # Saturday -> Sunday
        (date(2026, 12, 30), (MO,), date(2027, 1, 4)),  # Wednesday -> Monday, new year
    ],
)
def test_it_wraps_a_weekday_schedule_across_the_end_of_the_week(event_on, days, expected):
    assert step(event_on, on_weekdays(*days)) == expected


# --- rule 4: the schedule floats -------------------------------------------------------------


def test_it_moves_every_later_due_date_by_the_days_a_dose_was_late():
    phases = template_phases(US_PRACTICE)
    start = date(2026, 3, 2)
    on_time = upcoming(start_state(start, phases), phases, 14)
    # Doses 1 to 4 on time, the 5th (due 6 March) given three days late on 9 March.
    events = given_on(*(due for due, _ in on_time[:4]), date(2026, 3, 9))

    late = upcoming(replay(start, phases, events), phases, 9)

    assert late == [(due + timedelta(days=3), phase) for due, phase in on_time[5:14]]
    assert late[0] == (date(2026, 3, 10), 0)


def test_it_moves_every_later_due_date_earlier_after_an_early_dose():
    phases = template_phases(PROPHYLAXIS)
    start = date(2026, 1, 10)
    events = given_on(date(2026, 1, 10), date(2026, 4, 3))  # due 10 April, given a week early

    assert due_dates(replay(start, phases, events), phases, 3) == [
        date(2026, 7, 3),
        date(2026, 10, 3),
        date(2027, 1, 3),
    ]


def test_it_resumes_a_weekday_schedule_after_a_late_dose_on_the_next_listed_weekday():
    phases = template_phases(UK_NO_NEURO)
    # The Monday 5 January dose is given on Tuesday 6 January.
    state = replay(date(2026, 1, 1), phases, given_on(date(2026, 1, 2), date(2026, 1, 6)))

    assert due_dates(state, phases, 4) == [
        date(2026, 1, 7),
        date(2026, 1, 9),
        date(2026, 1, 12),
        date(2026, 1, 14),
    ]


def test_it_anchors_to_the_last_event_even_long_after_the_plan():
    phases = template_phases(US_PRACTICE)
    events = given_on(*(date(2026, 3, day) for day in range(2, 9)), date(2026, 3, 15))
    state = replay(date(2026, 3, 2), phases, events)

    # A dose two months late, still in stabilization: the next is due a week after it.
    state = apply(state, Event(date(2026, 5, 30)), phases)

    assert (state.phase, state.next_due) == (1, date(2026, 6, 6))
    assert state.given_in_phase == 2


# --- skipped doses ---------------------------------------------------------------------------


def test_it_moves_the_anchor_on_a_skipped_dose():
    phases = template_phases(PROPHYLAXIS)
    state = replay(date(2026, 1, 10), phases, [Event(date(2026, 1, 12), SKIPPED)])

    assert state.next_due == date(2026, 4, 12)
    assert state.last_event_on == date(2026, 1, 12)


def test_it_does_not_count_a_skipped_dose_toward_after_doses():
    phases = template_phases(US_PRACTICE)
    events = given_on(*(date(2026, 3, day) for day in range(2, 8)))
    state = replay(date(2026, 3, 2), phases, events)
    assert (state.phase, state.given_in_phase) == (0, 6)

    # The 7th daily dose is skipped: still repletion, one more daily dose due.
    state = apply(state, Event(date(2026, 3, 8), SKIPPED), phases)
    assert (state.phase, state.given_in_phase, state.next_due) == (0, 6, date(2026, 3, 9))

    state = apply(state, Event(date(2026, 3, 9)), phases)
    assert (state.phase, state.next_due) == (1, date(2026, 3, 16))


def test_it_never_completes_an_after_doses_phase_on_skipped_doses_alone():
    phases = [PhaseRule(every(1, DAY), AFTER_DOSES, 1), PhaseRule(every(1, WEEK))]
    skips = [Event(date(2026, 3, day), SKIPPED) for day in range(1, 29)]

    state = replay(date(2026, 3, 1), phases, skips)

    assert (state.phase, state.given_in_phase, state.next_due) == (0, 0, date(2026, 3, 29))


# --- rule 5: when a phase is complete --------------------------------------------------------


def test_it_completes_an_after_doses_phase_on_its_nth_given_dose():
    phases = [PhaseRule(every(2, DAY), AFTER_DOSES, 3), PhaseRule(every(1, MONTH))]
    start = date(2026, 1, 31)

    state = replay(start, phases, given_on(date(2026, 1, 31), date(2026, 2, 2)))
    assert (state.phase, state.given_in_phase, state.next_due) == (0, 2, date(2026, 2, 4))

    state = apply(state, Event(date(2026, 2, 4)), phases)
    assert (state.phase, state.given_in_phase, state.next_due) == (1, 0, date(2026, 3, 4))
    assert state.phase_completions == (date(2026, 2, 4),)


def test_it_steps_into_the_next_phase_with_the_next_phase_schedule():
    phases = [PhaseRule(every(1, DAY), AFTER_DOSES, 1), PhaseRule(on_weekdays(TU, TH))]

    state = replay(date(2026, 1, 8), phases, given_on(date(2026, 1, 8)))  # a Thursday

    assert (state.phase, state.next_due) == (1, date(2026, 1, 13))


def test_it_runs_the_us_label_every_3_days_phase_for_three_weeks_from_its_first_dose():
    phases = template_phases(US_LABEL)
    assert phases[2] == PhaseRule(every(3, DAY), AFTER_DAYS, 21)
    listed = upcoming(start_state(date(2026, 3, 2), phases), phases, 24)

    daily = [date(2026, 3, day) for day in range(2, 9)]
    alternate = [date(2026, 3, day) for day in range(10, 23, 2)]
    every_3_days = [
        date(2026, 3, 25),
        date(2026, 3, 28),
        date(2026, 3, 31),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 4, 9),
        date(2026, 4, 12),
    ]
    assert [due for due, phase in listed if phase == 0] == daily
    assert [due for due, phase in listed if phase == 1] == alternate
    assert [due for due, phase in listed if phase == 2] == every_3_days
    assert [due for due, phase in listed if phase == 3][:3] == [
        date(2026, 5, 12),
        date(2026, 6, 12),
        date(2026, 7, 12),
    ]


def test_it_completes_an_after_days_phase_when_the_next_step_reaches_the_window_end():
    phases = template_phases(US_LABEL)
    first_event = date(2026, 3, 25)
    window_end = first_event + timedelta(days=21)
    assert window_end == date(2026, 4, 15)
    on_time = due_dates(start_state(date(2026, 3, 2), phases), phases, 19)
    before = replay(date(2026, 3, 2), phases, given_on(*on_time))
    assert before.phase_first_event_on == first_event

    # 9 April: the next step (12 April) is before 15 April, so the phase runs on.
    at_9_april = apply(before, Event(date(2026, 4, 9)), phases)
    assert (at_9_april.phase, at_9_april.next_due) == (2, date(2026, 4, 12))

    # 12 April: the next step would be 15 April, on the window end: the phase is complete.
    at_12_april = apply(at_9_april, Event(date(2026, 4, 12)), phases)
    assert at_12_april.phase == 3
    assert at_12_april.next_due == date(2026, 5, 12)


def test_it_counts_an_after_days_window_from_the_phase_first_event_not_its_due_date():
    phases = [PhaseRule(every(3, DAY), AFTER_DAYS, 21), PhaseRule(every(1, MONTH))]
    # Due 1 March, first given on 3 March: the window runs to 24 March.
    events = given_on(*(date(2026, 3, day) for day in (3, 6, 9, 12, 15, 18)))
    state = replay(date(2026, 3, 1), phases, events)
    assert (state.phase, state.next_due) == (0, date(2026, 3, 21))

    state = apply(state, Event(date(2026, 3, 21)), phases)

    assert (state.phase, state.next_due) == (1, date(2026, 4, 21))


def test_it_counts_a_skipped_dose_as_the_start_of_an_after_days_window():
    phases = [PhaseRule(every(1, WEEK), AFTER_DAYS, 14), PhaseRule(every(1, MONTH))]
    state = replay(date(2026, 3, 2), phases, [Event(date(2026, 3, 2), SKIPPED)])
    assert state.phase_first_event_on == date(2026, 3, 2)

    state = apply(state, Event(date(2026, 3, 9)), phases)

    assert (state.phase, state.next_due) == (1, date(2026, 4, 9))


def test_it_ends_an_after_days_phase_early_when_a_late_dose_oversteps_the_window():
    phases = [PhaseRule(every(3, DAY), AFTER_DAYS, 21), PhaseRule(every(1, MONTH))]
    # First dose 1 March, so the window ends 22 March; the next dose, 16 days late on 20 March,
    # would step to 23 March, past the window end: the phase is complete after it.
    state = replay(date(2026, 3, 1), phases, given_on(date(2026, 3, 1), date(2026, 3, 20)))

    assert (state.phase, state.next_due) == (1, date(2026, 4, 20))


def test_it_never_completes_an_open_phase_by_itself():
    phases = template_phases(UK_NEURO)
    events = given_on(*(date(2026, 1, 1) + timedelta(days=2 * n) for n in range(400)))

    state = replay(date(2026, 1, 1), phases, events)

    assert state.phase == 0
    assert state.given_in_phase == 400
    assert due_dates(state, phases, 50) == [
        date(2028, 3, 11) + timedelta(days=2 * n) for n in range(50)
    ]
    assert {phase for _, phase in upcoming(state, phases, 50)} == {0}


def test_it_completes_the_regimen_when_the_last_phase_completes():
    phases = [PhaseRule(every(1, DAY), AFTER_DOSES, 2), PhaseRule(every(1, WEEK), AFTER_DOSES, 2)]
    start = date(2026, 3, 2)
    listed = upcoming(start_state(start, phases), phases, 10)
    assert listed == [
        (date(2026, 3, 2), 0),
        (date(2026, 3, 3), 0),
        (date(2026, 3, 10), 1),
        (date(2026, 3, 17), 1),
    ]

    state = replay(start, phases, given_on(*(due for due, _ in listed)))

    assert state.complete
    assert state.phase is None
    assert state.next_due is None
    assert upcoming(state, phases, 5) == []
    assert status(state.next_due, date(2026, 3, 20)) == ("none", 0)
    assert state.phase_completions == (date(2026, 3, 3), date(2026, 3, 17))


def test_it_keeps_doses_recorded_after_the_course_ended_without_anything_becoming_due():
    phases = [PhaseRule(every(1, DAY), AFTER_DOSES, 1)]
    state = replay(date(2026, 3, 2), phases, given_on(date(2026, 3, 2)))
    assert state.complete

    state = apply(state, Event(date(2026, 3, 9)), phases)
    state = apply(state, Event(date(2026, 3, 10), ADVANCE), phases)

    assert state.complete
    assert state.next_due is None
    assert state.last_event_on == date(2026, 3, 9)


# --- rule 6: a clinician advancing an open phase ---------------------------------------------


def test_it_dues_the_next_phase_one_step_after_the_last_event_when_advanced():
    phases = template_phases(UK_NEURO)
    events = given_on(date(2026, 1, 1), date(2026, 1, 3), date(2026, 1, 5))
    state = replay(date(2026, 1, 1), phases, events)

    state = apply(state, Event(date(2026, 1, 6), ADVANCE), phases)

    assert (state.phase, state.next_due) == (1, date(2026, 3, 5))
    assert state.given_in_phase == 0
    assert state.phase_completions == (date(2026, 1, 6),)


def test_it_dues_the_next_phase_from_the_last_event_even_if_that_is_already_overdue():
    phases = template_phases(UK_NEURO)
    state = replay(date(2026, 1, 1), phases, given_on(date(2026, 1, 1)))

    state = apply(state, Event(date(2026, 4, 1), ADVANCE), phases)

    assert state.next_due == date(2026, 3, 1)
    assert status(state.next_due, date(2026, 4, 1)) == ("overdue", 31)


def test_it_dues_the_next_phase_on_the_advance_date_when_nothing_was_given_yet():
    phases = template_phases(UK_NEURO)

    state = replay(date(2026, 1, 1), phases, [Event(date(2026, 1, 10), ADVANCE)])

    assert (state.phase, state.next_due) == (1, date(2026, 1, 10))
    assert due_dates(state, phases, 3) == [date(2026, 1, 10), date(2026, 3, 10), date(2026, 5, 10)]


@pytest.mark.parametrize(
    ("advanced_on", "first"),
    [
        (date(2026, 1, 5), date(2026, 1, 6)),  # Monday -> Tuesday
        (date(2026, 1, 6), date(2026, 1, 6)),  # Tuesday itself
        (date(2026, 1, 9), date(2026, 1, 13)),  # Friday -> next Tuesday
    ],
)
def test_it_dues_a_weekday_next_phase_on_its_first_listed_weekday_from_the_advance_date(
    advanced_on, first
):
    phases = [PhaseRule(every(1, DAY)), PhaseRule(on_weekdays(TU, TH))]

    state = replay(date(2026, 1, 1), phases, [Event(advanced_on, ADVANCE)])

    assert (state.phase, state.next_due) == (1, first)


def test_it_completes_the_regimen_when_the_last_phase_is_advanced():
    phases = template_phases(PROPHYLAXIS)
    state = replay(date(2026, 1, 10), phases, given_on(date(2026, 1, 10)))

    state = apply(state, Event(date(2026, 2, 1), ADVANCE), phases)

    assert state.complete
    assert state.next_due is None
    assert upcoming(state, phases, 3) == []
    assert state.last_event_on == date(2026, 1, 10)


def test_it_advances_through_several_open_phases_in_turn():
    phases = [PhaseRule(every(1, DAY)), PhaseRule(every(1, WEEK)), PhaseRule(every(1, MONTH))]
    events = [
        Event(date(2026, 1, 1)),
        Event(date(2026, 1, 2), ADVANCE),
        Event(date(2026, 1, 8)),
        Event(date(2026, 1, 9), ADVANCE),
    ]

    state = replay(date(2026, 1, 1), phases, events)

    assert (state.phase, state.next_due) == (2, date(2026, 2, 8))


# --- rule 8: status on the patient's today ---------------------------------------------------


@pytest.mark.parametrize(
    ("due", "today", "expected"),
    [
        (date(2026, 3, 5), date(2026, 3, 2), ("upcoming", 3)),
        (date(2026, 3, 3), date(2026, 3, 2), ("upcoming", 1)),
        (date(2027, 1, 1), date(2026, 12, 31), ("upcoming", 1)),
        (date(2026, 3, 2), date(2026, 3, 2), ("due_today", 0)),
        (date(2026, 3, 1), date(2026, 3, 2), ("overdue", 1)),
        (date(2026, 2, 28), date(2026, 3, 2), ("overdue", 2)),
        (date(2025, 3, 2), date(2026, 3, 2), ("overdue", 365)),
    ],
)
def test_it_reports_upcoming_due_today_or_overdue_with_the_day_count(due, today, expected):
    assert status(due, today) == expected


# --- rule 9: upcoming injections -------------------------------------------------------------


def test_it_lists_upcoming_doses_from_the_middle_of_a_phase_across_boundaries():
    phases = template_phases(US_PRACTICE)
    events = given_on(*(date(2026, 3, day) for day in range(2, 7)))
    state = replay(date(2026, 3, 2), phases, events)

    assert upcoming(state, phases, 7) == [
        (date(2026, 3, 7), 0),
        (date(2026, 3, 8), 0),
        (date(2026, 3, 15), 1),
        (date(2026, 3, 22), 1),
        (date(2026, 3, 29), 1),
        (date(2026, 4, 5), 1),
        (date(2026, 5, 3), 2),
    ]


@pytest.mark.parametrize("count", [0, 1, 5, 12, 30])
def test_it_lists_exactly_the_requested_number_of_upcoming_doses(count):
    phases = template_phases(US_LABEL)

    assert len(upcoming(start_state(date(2026, 3, 2), phases), phases, count)) == count


def test_it_lists_fewer_upcoming_doses_when_the_regimen_ends_first():
    phases = [PhaseRule(every(1, WEEK), AFTER_DOSES, 3)]

    assert due_dates(start_state(date(2026, 3, 2), phases), phases, 10) == [
        date(2026, 3, 2),
        date(2026, 3, 9),
        date(2026, 3, 16),
    ]


# --- daylight-saving weeks -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "first_sunday"),
    [
        ("Europe/London", date(2026, 3, 22)),  # BST begins Sunday 29 March
        ("Europe/London", date(2026, 10, 18)),  # BST ends Sunday 25 October
        ("America/New_York", date(2026, 3, 1)),  # EDT begins Sunday 8 March
        ("America/New_York", date(2026, 10, 25)),  # EDT ends Sunday 1 November
    ],
)
def test_it_keeps_weekly_doses_at_local_0800_on_the_same_weekday_across_dst(zone, first_sunday):
    tz = ZoneInfo(zone)
    phases = [PhaseRule(every(1, WEEK))]
    state = start_state(first_sunday, phases)
    local_dates, utc_hours = [], set()

    for _ in range(4):
        due = state.next_due
        moment = datetime(due.year, due.month, due.day, 8, 0, tzinfo=tz).astimezone(UTC)
        utc_hours.add(moment.hour)
        on = local_date(moment, zone)
        local_dates.append(on)
        state = apply(state, Event(on), phases)

    assert local_dates == [first_sunday + timedelta(weeks=n) for n in range(4)]
    assert {d.weekday() for d in local_dates} == {SU}
    assert len(utc_hours) == 2  # the weeks really straddle a change of UTC offset
    assert state.next_due == first_sunday + timedelta(weeks=4)


@pytest.mark.parametrize(
    ("zone", "start"),
    [("Europe/London", date(2026, 3, 23)), ("America/New_York", date(2026, 10, 26))],
)
def test_it_keeps_a_three_times_weekly_schedule_on_its_weekdays_across_dst(zone, start):
    tz = ZoneInfo(zone)
    phases = [PhaseRule(on_weekdays(MO, WE, FR), AFTER_DOSES, 6), PhaseRule(every(1, WEEK))]
    state = start_state(start, phases)
    given_days = []

    for _ in range(6):
        due = state.next_due
        moment = datetime(due.year, due.month, due.day, 8, 0, tzinfo=tz).astimezone(UTC)
        given_days.append(local_date(moment, tz))
        state = apply(state, Event(given_days[-1]), phases)

    assert [d.weekday() for d in given_days] == [MO, WE, FR, MO, WE, FR]
    assert given_days[0] == start
    assert given_days[-1] == start + timedelta(days=11)
    assert (state.phase, state.next_due) == (1, start + timedelta(days=18))


def test_it_dates_late_evening_doses_in_new_york_on_the_local_day_around_the_autumn_change():
    zone = "America/New_York"
    saturday = datetime(2026, 10, 31, 23, 30, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    sunday = datetime(2026, 11, 1, 23, 30, tzinfo=ZoneInfo(zone)).astimezone(UTC)

    assert (saturday.date(), saturday.hour) == (date(2026, 11, 1), 3)
    assert (sunday.date(), sunday.hour) == (date(2026, 11, 2), 4)
    assert local_date(saturday, zone) == date(2026, 10, 31)
    assert local_date(sunday, zone) == date(2026, 11, 1)


def test_it_dates_both_repeated_hours_of_the_autumn_change_on_the_same_local_day():
    tz = ZoneInfo("America/New_York")
    first = datetime(2026, 11, 1, 1, 30, tzinfo=tz, fold=0).astimezone(UTC)
    second = datetime(2026, 11, 1, 1, 30, tzinfo=tz, fold=1).astimezone(UTC)

    assert second - first == timedelta(hours=1)
    assert local_date(first, tz) == local_date(second, tz) == date(2026, 11, 1)


def test_it_dates_an_after_midnight_london_summer_dose_on_the_local_day():
    moment = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # before the 01:00 UTC change: GMT
    summer = datetime(2026, 3, 30, 0, 30, tzinfo=ZoneInfo("Europe/London")).astimezone(UTC)

    assert local_date(moment, "Europe/London") == date(2026, 3, 29)
    assert summer.date() == date(2026, 3, 29)
    assert local_date(summer, "Europe/London") == date(2026, 3, 30)


# --- weekday codes and constructor validation ------------------------------------------------


def test_it_parses_weekday_codes_into_sorted_weekday_numbers():
    assert parse_weekdays("MO,WE,FR") == (MO, WE, FR)
    assert parse_weekdays("fr, mo ,MO,") == (MO, FR)
    assert parse_weekdays("SU") == (SU,)


def test_it_writes_weekday_numbers_as_codes_in_week_order():
    assert weekday_codes((FR, MO, WE)) == "MO,WE,FR"
    assert weekday_codes(range(7)) == ",".join(WEEKDAY_CODES)


@given(st.sets(st.integers(0, 6), min_size=1))
def test_it_round_trips_weekday_codes(days):
    codes = weekday_codes(days)

    assert parse_weekdays(codes) == tuple(sorted(days))
    assert weekday_codes(parse_weekdays(codes)) == codes


@pytest.mark.parametrize("text", ["MO,XX", "Monday", "M", "MO;WE", "1,3"])
def test_it_rejects_unknown_weekday_codes(text):
    with pytest.raises(ValueError, match="MO, TU, WE, TH, FR, SA, SU"):
        parse_weekdays(text)


def test_it_normalises_the_weekdays_of_a_schedule():
    assert on_weekdays(FR, MO, FR, WE).days == (MO, WE, FR)
    assert Schedule(WEEKDAYS, days=[WE, MO]) == on_weekdays(MO, WE)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: Schedule(DAY, every=0), id="every-0-days"),
        pytest.param(lambda: Schedule(WEEK, every=0), id="every-0-weeks"),
        pytest.param(lambda: Schedule(MONTH, every=-1), id="every-minus-1-months"),
        pytest.param(lambda: Schedule(WEEKDAYS), id="no-weekdays"),
        pytest.param(lambda: Schedule(WEEKDAYS, days=()), id="empty-weekdays"),
        pytest.param(lambda: Schedule(WEEKDAYS, days=(7,)), id="weekday-7"),
        pytest.param(lambda: Schedule(WEEKDAYS, days=(-1, MO)), id="weekday-minus-1"),
        pytest.param(lambda: Schedule("year"), id="unknown-unit"),
    ],
)
def test_it_rejects_an_invalid_schedule(make):
    with pytest.raises(ValueError):
        make()


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: PhaseRule(every(1, DAY), AFTER_DOSES), id="after-doses-no-count"),
        pytest.param(lambda: PhaseRule(every(1, DAY), AFTER_DOSES, 0), id="after-doses-0"),
        pytest.param(lambda: PhaseRule(every(1, DAY), AFTER_DAYS), id="after-days-no-count"),
        pytest.param(lambda: PhaseRule(every(1, DAY), AFTER_DAYS, -7), id="after-days-negative"),
        pytest.param(lambda: PhaseRule(every(1, DAY), "forever"), id="unknown-end"),
    ],
)
def test_it_rejects_an_invalid_end_rule(make):
    with pytest.raises(ValueError):
        make()


def test_it_defaults_a_phase_to_open_and_an_event_to_given():
    assert PhaseRule(every(1, MONTH)).end == OPEN
    assert Event(date(2026, 1, 1)).kind == GIVEN


def test_it_reads_every_reference_template():
    for template in reference_regimens()["templates"]:
        phases = template_phases(template["name"])
        assert len(phases) == len(template["phases"])
        assert len(upcoming(start_state(date(2026, 1, 1), phases), phases, 30)) == 30


# --- properties ------------------------------------------------------------------------------

PROPERTY = settings(max_examples=200, deadline=None)

every_n_schedules = st.builds(
    Schedule,
    unit=st.sampled_from([DAY, WEEK, MONTH]),
    every=st.integers(1, 12),
)
weekday_schedules = st.builds(
    lambda days: Schedule(WEEKDAYS, days=tuple(days)),
    st.sets(st.integers(0, 6), min_size=1),
)
schedules = st.one_of(every_n_schedules, weekday_schedules)
end_rules = st.one_of(
    st.just((OPEN, None)),
    st.tuples(st.just(AFTER_DOSES), st.integers(1, 8)),
    st.tuples(st.just(AFTER_DAYS), st.integers(1, 90)),
)
phase_rules = st.builds(lambda schedule, end: PhaseRule(schedule, *end), schedules, end_rules)
phase_lists = st.lists(phase_rules, min_size=1, max_size=4)
start_dates = st.dates(date(2000, 1, 1), date(2100, 12, 31))
# What happens next: a given dose, a skipped one or (on an open phase) an advance, on a day
# offset from the due date; never before the previous event, as callers replay in time order.
moves = st.lists(
    st.tuples(st.sampled_from([GIVEN, GIVEN, GIVEN, SKIPPED, ADVANCE]), st.integers(-7, 14)),
    max_size=25,
)


def play(start: date, phases, plan) -> tuple[list[Event], list[State]]:
    """Turn a plan of moves into time-ordered events, and the state before and after each."""
    state = start_state(start, phases)
    events, states = [], [state]
    floor = None
    for kind, offset in plan:
        if state.complete:
            break
        if kind == ADVANCE and phases[state.phase].end != OPEN:
            kind = GIVEN
        on = state.next_due + timedelta(days=offset)
        if floor is not None and on < floor:
            on = floor
        floor = on
        event = Event(on, kind)
        state = apply(state, event, phases)
        events.append(event)
        states.append(state)
    return events, states


@PROPERTY
@given(phase_lists, start_dates, moves, st.integers(1, 40))
def test_it_always_lists_upcoming_dates_in_strictly_increasing_order(phases, start, plan, count):
    events, _ = play(start, phases, plan)
    dates = due_dates(replay(start, phases, events), phases, count)

    assert all(earlier < later for earlier, later in zip(dates, dates[1:], strict=False))


@PROPERTY
@given(phase_lists, start_dates, moves, st.integers(2, 30))
def test_it_never_changes_later_dates_when_the_due_dose_is_given_on_its_due_date(
    phases, start, plan, count
):
    events, _ = play(start, phases, plan)
    before = upcoming(replay(start, phases, events), phases, count)
    if not before:
        return
    due, _ = before[0]

    after = upcoming(replay(start, phases, [*events, Event(due)]), phases, count - 1)

    assert after == before[1:]


@PROPERTY
@given(phase_lists, start_dates, moves)
def test_it_replays_deterministically_as_a_fold_of_apply(phases, start, plan):
    events, states = play(start, phases, plan)

    folded = functools.reduce(
        lambda state, event: apply(state, event, phases), events, start_state(start, phases)
    )

    assert replay(start, phases, events) == replay(start, phases, list(events)) == folded
    assert folded == states[-1]


@PROPERTY
@given(phase_lists, start_dates, moves)
def test_it_always_dues_the_next_dose_strictly_after_the_last_event(phases, start, plan):
    _, states = play(start, phases, plan)

    for state in states:
        if not state.complete and state.last_event_on is not None:
            assert state.next_due > state.last_event_on


@PROPERTY
@given(phase_lists, start_dates, moves)
def test_it_never_completes_an_after_doses_phase_on_a_skipped_dose(phases, start, plan):
    events, states = play(start, phases, plan)

    for before, event, after in zip(states[:-1], events, states[1:], strict=True):
        if event.kind == SKIPPED and phases[before.phase].end == AFTER_DOSES:
            assert after.phase == before.phase
            assert after.given_in_phase == before.given_in_phase


@PROPERTY
@given(phase_lists, start_dates, moves)
def test_it_completes_an_after_doses_phase_exactly_on_its_nth_given_dose(phases, start, plan):
    events, states = play(start, phases, plan)

    for before, event, after in zip(states[:-1], events, states[1:], strict=True):
        phase = phases[before.phase]
        if event.kind == GIVEN and phase.end == AFTER_DOSES:
            completes = before.given_in_phase + 1 == phase.end_value
            assert (after.phase != before.phase) == completes


@PROPERTY
@given(phase_lists, start_dates, moves)
def test_it_leaves_an_open_phase_only_when_a_clinician_advances_it(phases, start, plan):
    events, states = play(start, phases, plan)

    for before, event, after in zip(states[:-1], events, states[1:], strict=True):
        if phases[before.phase].end == OPEN:
            assert (after.phase != before.phase) == (event.kind == ADVANCE)


@PROPERTY
@given(phase_lists, start_dates, moves)
def test_it_completes_an_after_days_phase_exactly_when_the_next_step_reaches_the_window_end(
    phases, start, plan
):
    events, states = play(start, phases, plan)

    for before, event, after in zip(states[:-1], events, states[1:], strict=True):
        phase = phases[before.phase]
        if phase.end == AFTER_DAYS:
            first = before.phase_first_event_on or event.on
            window_end = first + timedelta(days=phase.end_value)
            completes = step(event.on, phase.schedule) >= window_end
            assert (after.phase != before.phase) == completes


@PROPERTY
@given(phase_lists, start_dates, moves)
def test_it_dues_a_new_phase_one_step_of_its_own_schedule_after_the_completing_event(
    phases, start, plan
):
    events, states = play(start, phases, plan)

    for before, event, after in zip(states[:-1], events, states[1:], strict=True):
        if event.kind != ADVANCE and after.phase != before.phase and not after.complete:
            assert after.next_due == step(event.on, phases[after.phase].schedule)


fixed_length_phases = st.lists(
    st.builds(
        lambda schedule, end: PhaseRule(schedule, *end),
        st.builds(Schedule, unit=st.sampled_from([DAY, WEEK]), every=st.integers(1, 8)),
        st.one_of(st.just((OPEN, None)), st.tuples(st.just(AFTER_DOSES), st.integers(1, 8))),
    ),
    min_size=1,
    max_size=4,
)


@PROPERTY
@given(fixed_length_phases, start_dates, moves, st.integers(-10, 10), st.integers(1, 20))
def test_it_shifts_every_later_date_by_exactly_how_late_or_early_a_dose_was(
    phases, start, plan, shift, count
):
    events, _ = play(start, phases, [move for move in plan if move[0] != ADVANCE])
    state = replay(start, phases, events)
    if state.complete:
        return
    due = state.next_due
    if state.last_event_on is not None:
        shift = max(shift, (state.last_event_on - due).days)

    on_time = upcoming(apply(state, Event(due), phases), phases, count)
    moved = upcoming(apply(state, Event(due + timedelta(days=shift)), phases), phases, count)

    assert moved == [(day + timedelta(days=shift), phase) for day, phase in on_time]


step_dates = st.dates(date(1900, 1, 1), date(2200, 12, 31))


@PROPERTY
@given(step_dates, st.sampled_from([DAY, WEEK]), st.integers(1, 60))
def test_it_steps_days_and_weeks_by_exactly_n_or_7n_days(day, unit, n):
    assert (step(day, every(n, unit)) - day).days == (n if unit == DAY else 7 * n)


@PROPERTY
@given(step_dates, st.integers(1, 60))
def test_it_steps_months_forward_by_at_most_31_days_a_month(day, n):
    after = step(day, every(n, MONTH))

    assert 0 < (after - day).days <= 31 * n
    assert (after.year * 12 + after.month) - (day.year * 12 + day.month) == n
    assert after.day == day.day or (after.day < day.day and (after + timedelta(days=1)).day == 1)


@PROPERTY
@given(step_dates, st.sets(st.integers(0, 6), min_size=1))
def test_it_steps_weekdays_to_the_first_listed_weekday_within_a_week(day, days):
    after = step(day, on_weekdays(*days))

    assert 1 <= (after - day).days <= 7
    assert after.weekday() in days
    skipped_over = [day + timedelta(days=n) for n in range(1, (after - day).days)]
    assert all(d.weekday() not in days for d in skipped_over)


@PROPERTY
@given(step_dates, st.sets(st.integers(0, 6), min_size=1))
def test_it_finds_the_first_weekday_dose_on_or_within_six_days_after_the_start(start, days):
    first = first_due(start, on_weekdays(*days))

    assert 0 <= (first - start).days <= 6
    assert first.weekday() in days
    assert all(
        (start + timedelta(days=n)).weekday() not in days for n in range((first - start).days)
    )
