"""A user's own language (My account): pages follow it whatever the browser asks for, and the
emails sent without a request (reminders, the plan-change news, the digest) are worded in it;
without a choice, pages follow the browser and emails the site's language.

Only English has a catalogue, so these tests ship a second language in LANGUAGES and watch
what Django words in it by itself: the names of days and months."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from regimens import actions
from reminders.sending import send_due_reminders
from tests import factories
from tests.clock import frozen

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
TWO = [("en", "English"), ("de", "Deutsch")]


def save_language(client, user, language):
    return client.post(
        reverse("account_settings"),
        {"name": user.name, "time_zone": user.time_zone, "language": language},
    )


@override_settings(LANGUAGES=TWO)
def test_a_chosen_language_is_kept_and_pages_follow_it(patient, client):
    client.force_login(patient)
    response = save_language(client, patient, "de")
    page = client.get(reverse("account_settings"), HTTP_ACCEPT_LANGUAGE="en")

    patient.refresh_from_db()
    assert response.status_code == 302
    assert patient.language == "de"
    assert '<html lang="de">' in page.content.decode()
    assert '<option value="de" selected>Deutsch</option>' in page.content.decode()


@override_settings(LANGUAGES=TWO)
def test_without_a_choice_pages_follow_the_browser(patient, client):
    client.force_login(patient)
    german = client.get(reverse("account_settings"), HTTP_ACCEPT_LANGUAGE="de")
    english = client.get(reverse("account_settings"), HTTP_ACCEPT_LANGUAGE="en")

    assert '<html lang="de">' in german.content.decode()
    assert '<html lang="en">' in english.content.decode()


def test_a_language_the_site_is_not_shipped_in_is_refused_and_nothing_changes(patient, client):
    client.force_login(patient)
    response = save_language(client, patient, "xx")

    patient.refresh_from_db()
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert patient.language == ""


@pytest.fixture
def plan_changed(patient, clinician):
    patient.time_zone = "America/New_York"
    patient.save()
    with frozen(date(2026, 10, 23)):
        regimen = factories.regimen_for(patient, date(2026, 10, 23), prescriber=clinician)
    with frozen(date(2027, 1, 5), 10):
        actions.end_regimen(regimen, clinician, "Levels recovered")
    return regimen


@override_settings(LANGUAGES=TWO)
def test_the_plan_change_email_is_worded_in_the_patients_language(patient, plan_changed):
    patient.language = "de"
    patient.save()
    with frozen(date(2027, 1, 5), 10):
        send_due_reminders()

    (email,) = mail.outbox
    assert "Dienstag 5 Januar" in email.body
    assert "Tuesday" not in email.body


@override_settings(LANGUAGES=TWO)
def test_without_a_choice_the_email_is_in_the_sites_language(patient, plan_changed):
    with frozen(date(2027, 1, 5), 10):
        send_due_reminders()

    (email,) = mail.outbox
    assert "Tuesday 5 January" in email.body
