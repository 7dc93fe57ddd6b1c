"""Dates in words relative to the reader's today (doses/when.py and its template filters):
"due today", "due tomorrow", "in 3 days", "2 days late", "yesterday", "5 days ago", "in 2
weeks". The words are judged on the person's own calendar day, which is not UTC's: a patient
in Auckland is a day ahead of UTC every morning, one in Los Angeles a day behind every evening.
"""

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from doses import when
from tests import factories
from tests.clock import frozen
from tests.pages import by_testid

AUCKLAND = ZoneInfo("Pacific/Auckland")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
UTC = ZoneInfo("UTC")
TODAY = date(2026, 5, 10)


def render(source: str, **context) -> str:
    return Template("{% load friendly_time %}" + source).render(Context(context))


def read(response) -> SimpleNamespace:
    """The text of each element with a data-testid, by testid."""
    return SimpleNamespace(testids=by_testid(response))


def after(days: int) -> date:
    return TODAY + timedelta(days=days)


# --- a due date in words (schedule rule 8) ---------------------------------------------------


@pytest.mark.parametrize(
    ("due", "words"),
    [
        pytest.param(after(0), "due today", id="today"),
        pytest.param(after(1), "due tomorrow", id="tomorrow"),
        pytest.param(after(2), "in 2 days", id="in 2 days"),
        pytest.param(after(13), "in 13 days", id="13 days: still days"),
        pytest.param(after(14), "in 2 weeks", id="14 days: weeks"),
        pytest.param(after(17), "in 2 weeks", id="17 days: nearest week down"),
        pytest.param(after(18), "in 3 weeks", id="18 days: nearest week up"),
        pytest.param(after(59), "in 8 weeks", id="59 days: still weeks"),
        pytest.param(date(2026, 7, 9), "in 2 months", id="60 days: months"),
        pytest.param(date(2026, 8, 10), "in 3 months", id="3 calendar months"),
        pytest.param(date(2027, 5, 10), "in 1 year", id="a year"),
        pytest.param(date(2028, 11, 10), "in 3 years", id="30 months: nearest year"),
        pytest.param(after(-1), "1 day late", id="1 day late"),
        pytest.param(after(-2), "2 days late", id="2 days late"),
        pytest.param(after(-40), "40 days late", id="late always counts days"),
        pytest.param(None, "nothing due", id="nothing due"),
    ],
)
def test_a_due_date_reads_relative_to_today(due, words):
    assert when.due_phrase(due, TODAY) == words


@pytest.mark.parametrize(
    ("day", "words"),
    [
        pytest.param(after(0), "today", id="today"),
        pytest.param(after(-1), "yesterday", id="yesterday"),
        pytest.param(after(1), "tomorrow", id="tomorrow"),
        pytest.param(after(-5), "5 days ago", id="5 days ago"),
        pytest.param(after(-14), "2 weeks ago", id="2 weeks ago"),
        pytest.param(after(-7 * 8), "8 weeks ago", id="8 weeks ago"),
        pytest.param(date(2026, 2, 10), "3 months ago", id="3 months ago"),
        pytest.param(date(2025, 5, 10), "1 year ago", id="1 year ago"),
        pytest.param(after(3), "in 3 days", id="in 3 days"),
        pytest.param(after(21), "in 3 weeks", id="in 3 weeks"),
    ],
)
def test_an_event_date_reads_relative_to_today(day, words):
    assert when.relative_day(day, TODAY) == words


@pytest.mark.parametrize(
    ("day", "today", "due", "relative"),
    [
        pytest.param(date(2026, 1, 31), date(2026, 2, 1), "1 day late", "yesterday", id="month"),
        pytest.param(date(2026, 3, 1), date(2026, 2, 28), "due tomorrow", "tomorrow", id="Feb"),
        pytest.param(date(2027, 1, 1), date(2026, 12, 31), "due tomorrow", "tomorrow", id="year"),
        pytest.param(date(2026, 12, 30), date(2027, 1, 2), "3 days late", "3 days ago", id="Dec"),
        pytest.param(date(2028, 3, 1), date(2028, 2, 28), "in 2 days", "in 2 days", id="leap"),
        pytest.param(date(2028, 2, 29), date(2028, 2, 28), "due tomorrow", "tomorrow", id="29th"),
        pytest.param(date(2028, 2, 28), date(2028, 3, 1), "2 days late", "2 days ago", id="leap-"),
    ],
)
def test_calendar_boundaries_count_real_days(day, today, due, relative):
    assert when.due_phrase(day, today) == due
    assert when.relative_day(day, today) == relative


@pytest.mark.parametrize(
    ("earlier", "later", "months"),
    [
        pytest.param(date(2026, 1, 31), date(2026, 2, 28), 1, id="31 Jan to the end of February"),
        pytest.param(date(2028, 2, 29), date(2029, 2, 28), 12, id="leap day to a year later"),
        pytest.param(date(2028, 2, 29), date(2028, 3, 29), 1, id="leap day to a month later"),
        pytest.param(date(2026, 3, 2), date(2026, 4, 16), 1, id="1 month and 14 days"),
        pytest.param(date(2026, 3, 2), date(2026, 4, 18), 2, id="1 month and 16 days"),
        pytest.param(date(2026, 11, 15), date(2027, 2, 15), 3, id="across a new year"),
    ],
)
def test_months_are_calendar_months_rounded_to_the_nearest(earlier, later, months):
    assert when.months_apart(earlier, later) == months


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2026, 3, 2), "today"),
        (date(2026, 3, 3), "tomorrow"),
        (date(2026, 3, 11), "in 9 days"),
        (date(2026, 4, 20), "in 49 days"),  # an email counts in days, never weeks
    ],
)
def test_an_email_counts_the_days_to_come(day, words):
    assert when.in_days(day, date(2026, 3, 2)) == words


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (("upcoming", 1), "tomorrow"),
        (("upcoming", 20), "in 20 days"),
        (("due_today", 0), "due today"),
        (("overdue", 1), "1 day late"),
        (("overdue", 30), "30 days late"),
        (("none", 0), "nothing due"),
    ],
)
def test_a_status_badge_says_rule_8_in_days(status, words):
    assert when.status_phrase(status) == words


def test_a_leap_day_a_year_on_reads_as_a_year():
    assert when.relative_day(date(2028, 2, 29), date(2029, 2, 28)) == "1 year ago"
    assert when.due_phrase(date(2029, 2, 28), date(2028, 2, 29)) == "in 1 year"


# --- the filters: whose today ----------------------------------------------------------------


def test_an_auckland_morning_is_a_day_ahead_of_utc():
    # 20:00 UTC on 9 May is 08:00 on 10 May in Auckland.
    with frozen(date(2026, 5, 9), 20, zone=UTC):
        ahead = render("{{ due|due_in:'Pacific/Auckland' }}", due=TODAY)
        in_utc = render("{{ due|due_in:'UTC' }}", due=TODAY)
        with timezone.override(AUCKLAND):
            active = render("{{ due|due_in }}", due=TODAY)

    assert (ahead, in_utc, active) == ("due today", "due tomorrow", "due today")


def test_a_los_angeles_evening_is_a_day_behind_utc():
    # 05:30 UTC on 11 May is 22:30 on 10 May in Los Angeles.
    with frozen(date(2026, 5, 11), 5, 30, zone=UTC):
        behind = render("{{ due|due_in:'America/Los_Angeles' }}", due=TODAY)
        in_utc = render("{{ due|due_in:'UTC' }}", due=TODAY)

    assert (behind, in_utc) == ("due today", "1 day late")


def test_a_datetime_is_dated_in_the_same_zone_as_today():
    """23:30 on 9 May in Los Angeles is 06:30 on 10 May in UTC: the next morning in Los
    Angeles it was yesterday, while in UTC it is still today."""
    dose_at = datetime(2026, 5, 9, 23, 30, tzinfo=LOS_ANGELES)
    with frozen(TODAY, 8, zone=LOS_ANGELES):
        there = render("{{ at|relative:'America/Los_Angeles' }}", at=dose_at)
        in_utc = render("{{ at|relative:'UTC' }}", at=dose_at)
        with timezone.override(LOS_ANGELES):
            active = render("{{ at|relative }}", at=dose_at)

    assert (there, in_utc, active) == ("yesterday", "today", "yesterday")


def test_a_given_today_wins_over_the_clock():
    with frozen(date(2030, 1, 1), 12, zone=UTC):
        shown = render(
            "{{ due|due_in:today }} / {{ day|relative:today }}",
            due=after(3),
            day=TODAY,
            today=TODAY,
        )

    assert shown == "in 3 days / today"


def test_nothing_to_date_shows_nothing():
    assert render("[{{ day|relative }}][{{ days|days_ago }}]", day=None, days=None) == "[][]"


def test_days_ago_reads_a_count_of_days():
    with frozen(TODAY, 12, zone=UTC):
        shown = render("{{ 0|days_ago }}, {{ 1|days_ago }}, {{ 3|days_ago }}")

    assert shown == "today, yesterday, 3 days ago"


# --- on the pages ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_home_of_a_patient_in_auckland_counts_from_their_day(patient, patient_client):
    patient.time_zone = "Pacific/Auckland"
    patient.save()
    regimen = factories.regimen_for(patient, date(2026, 5, 3))

    # 21:00 UTC on 4 May is 09:00 on 5 May in Auckland: the next dose is due today there.
    with frozen(date(2026, 5, 4), 21, zone=UTC):
        factories.give(regimen, date(2026, 5, 3), 9)  # daily: the next is due on 4 May
        factories.give(regimen, date(2026, 5, 4), 9)  # due 5 May
        home = read(patient_client.get(reverse("home")))

    assert home.testids["next-due"] == ["Tuesday 5 May 2026"]
    assert home.testids["next-status"] == ["due today"]
    assert home.testids["last-dose"][0].startswith("Mon 4 May 2026, 09:00 (yesterday)")


@pytest.mark.django_db
def test_the_home_of_a_patient_in_los_angeles_counts_from_their_day(patient, patient_client):
    patient.time_zone = "America/Los_Angeles"
    patient.save()
    regimen = factories.regimen_for(patient, date(2026, 5, 3))

    # 05:00 UTC on 4 May is 22:00 on 3 May in Los Angeles: the next dose is due tomorrow there.
    with frozen(date(2026, 5, 4), 5, zone=UTC):
        factories.give(regimen, date(2026, 5, 3), 21)  # 04:00 on 4 May in UTC; due 4 May
        home = read(patient_client.get(reverse("home")))

    assert home.testids["next-due"] == ["Monday 4 May 2026"]
    assert home.testids["next-status"] == ["due tomorrow"]
    assert home.testids["last-dose"][0].startswith("Sun 3 May 2026, 21:00 (today)")


@pytest.mark.django_db
def test_the_cached_home_turns_its_words_at_the_patients_midnight(patient, patient_client):
    """The home is cached per local hour: nothing changes in the record overnight, yet the
    words do."""
    patient.time_zone = "America/Los_Angeles"
    patient.save()
    factories.regimen_for(patient, date(2026, 5, 11))

    with frozen(TODAY, 23, 30, zone=LOS_ANGELES):
        evening = read(patient_client.get(reverse("home")))
        evening_again = read(patient_client.get(reverse("home")))
    with frozen(after(1), 0, 30, zone=LOS_ANGELES):
        morning = read(patient_client.get(reverse("home")))

    assert evening.testids["next-status"] == evening_again.testids["next-status"]
    assert evening.testids["next-status"] == ["due tomorrow"]
    assert morning.testids["next-status"] == ["due today"]


@pytest.mark.django_db
def test_the_triage_list_words_each_patients_status_on_their_own_day(patient, clinician, client):
    """The clinician in Auckland sees a Los Angeles patient's dose as due today on the
    patient's day, although the clinician's own calendar is already on the next date."""
    clinician.time_zone = "Pacific/Auckland"
    clinician.save()
    patient.time_zone = "America/Los_Angeles"
    patient.save()
    factories.regimen_for(patient, TODAY)

    # 06:00 UTC on 11 May: 23:00 on 10 May in Los Angeles, 18:00 on 11 May in Auckland.
    with frozen(after(1), 6, zone=UTC):
        client.force_login(clinician)
        html = client.get(reverse("home")).content.decode()

    page = SimpleNamespace(testids=by_testid(html))
    assert page.testids["triage-status"] == ["due today"]
    assert 'datetime="2026-05-10"' in html
