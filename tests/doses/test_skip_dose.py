"""Skipping a dose: the next one, due, overdue or still to come (planned ahead), always with a
reason picked from a short list. A skip is recorded on the day the dose is due and moves the
schedule's anchor (next due = step(due date)), but it is not a dose given: it never counts
toward an `after_doses` phase (schedule.md, rules 3-5)."""

import re
from datetime import date, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from doses.models import DoseLog
from tests import factories
from tests.clock import frozen

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)  # a Monday


def text(response) -> str:
    return unescape(response.content.decode())


def token_of(response) -> str:
    return re.search(r'name="submission_token" value="([^"]+)"', text(response)).group(1)


def skip(client, reason: str = "Out of stock", token: str | None = None, kind: str = "other"):
    """Open the skip page, then submit its form with the reason picked (`kind`) and `reason`
    in the person's own words."""
    if token is None:
        token = token_of(client.get(reverse("skip_dose")))
    return client.post(
        reverse("skip_dose"),
        {"reason_kind": kind, "reason": reason, "submission_token": token},
        follow=True,
    )


def give_on_time(regimen, count: int):
    for _ in range(count):
        factories.give(regimen, regimen.next_due)


def progress(response) -> str:
    found = re.search(r'data-testid="phase-progress">(.*?)</span>', text(response), re.S)
    return " ".join(found.group(1).split())


# --- only a due dose -------------------------------------------------------------------------


def test_it_skips_a_coming_dose_ahead_on_the_day_it_is_due(patient, patient_client):
    with frozen(date(2026, 3, 3), 8):
        regimen = factories.regimen_for(patient, START)
        factories.give(regimen, START)
        factories.give(regimen, date(2026, 3, 3), 7)  # today's dose is given: 4 March is next

        page = patient_client.get(reverse("skip_dose"))
        done = skip(patient_client, "", kind="away")

    assert "Skip the coming dose due Wednesday 4 March 2026" in text(page)
    assert "After this skip, your next injection is due Thursday 5 March 2026." in text(page)
    assert "Dose marked as skipped. Next injection due Thursday 5 March 2026." in text(done)
    skipped = DoseLog.objects.get(status=DoseLog.Status.SKIPPED)
    # Recorded on the day it is due, at noon there, although that is still to come.
    assert skipped.administered_at == datetime(2026, 3, 4, 12, tzinfo=NEW_YORK)
    assert skipped.skip_reason_text == "Away from home"
    assert skipped.due_when_logged == date(2026, 3, 4)
    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 3, 5)
    assert regimen.given_in_phase == 2


def test_the_home_offers_to_skip_the_coming_dose(patient, patient_client):
    with frozen(date(2026, 3, 3), 8):
        regimen = factories.regimen_for(patient, START)
        factories.give(regimen, START)
        factories.give(regimen, date(2026, 3, 3), 7)

        home = patient_client.get(reverse("home"))

    assert "Skip the coming dose" in text(home)


def test_it_skips_the_first_dose_ahead_of_the_start(patient, patient_client):
    with frozen(date(2026, 3, 1), 20):
        regimen = factories.regimen_for(patient, START)

        skip(patient_client, "", token="00000000-0000-4000-8000-000000000001", kind="no_supplies")

    skipped = DoseLog.objects.get()
    assert skipped.administered_at == datetime(2026, 3, 2, 12, tzinfo=NEW_YORK)
    assert skipped.skip_reason_text == "No supplies"
    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 3, 3)


def test_it_has_nothing_to_skip_once_the_course_is_complete(patient, patient_client):
    with frozen(START, 8):
        regimen = factories.regimen_for(patient, START)
        # As the stored state reads after the last phase of a course completes.
        type(regimen).objects.filter(pk=regimen.pk).update(
            status=regimen.Status.COMPLETED, next_due=None, current_phase=None
        )

        posted = skip(patient_client, token="00000000-0000-4000-8000-000000000001")

    assert posted.redirect_chain == [(reverse("home"), 302)]
    assert "Nothing is due: there is no dose to skip." in text(posted)
    assert not DoseLog.objects.exists()


def test_it_skips_the_dose_due_today(patient, patient_client):
    with frozen(START, 15):
        regimen = factories.regimen_for(patient, START)

        page = patient_client.get(reverse("skip_dose"))
        done = skip(patient_client, "Unwell today")

    assert "Skip the dose due Monday 2 March 2026" in text(page)
    assert "Dose marked as skipped. Next injection due Tuesday 3 March 2026." in text(done)
    skipped = DoseLog.objects.get(patient=patient)
    assert skipped.status == DoseLog.Status.SKIPPED
    assert skipped.skip_reason_text == "Unwell today"
    assert skipped.administered_at == datetime(2026, 3, 2, 12, tzinfo=NEW_YORK)
    assert skipped.dose_mcg is None and skipped.site == ""
    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 3, 3)


def test_it_records_a_morning_skip_at_the_time_of_skipping(patient, patient_client):
    with frozen(START, 8, 15):
        factories.regimen_for(patient, START)

        skip(patient_client)

    # Not at noon: that would be a time in the future.
    assert DoseLog.objects.get().administered_at == datetime(2026, 3, 2, 8, 15, tzinfo=NEW_YORK)


# --- a reason is required --------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_other_needs_words(patient, patient_client, reason):
    with frozen(date(2026, 3, 3)):
        regimen = factories.regimen_for(patient, START)

        page = skip(patient_client, reason, kind="other")

    assert page.redirect_chain == []
    assert "Skip the dose due Monday 2 March 2026" in text(page)
    assert re.search(r"invalid-feedback.*?Say why the dose is skipped\.", text(page), re.S)
    assert not DoseLog.objects.exists()
    regimen.refresh_from_db()
    assert regimen.next_due == START


def test_it_needs_a_reason_picked_from_the_list(patient, patient_client):
    with frozen(date(2026, 3, 3)):
        factories.regimen_for(patient, START)

        page = skip(patient_client, "Travelling", kind="")
        made_up = skip(patient_client, "Travelling", kind="holiday")

    for response in (page, made_up):
        assert response.redirect_chain == []
        assert "Why are you skipping it?" in text(response)
    assert not DoseLog.objects.exists()


@pytest.mark.parametrize(
    ("kind", "words", "shown"),
    [
        ("unwell", "", "Unwell"),
        ("clinician", "Dr Care said to wait", "My clinician's advice: Dr Care said to wait"),
        ("other", "Flight delayed", "Flight delayed"),
    ],
)
def test_the_reason_reads_as_picked_in_the_history(patient, patient_client, kind, words, shown):
    with frozen(date(2026, 3, 3)):
        factories.regimen_for(patient, START)

        skip(patient_client, words, kind=kind)
        history = patient_client.get(reverse("history"))

    assert f"Skipped · {shown}" in text(history)


# --- the anchor moves, the count does not ----------------------------------------------------


def test_it_moves_the_next_due_date_from_the_day_the_skipped_dose_was_due(patient, patient_client):
    with frozen(date(2026, 3, 17), 9):
        regimen = factories.regimen_for(patient, START)
        give_on_time(regimen, 7)  # repletion done; the first weekly dose is due 15 March

        page = skip(patient_client, "Out of stock")  # skipped 2 days late

    skipped = DoseLog.objects.get(status=DoseLog.Status.SKIPPED)
    assert skipped.administered_at == datetime(2026, 3, 15, 12, tzinfo=NEW_YORK)
    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 3, 22)  # step(15 March), not step(17 March)
    assert "Next injection due Sunday 22 March 2026." in text(page)


def test_it_does_not_count_a_skip_as_a_dose_given(patient, patient_client):
    with frozen(date(2026, 3, 15), 9):
        regimen = factories.regimen_for(patient, START)
        give_on_time(regimen, 7 + 1)  # one weekly dose given, on 15 March

    with frozen(date(2026, 3, 22), 9):
        skip(patient_client, "Travelling")
        page = patient_client.get(reverse("home"))

    regimen.refresh_from_db()
    assert regimen.given_in_phase == 1
    assert regimen.current_phase.label == "Weekly for 4 weeks"
    assert progress(page) == "Weekly for 4 weeks · dose 2 of 4 next, 1 given"
    assert regimen.next_due == date(2026, 3, 29)


def test_it_still_needs_every_dose_of_the_phase_after_a_skip(patient, patient_client):
    with frozen(date(2026, 3, 15), 9):
        regimen = factories.regimen_for(patient, START)
        give_on_time(regimen, 7)
        skip(patient_client)  # the 15 March weekly dose
    regimen.refresh_from_db()

    with frozen(date(2026, 4, 20), 9):
        give_on_time(regimen, 3)  # 22, 29 March and 5 April: 3 of 4 given
        regimen.refresh_from_db()
        assert regimen.current_phase.label == "Weekly for 4 weeks"
        assert regimen.next_due == date(2026, 4, 12)

        factories.give(regimen, date(2026, 4, 12))  # the 4th dose ends the phase

    regimen.refresh_from_db()
    assert regimen.current_phase.label == "Every 4 weeks"
    assert regimen.next_due == date(2026, 5, 10)


def test_it_shows_the_skip_in_the_schedule_from_the_home_page(patient, patient_client):
    with frozen(date(2026, 3, 3), 9):
        factories.regimen_for(patient, START)
        skip(patient_client)
        page = patient_client.get(reverse("home"))

    assert re.search(r'data-testid="next-due">Tuesday 3 March 2026<', text(page))
    assert re.search(r'data-testid="next-status">due today<', text(page))
    assert "dose 1 of 7 next, 0 given" in progress(page)


# --- double submit ---------------------------------------------------------------------------


def test_it_records_one_skip_when_the_form_is_submitted_twice(patient, patient_client):
    with frozen(date(2026, 3, 10), 9):
        regimen = factories.regimen_for(patient, START)  # due 2 March: 8 days late
        token = token_of(patient_client.get(reverse("skip_dose")))

        skip(patient_client, "Out of stock", token=token)
        # After one skip the next dose (3 March) is still overdue, so only the token stops a
        # second skip from being recorded.
        second = skip(patient_client, "Out of stock", token=token)

    assert DoseLog.objects.filter(patient=patient).count() == 1
    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 3, 3)
    assert "Next injection due Tuesday 3 March 2026." in text(second)


def test_it_records_one_skip_when_todays_skip_is_submitted_twice(patient, patient_client):
    with frozen(START, 15):
        regimen = factories.regimen_for(patient, START)
        token = token_of(patient_client.get(reverse("skip_dose")))

        skip(patient_client, "Unwell", token=token)
        skip(patient_client, "Unwell", token=token)

    assert DoseLog.objects.filter(patient=patient).count() == 1
    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 3, 3)


def test_it_records_two_skips_from_two_forms(patient, patient_client):
    with frozen(date(2026, 3, 10), 9):
        regimen = factories.regimen_for(patient, START)

        skip(patient_client, "Out of stock")
        skip(patient_client, "Still out of stock")

    assert DoseLog.objects.filter(status=DoseLog.Status.SKIPPED).count() == 2
    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 3, 4)


def test_it_has_no_skip_page_for_a_patient_without_a_regimen(patient, patient_client):
    page = patient_client.get(reverse("skip_dose"))
    posted = patient_client.post(reverse("skip_dose"), {"reason": "Unwell"})

    assert page.status_code == posted.status_code == 404
    assert "Mark as skipped" not in text(page)
    assert not DoseLog.objects.exists()
