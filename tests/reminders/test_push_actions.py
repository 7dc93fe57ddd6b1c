"""A notification's two buttons: Snooze waits as long as the patient chose in Settings, and
Taken opens the log form filled in from the plan, so that one more tap records the dose."""

from urllib.parse import urlparse

import pytest

from doses.models import DoseLog
from reminders.models import ReminderSettings
from reminders.push import snooze_token
from tests.clock import frozen
from tests.pages import form_values, soup
from tests.reminders.test_push import Browser
from tests.reminders.test_send_reminders import DUE, at, due_on, run

pytestmark = pytest.mark.django_db


def sent_notification(patient, service, **prefs) -> tuple[Browser, dict]:
    due_on(patient, delivery="push", **prefs)
    phone = Browser(patient, service)
    run(at(DUE, 9))
    return phone, phone.read(service.requests[0][2])


def test_the_snooze_button_names_the_chosen_length_and_waits_that_long(
    client, patient, service, vapid
):
    phone, shown = sent_notification(patient, service, snooze_minutes=15)
    assert [a["title"] for a in shown["actions"]] == ["Taken", "Snooze 15 minutes"]

    with frozen(at(DUE, 9, 5)):
        assert client.post(urlparse(shown["snooze_url"]).path).status_code == 204
    run(at(DUE, 9, 15))
    assert len(service.requests) == 1  # ten minutes later: still snoozed
    run(at(DUE, 9, 21))
    assert len(service.requests) == 2
    assert phone.read(service.requests[1][2])["title"] == "B12 injection due"


def test_without_a_choice_the_snooze_is_an_hour(client, patient, service, vapid):
    _phone, shown = sent_notification(patient, service)
    assert shown["actions"][1]["title"] == "Snooze 1 hour"
    with frozen(at(DUE, 9, 5)):
        client.post(urlparse(shown["snooze_url"]).path)
    run(at(DUE, 9, 50))
    assert len(service.requests) == 1
    run(at(DUE, 10, 6))
    assert len(service.requests) == 2


def test_a_snooze_address_with_a_length_nobody_can_choose_is_not_found(client, patient):
    token = snooze_token([1], minutes=60 * 24 * 30)
    assert client.post(f"/notifications/snooze/{token}/").status_code == 404


def test_taken_opens_the_log_form_filled_in_so_one_tap_records_the_dose(
    client, patient, service, vapid
):
    _phone, shown = sent_notification(patient, service)
    taken = next(a for a in shown["actions"] if a["action"] == "taken")
    client.force_login(patient)

    with frozen(at(DUE, 9, 7)):
        page = client.get(urlparse(taken["url"]).path)
        values = form_values(page, "form[method=post].card")
        assert values["dose_mcg"] == "1000"
        assert values["route"] and values["site"]  # the plan's route, the site least used
        assert values["administered_at"].startswith("2026-11-24T09:07")
        response = client.post(urlparse(taken["url"]).path, values)  # the one more tap

    assert response.status_code == 302
    dose = DoseLog.objects.get(patient=patient)
    assert dose.dose_mcg == 1000
    assert dose.administered_at == at(DUE, 9, 7)


def test_settings_keep_the_chosen_snooze_and_refuse_another(client, patient):
    client.force_login(patient)
    page = client.get("/settings/")
    values = form_values(page, "[data-testid=reminder-form]")
    assert values["snooze_minutes"] == "60"

    client.post("/settings/", {**values, "snooze_minutes": "30"})
    assert ReminderSettings.of(patient).snooze_minutes == 30

    page = client.post("/settings/", {**values, "snooze_minutes": "45"})
    assert "Select a valid choice" in soup(page).select_one("[data-testid=reminder-form]").text
    patient.refresh_from_db()
    assert ReminderSettings.of(patient).snooze_minutes == 30
