"""Adherence (regimens/adherence.py) on synthetic events whose answers are worked out by hand.

Pure functions over dates: no database. The definitions are the ones shown on the patient
record: on time within 10% of the prescribed interval (rounded to whole days) of the due date;
one missed dose per whole interval that passed after a due date with nothing recorded, including
the current overdue stretch up to today; the mean actual interval per phase; the longest gap
between two consecutive given doses.
"""

from datetime import date, timedelta

import pytest

from regimens.adherence import PhaseAdherence, adherence, tolerance_days
from regimens.schedule import (
    ADVANCE,
    AFTER_DOSES,
    DAY,
    GIVEN,
    OPEN,
    SKIPPED,
    WEEK,
    Event,
    PhaseRule,
    Schedule,
)

START = date(2026, 1, 5)  # a Monday

DAILY = PhaseRule(Schedule(DAY, 1))
WEEKLY = PhaseRule(Schedule(WEEK, 1))
FOUR_WEEKLY = PhaseRule(Schedule(WEEK, 4))


def day(offset: int) -> date:
    return START + timedelta(days=offset)


def events(*items) -> list[Event]:
    """Events from day offsets: a plain int is a given dose, ("skip", n) a skip on day n,
    ("advance", n) a clinician advancing the phase on day n."""
    result = []
    for item in items:
        if isinstance(item, int):
            result.append(Event(day(item), GIVEN))
        else:
            kind, offset = item
            result.append(Event(day(offset), {"skip": SKIPPED, "advance": ADVANCE}[kind]))
    return result


def counts(result) -> dict:
    return {
        "given": result.given,
        "on_time": result.on_time,
        "early": result.early,
        "late": result.late,
        "skipped": result.skipped,
        "missed": result.missed,
    }


# --- on time, early, late --------------------------------------------------------------------


def test_every_dose_on_its_due_date_is_on_time():
    result = adherence(START, [WEEKLY], events(0, 7, 14, 21), today=day(21))

    assert counts(result) == {
        "given": 4,
        "on_time": 4,
        "early": 0,
        "late": 0,
        "skipped": 0,
        "missed": 0,
    }
    assert result.on_time_rate == 1.0
    assert result.longest_gap_days == 7
    assert result.phases == [PhaseAdherence(0, 7.0, 7.0, 4)]


@pytest.mark.parametrize(
    ("phase", "offset", "verdict"),
    [
        pytest.param(WEEKLY, +1, "on_time", id="weekly 1 day late"),
        pytest.param(WEEKLY, -1, "on_time", id="weekly 1 day early"),
        pytest.param(WEEKLY, +2, "late", id="weekly 2 days late"),
        pytest.param(WEEKLY, -2, "early", id="weekly 2 days early"),
        pytest.param(DAILY, +1, "late", id="daily 1 day late"),
        pytest.param(FOUR_WEEKLY, -3, "on_time", id="4-weekly 3 days early"),
        pytest.param(FOUR_WEEKLY, +3, "on_time", id="4-weekly 3 days late"),
        pytest.param(FOUR_WEEKLY, -4, "early", id="4-weekly 4 days early"),
        pytest.param(FOUR_WEEKLY, +4, "late", id="4-weekly 4 days late"),
    ],
)
def test_the_second_dose_is_judged_against_its_due_date(phase, offset, verdict):
    interval = int(phase.schedule.every * (7 if phase.schedule.unit == WEEK else 1))
    second = interval + offset  # the first dose is on the start date, on time

    result = adherence(START, [phase], events(0, second), today=day(second))

    expected = {"on_time": 1, "early": 0, "late": 0}
    expected[verdict] += 1
    assert {k: counts(result)[k] for k in expected} == expected
    assert result.given == 2


def test_a_daily_dose_one_day_late_also_counts_the_day_that_passed_as_missed():
    # Due on day 1, given on day 2: one whole daily interval passed with nothing recorded.
    result = adherence(START, [DAILY], events(0, 2), today=day(2))

    assert (result.late, result.missed) == (1, 1)


# --- skipped and missed ----------------------------------------------------------------------


def test_a_skip_is_counted_as_skipped_not_as_given():
    result = adherence(START, [WEEKLY], events(0, ("skip", 7), 14), today=day(14))

    assert counts(result) == {
        "given": 2,
        "on_time": 2,
        "early": 0,
        "late": 0,
        "skipped": 1,
        "missed": 0,
    }
    assert result.on_time_rate == 1.0
    # The gap between the two given doses spans the skip.
    assert result.longest_gap_days == 14
    assert result.phases == [PhaseAdherence(0, 7.0, 14.0, 2)]


def test_a_weekly_dose_14_days_late_counts_2_missed():
    # Due on day 7, given on day 21; the next is due on day 28, after today.
    result = adherence(START, [WEEKLY], events(0, 21), today=day(25))

    assert (result.given, result.late, result.missed) == (2, 1, 2)
    assert result.longest_gap_days == 21


def test_a_late_skip_counts_the_intervals_that_passed_before_it():
    result = adherence(START, [WEEKLY], events(0, ("skip", 15)), today=day(15))

    assert (result.given, result.skipped, result.missed) == (1, 1, 1)


@pytest.mark.parametrize(
    ("today", "missed"),
    [
        pytest.param(6, 0, id="not yet due"),
        pytest.param(7, 0, id="due today"),
        pytest.param(13, 0, id="6 days overdue"),
        pytest.param(14, 1, id="7 days overdue"),
        pytest.param(22, 2, id="15 days overdue"),
    ],
)
def test_the_current_overdue_stretch_counts_whole_intervals_up_to_today(today, missed):
    result = adherence(START, [WEEKLY], events(0), today=day(today))

    assert (result.given, result.on_time, result.missed) == (1, 1, missed)


def test_with_nothing_recorded_the_intervals_since_the_start_are_missed():
    result = adherence(START, [WEEKLY], [], today=day(21))

    assert counts(result) == {
        "given": 0,
        "on_time": 0,
        "early": 0,
        "late": 0,
        "skipped": 0,
        "missed": 3,
    }
    assert result.on_time_rate is None
    assert result.longest_gap_days is None
    assert result.phases == []


def test_a_late_dose_and_the_overdue_stretch_after_it_add_up():
    # Due day 7, given day 21 (2 missed); then due day 28, and today is day 42 (2 more).
    result = adherence(START, [WEEKLY], events(0, 21), today=day(42))

    assert result.missed == 4


# --- intervals per phase and the longest gap -------------------------------------------------


def test_the_mean_actual_interval_is_given_per_phase():
    phases = [PhaseRule(Schedule(DAY, 1), AFTER_DOSES, 3), PhaseRule(Schedule(WEEK, 1), OPEN)]
    # Daily phase: days 0, 1, 3 (gaps 1 and 2: mean 1.5; day 3 was due day 2, 1 day late).
    # Weekly phase: first due day 10; given days 10, 18, 25 (gaps 8 and 7: mean 7.5; day 18
    # was due day 17, 1 day late: on time for a weekly dose).
    result = adherence(START, phases, events(0, 1, 3, 10, 18, 25), today=day(30))

    assert result.phases == [
        PhaseAdherence(0, 1.0, 1.5, 3),
        PhaseAdherence(1, 7.0, 7.5, 3),
    ]
    assert counts(result) == {
        "given": 6,
        "on_time": 5,
        "early": 0,
        "late": 1,
        "skipped": 0,
        "missed": 1,
    }
    assert result.longest_gap_days == 8


def test_a_phase_with_one_given_dose_has_no_actual_interval():
    phases = [PhaseRule(Schedule(DAY, 1), AFTER_DOSES, 2), PhaseRule(Schedule(WEEK, 4), OPEN)]

    result = adherence(START, phases, events(0, 1, 29), today=day(30))

    assert result.phases == [
        PhaseAdherence(0, 1.0, 1.0, 2),
        PhaseAdherence(1, 28.0, None, 1),
    ]
    # Between phases counts for the longest gap, though not for either phase's mean.
    assert result.longest_gap_days == 28


def test_the_longest_gap_is_the_most_days_between_two_given_doses():
    result = adherence(START, [WEEKLY], events(0, 7, 19, 26, 30), today=day(30))

    assert result.longest_gap_days == 12


def test_a_clinician_advancing_a_phase_is_not_a_dose():
    phases = [PhaseRule(Schedule(DAY, 2), OPEN), PhaseRule(Schedule(WEEK, 4), OPEN)]
    # Alternate days 0, 2, 4; advanced on day 5: maintenance due day 4 + 28 = day 32.
    result = adherence(START, phases, events(0, 2, 4, ("advance", 5), 32), today=day(40))

    assert counts(result) == {
        "given": 4,
        "on_time": 4,
        "early": 0,
        "late": 0,
        "skipped": 0,
        "missed": 0,
    }
    assert result.phases == [PhaseAdherence(0, 2.0, 2.0, 3), PhaseAdherence(1, 28.0, None, 1)]


# --- the tolerance ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("interval", "days"),
    [
        pytest.param(1, 0, id="daily"),
        pytest.param(2, 0, id="alternate days"),
        pytest.param(7, 1, id="weekly"),
        pytest.param(28, 3, id="every 4 weeks"),
        pytest.param(30.44, 3, id="monthly"),
        pytest.param(30.44 * 3, 9, id="every 3 months"),
    ],
)
def test_the_on_time_window_is_a_tenth_of_the_interval_in_whole_days(interval, days):
    assert tolerance_days(interval) == days


# --- a range of days (the report's) ----------------------------------------------------------


def test_a_range_counts_only_the_doses_and_skips_on_its_days():
    # Weekly from day 0: on time 0 and 7, a skip on 14, late on 23 (due 21, window ±1).
    history = events(0, 7, ("skip", 14), 23)

    result = adherence(START, [WEEKLY], history, today=day(23), first=day(10), last=day(30))

    assert counts(result) == {
        "given": 1,
        "on_time": 0,
        "early": 0,
        "late": 1,
        "skipped": 1,
        "missed": 0,
    }


def test_a_range_counts_the_missed_doses_due_on_its_days():
    # Weekly, given on day 0 and then on day 28: the doses due on days 7, 14 and 21 are missed.
    history = events(0, 28)

    assert adherence(START, [WEEKLY], history, day(28), first=day(0), last=day(6)).missed == 0
    assert adherence(START, [WEEKLY], history, day(28), first=day(7), last=day(14)).missed == 2
    assert adherence(START, [WEEKLY], history, day(28), first=day(15), last=day(28)).missed == 1


def test_a_range_counts_the_current_overdue_stretch_by_due_date():
    # Weekly, last given on day 0, today day 30: due 7, 14, 21 missed (28 not yet a whole
    # interval ago).
    history = events(0)

    assert adherence(START, [WEEKLY], history, day(30)).missed == 3
    assert adherence(START, [WEEKLY], history, day(30), first=day(10), last=day(25)).missed == 2
    assert adherence(START, [WEEKLY], history, day(30), first=day(26)).missed == 0


def test_the_gap_into_a_range_counts_from_the_dose_before_it():
    result = adherence(START, [WEEKLY], events(0, 7, 20), today=day(20), first=day(15))

    assert result.given == 1
    assert result.longest_gap_days == 13
    assert result.phases == [PhaseAdherence(0, 7.0, 13.0, 1)]


@pytest.mark.parametrize("split", [1, 6, 7, 8, 13, 20, 29])
def test_two_ranges_that_split_a_history_add_up_to_the_whole(split):
    history = events(0, 7, ("skip", 14), 23, 40, 41)
    whole = adherence(START, [WEEKLY], history, today=day(60))

    before = adherence(START, [WEEKLY], history, day(60), last=day(split - 1))
    after = adherence(START, [WEEKLY], history, day(60), first=day(split))

    for name, value in counts(whole).items():
        assert counts(before)[name] + counts(after)[name] == value, name
