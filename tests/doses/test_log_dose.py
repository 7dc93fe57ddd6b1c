"""Logging an injection: the form's defaults, how a dose moves the schedule (schedule.md), the
values that are refused with a clear message, and the double-submitted form."""

from datetime import date, datetime, timedelta
from html import unescape
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from doses.models import DoseLog
from tests import factories
from tests.clock import frozen
from tests.pages import form_values, outermost, soup

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)  # a Monday


def parse(response) -> SimpleNamespace:
    """The values a browser would submit, and the error messages shown next to fields or
    above the form: each line of their text (an error list gives one line a message)."""
    page = soup(response)
    errors = [
        line.strip()
        for node in outermost(page, ".invalid-feedback, .errorlist")
        for string in node.strings
        for line in string.splitlines()
        if line.strip()
    ]
    return SimpleNamespace(values=form_values(page), errors=errors)


def form_page(client):
    response = client.get(reverse("log_dose"))
    assert response.status_code == 200
    return parse(response).values


def post_dose(client, when: datetime | str, follow: bool = True, **changes):
    """Fill in the rendered form as a patient would, then submit it."""
    data = form_page(client)
    data.pop("csrfmiddlewaretoken", None)
    data["administered_at"] = when if isinstance(when, str) else f"{when:%Y-%m-%dT%H:%M}"
    data.update(changes)
    return client.post(reverse("log_dose"), data, follow=follow)


def text(response) -> str:
    return unescape(response.content.decode())


def volume(page) -> str:
    html = page.content.decode()
    start = html.index('id="volume-ml">') + len('id="volume-ml">')
    return html[start : html.index("</strong>", start)].strip()


def give_on_time(regimen, count: int):
    for _ in range(count):
        factories.give(regimen, regimen.next_due)


# --- defaults --------------------------------------------------------------------------------


def test_it_fills_in_the_phase_dose_route_suggested_site_and_now(patient, patient_client):
    with frozen(date(2026, 3, 4), 9, 17, 42):
        regimen = factories.regimen_for(patient, START)
        factories.give(regimen, date(2026, 3, 2), site="LD")
        factories.give(regimen, date(2026, 3, 3), site="RD")

        page = patient_client.get(reverse("log_dose"))

    values = parse(page).values
    # 09:17 in New York is 14:17 UTC: the form speaks the patient's zone.
    assert values["administered_at"] == "2026-03-04T09:17"
    assert values["dose_mcg"] == "1000"
    assert values["route"] == "IM"
    assert values["site"] == "LVL"
    assert values["submission_token"]
    assert "Daily for 1 week · prescribed 1000 mcg" in text(page)


def test_it_fills_in_now_in_the_patients_own_zone(patient, patient_client):
    patient.time_zone = "Asia/Tokyo"
    patient.save()
    factories.regimen_for(patient, START)

    with frozen(date(2026, 3, 4), 9, 17):  # 09:17 in New York is 23:17 in Tokyo
        values = form_page(patient_client)

    assert values["administered_at"] == "2026-03-04T23:17"


def test_it_shows_the_volume_to_draw_for_the_prescribed_dose(patient, patient_client):
    factories.regimen_for(patient, START)

    page = patient_client.get(reverse("log_dose"))

    assert "Volume to draw:" in text(page)
    assert volume(page) == "1.00 mL"


def test_it_shows_the_volume_for_the_products_strength(patient, patient_client):
    factories.regimen_for(patient, START, name=factories.UK_TEMPLATE, concentration=2000)

    page = patient_client.get(reverse("log_dose"))

    assert volume(page) == "0.50 mL"
    assert parse(page).values["concentration_mcg_per_ml"] == "2000"


def test_it_takes_the_dose_of_the_current_phase(patient, patient_client):
    factories.regimen_for(
        patient, START, name="Cyanocobalamin 100 mcg, US label (pernicious anaemia)"
    )

    page = patient_client.get(reverse("log_dose"))

    assert parse(page).values["dose_mcg"] == "100"
    assert volume(page) == "0.10 mL"


def test_it_suggests_a_site_for_the_regimens_route(patient, patient_client):
    factories.regimen_for(patient, START, route="SC")

    values = form_page(patient_client)

    assert values["route"] == "SC"
    assert values["site"] == "LLAQ"


# --- the schedule moves ----------------------------------------------------------------------


def test_it_records_the_dose_and_makes_the_next_day_due(patient, patient_client):
    with frozen(START, 10):
        regimen = factories.regimen_for(patient, START)

        page = post_dose(patient_client, datetime(2026, 3, 2, 9, 30), lot_number="A12")

    assert "Injection recorded. Next injection due Tuesday 3 March 2026." in text(page)
    dose = DoseLog.objects.get(patient=patient)
    assert dose.status == DoseLog.Status.GIVEN
    assert dose.administered_at == datetime(2026, 3, 2, 9, 30, tzinfo=NEW_YORK)
    assert (dose.dose_mcg, dose.route, dose.site, dose.lot_number) == (1000, "IM", "LD", "A12")
    assert dose.recorded_by == patient
    assert dose.phase.label == "Daily for 1 week"
    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 3, 3)
    assert regimen.given_in_phase == 1


def test_it_dates_a_late_evening_dose_in_the_patients_zone(patient, patient_client):
    with frozen(date(2026, 3, 3), 8):
        regimen = factories.regimen_for(patient, START)

        # 23:30 on 2 March in New York is already 3 March in UTC; it is a 2 March dose.
        post_dose(patient_client, datetime(2026, 3, 2, 23, 30))

    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 3, 3)


def test_it_moves_maintenance_by_as_many_days_as_the_dose_was_late(patient, patient_client):
    with frozen(date(2026, 5, 6), 20):
        regimen = factories.regimen_for(patient, START)
        give_on_time(regimen, 7 + 4)
        assert (regimen.current_phase.label, regimen.next_due) == (
            "Every 4 weeks",
            date(2026, 5, 3),
        )

        page = post_dose(patient_client, datetime(2026, 5, 6, 19, 0))  # 3 days late

    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 6, 3)  # 31 May + 3 days
    assert "Next injection due Wednesday 3 June 2026." in text(page)
    assert [day for day, _ in regimen.upcoming(2)] == [date(2026, 6, 3), date(2026, 7, 1)]


def test_it_moves_the_schedule_earlier_for_an_early_dose(patient, patient_client):
    with frozen(date(2026, 4, 30), 20):
        regimen = factories.regimen_for(patient, START)
        give_on_time(regimen, 7 + 4)

        post_dose(patient_client, datetime(2026, 4, 30, 8, 0))  # 3 days early

    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 5, 28)


def test_it_starts_the_next_phase_after_the_last_dose_of_one(patient, patient_client):
    with frozen(date(2026, 3, 8), 20):
        regimen = factories.regimen_for(patient, START)
        give_on_time(regimen, 6)

        post_dose(patient_client, datetime(2026, 3, 8, 9, 0))  # 7th daily dose

    regimen.refresh_from_db()
    assert regimen.current_phase.label == "Weekly for 4 weeks"
    assert regimen.next_due == date(2026, 3, 15)
    assert regimen.given_in_phase == 0


# --- refusals --------------------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("when", "changes", "messages"),
    [
        pytest.param(
            NOW + timedelta(minutes=6),
            {},
            ["This time is in the future. Enter when it happened."],
            id="6 minutes ahead",
        ),
        pytest.param(
            "2026-03-02T09:05:01",
            {},
            ["This time is in the future. Enter when it happened."],
            id="5 minutes and 1 second ahead",
        ),
        pytest.param(
            NOW + timedelta(days=1),
            {},
            ["This time is in the future. Enter when it happened."],
            id="tomorrow",
        ),
        pytest.param(
            NOW,
            {"dose_mcg": "0"},
            ["Enter a dose from 1 to 10,000 mcg."],
            id="dose 0",
        ),
        pytest.param(
            NOW,
            {"dose_mcg": "10001"},
            ["Enter a dose from 1 to 10,000 mcg."],
            id="dose 10001",
        ),
        pytest.param(
            NOW,
            {"dose_mcg": "-5"},
            ["Enter a dose from 1 to 10,000 mcg."],
            id="dose -5",
        ),
        pytest.param(
            NOW,
            {"dose_mcg": ""},
            ["Enter a dose from 1 to 10,000 mcg."],
            id="no dose",
        ),
        pytest.param(
            NOW,
            {"route": "IM", "site": "LLAQ"},
            ["Abdomen, left side is not a site for intramuscular injections."],
            id="IM in the abdomen",
        ),
        pytest.param(
            NOW,
            {"route": "SC", "site": "LD"},
            ["Left deltoid is not a site for subcutaneous (deep) injections."],
            id="SC in the deltoid",
        ),
        pytest.param(NOW, {"site": ""}, ["Choose where it was injected."], id="no site"),
    ],
)
def test_it_refuses_with_a_message_and_saves_nothing(
    patient, patient_client, when, changes, messages
):
    with frozen(NOW.date(), NOW.hour, NOW.minute):
        regimen = factories.regimen_for(patient, START)

        page = post_dose(patient_client, when, **changes)

    assert page.redirect_chain == []
    assert "Log injection" in text(page)
    shown = parse(page).errors
    for message in messages:
        assert message in shown
    assert not DoseLog.objects.exists()
    regimen.refresh_from_db()
    assert regimen.next_due == START
    # The form comes back with what was typed, ready to fix.
    assert parse(page).values["dose_mcg"] == changes.get("dose_mcg", "1000")


def test_it_accepts_a_time_4_minutes_ahead_of_the_clock(patient, patient_client):
    with frozen(NOW.date(), NOW.hour, NOW.minute):
        regimen = factories.regimen_for(patient, START)

        page = post_dose(patient_client, NOW + timedelta(minutes=4))

    assert "Injection recorded." in text(page)
    assert DoseLog.objects.get().administered_at == NOW + timedelta(minutes=4)
    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 3, 3)


# --- double submit, no regimen ---------------------------------------------------------------


def test_it_records_one_injection_when_the_form_is_submitted_twice(patient, patient_client):
    with frozen(START, 10):
        regimen = factories.regimen_for(patient, START)
        data = form_page(patient_client)
        data.pop("csrfmiddlewaretoken", None)
        data["administered_at"] = "2026-03-02T09:30"

        first = patient_client.post(reverse("log_dose"), data, follow=True)
        second = patient_client.post(reverse("log_dose"), data, follow=True)

    assert DoseLog.objects.filter(patient=patient).count() == 1
    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 3, 3)  # moved once, not twice
    assert regimen.given_in_phase == 1
    assert "Injection recorded." in text(first)
    assert second.redirect_chain == [(reverse("home"), 302)]
    # The repeat is answered like the first submission, and records nothing more.
    assert "Injection recorded. Next injection due Tuesday 3 March 2026." in text(second)


def test_it_records_two_injections_from_two_forms(patient, patient_client):
    with frozen(START, 22):
        factories.regimen_for(patient, START)

        post_dose(patient_client, datetime(2026, 3, 2, 9, 0))
        # A second dose the same day is asked about first (tests/doses/test_dose_timing.py).
        post_dose(patient_client, datetime(2026, 3, 2, 21, 0), confirm_timing="yes")

    assert DoseLog.objects.filter(patient=patient).count() == 2


def test_it_has_no_log_page_for_a_patient_without_a_regimen(patient, patient_client):
    page = patient_client.get(reverse("log_dose"))
    posted = patient_client.post(
        reverse("log_dose"),
        {"administered_at": "2026-03-02T09:00", "dose_mcg": "1000", "route": "IM", "site": "LD"},
    )

    assert page.status_code == 404
    assert posted.status_code == 404
    assert "Save injection" not in text(page)
    assert not DoseLog.objects.exists()
