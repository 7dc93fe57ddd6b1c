"""The patient's settings page: which reminders to send and from what hour, and the private
calendar address (create it, make a new one, turn it off). Only patients have this page."""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from reminders.models import CalendarFeed, ReminderSettings
from tests import factories
from tests.clock import frozen
from tests.pages import by_testid, form_values, soup, texts

pytestmark = pytest.mark.django_db

SETTINGS = "/settings/"
GOOD = {
    "due_soon": "on",
    "lead_days": "3",
    "due_today": "on",
    "checkin": "on",
    "send_hour": "19",
}  # unticked boxes are not sent: overdue and lab review off


class SettingsPage:
    """The page's messages, errors, test ids, form values (but the hidden ones; an input with
    a data-testid also by its testid), title and heading, buttons, ticked boxes and links (by
    data-testid)."""

    def __init__(self, html: str):
        page = soup(html)
        self.testids = by_testid(page)
        self.messages = texts(page, '.alert[role="status"]')
        self.errors = texts(page, ".invalid-feedback")
        self.titles = texts(page, "title, h1")
        self.buttons = texts(page, "button")
        self.checked = {box["name"] for box in page.select('input[type="checkbox"][checked]')}
        self.links = {link["data-testid"]: link["href"] for link in page.select("a[data-testid]")}
        self.values = form_values(page, skip=("hidden",))
        for field in page.select("input[data-testid]"):
            self.values[field["data-testid"]] = field.get("value", "")

    def one(self, testid: str) -> str:
        [text] = self.testids[testid]
        return text


def page(response) -> SettingsPage:
    assert response.status_code == 200
    return SettingsPage(response.content.decode())


def stored(patient) -> dict:
    row = ReminderSettings.objects.filter(user=patient).values().first()
    return {k: v for k, v in row.items() if k not in ("id", "user_id", "updated_at")} if row else {}


# --- reminder settings -----------------------------------------------------------------------


def test_a_new_patient_sees_the_default_choices(patient_client):
    shown = page(patient_client.get(SETTINGS))

    assert shown.titles == ["Reminders and calendar · B12 log", "Reminders and calendar"]
    assert shown.values["lead_days"] == "1"
    assert shown.values["send_hour"] == "8"
    assert shown.checked == {
        "due_soon",
        "due_today",
        "overdue",
        "checkin",
        "lab_review",
        "plan_changes",
        "running_out",
    }


def test_saving_stores_the_choices_and_says_so(patient_client, patient):
    response = patient_client.post(SETTINGS, GOOD)

    assert response.status_code == 302
    assert response["Location"] == SETTINGS
    shown = page(patient_client.get(response["Location"]))
    assert shown.messages == ["Reminder settings saved."]
    assert shown.values["lead_days"] == "3"
    assert shown.values["send_hour"] == "19"
    assert shown.checked == {"due_soon", "due_today", "checkin"}
    assert stored(patient) == {
        "due_soon": True,
        "lead_days": 3,
        "due_today": True,
        "overdue": False,
        "checkin": True,
        "lab_review": False,
        "plan_changes": False,
        "running_out": False,
        "send_hour": 19,
        "delivery": "email",  # not posted: email, as before the choice existed
        "push_details": False,
        "snooze_minutes": 60,  # not posted: an hour, as before the choice existed
    }


def test_saving_again_changes_the_same_row(patient_client, patient):
    patient_client.post(SETTINGS, GOOD)
    patient_client.post(SETTINGS, {**GOOD, "send_hour": "6", "overdue": "on"})

    assert ReminderSettings.objects.filter(user=patient).count() == 1
    assert stored(patient)["send_hour"] == 6
    assert stored(patient)["overdue"] is True


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lead_days": "9"}, "Choose a lead time from 1 to 7 days before the due date."),
        ({"lead_days": "0"}, "Choose a lead time from 1 to 7 days before the due date."),
        ({"send_hour": "25"}, "Choose an hour from 0 (midnight) to 23 (11 pm)."),
        ({"send_hour": "eight"}, "Enter a whole number."),
        ({"send_hour": ""}, "This field is required."),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(patient_client, patient, changes, message):
    factories.ReminderSettingsFactory(user=patient, send_hour=7)
    before = stored(patient)

    shown = page(patient_client.post(SETTINGS, {**GOOD, **changes}))

    assert shown.errors == [message]
    assert shown.messages == []
    assert stored(patient) == before


def test_both_bad_numbers_are_explained_at_once(patient_client, patient):
    shown = page(patient_client.post(SETTINGS, {**GOOD, "lead_days": "9", "send_hour": "25"}))

    assert shown.errors == [
        "Choose a lead time from 1 to 7 days before the due date.",
        "Choose an hour from 0 (midnight) to 23 (11 pm).",
    ]
    assert shown.values["lead_days"] == "9"  # what was typed, to correct
    assert not ReminderSettings.objects.filter(user=patient).exists()


def test_a_patient_changes_only_their_own_settings(client, patient, other_patient):
    factories.ReminderSettingsFactory(user=patient, send_hour=7)
    client.force_login(other_patient)

    client.post(SETTINGS, GOOD)

    assert stored(patient)["send_hour"] == 7
    assert stored(other_patient)["send_hour"] == 19


# --- the calendar address --------------------------------------------------------------------


def create_feed(client):
    """Create the feed, and read the page it returns to (so its message is shown)."""
    return client.post(reverse("calendar_feed_token"), {"action": "create"}, follow=True)


def test_without_a_feed_it_offers_to_create_one_and_says_to_keep_it_private(patient_client):
    shown = page(patient_client.get(SETTINGS))

    assert "Create my calendar address" in shown.buttons
    assert "feed" not in shown.testids
    assert shown.one("feed-privacy").startswith(
        "Anyone who has this address can see your upcoming injection dates and doses, "
        "so keep it private."
    )


def test_creating_the_feed_shows_its_full_address_and_a_webcal_link(patient_client, patient):
    response = patient_client.post(reverse("calendar_feed_token"), {"action": "create"})

    assert response["Location"] == SETTINGS + "#calendar"
    token = CalendarFeed.objects.get(user=patient).token
    shown = page(patient_client.get(response["Location"]))
    assert shown.messages == ["Your calendar address is ready: add it to your calendar app."]
    assert shown.values["feed-url"] == f"http://testserver/calendar/{token}.ics"
    assert shown.links["webcal-link"] == f"webcal://testserver/calendar/{token}.ics"
    assert shown.one("webcal-link") == "Add to my calendar"
    assert shown.one("feed-fetched") == "Not fetched by a calendar app yet."
    assert {"Make a new address", "Turn off the calendar feed"} <= set(shown.buttons)
    assert "Create my calendar address" not in shown.buttons


def test_the_address_is_https_behind_https(patient_client, patient):
    create_feed(patient_client)
    token = CalendarFeed.objects.get(user=patient).token

    shown = page(patient_client.get(SETTINGS, secure=True))

    assert shown.values["feed-url"] == f"https://testserver/calendar/{token}.ics"
    assert shown.links["webcal-link"] == f"webcal://testserver/calendar/{token}.ics"


def test_creating_twice_keeps_one_address(patient_client, patient):
    create_feed(patient_client)
    token = CalendarFeed.objects.get(user=patient).token
    create_feed(patient_client)

    assert list(CalendarFeed.objects.filter(user=patient).values_list("token", flat=True)) == [
        token
    ]


def test_it_shows_when_a_calendar_app_last_fetched_the_feed_in_the_patients_zone(
    client, patient_client, patient
):
    patient.time_zone = "Pacific/Auckland"
    patient.save()
    create_feed(patient_client)
    url = reverse("calendar_feed", args=[CalendarFeed.objects.get(user=patient).token])
    moment = datetime.combine(date(2026, 3, 1), time(7, 5), tzinfo=ZoneInfo("Pacific/Auckland"))
    with frozen(moment):
        client.get(url)

    shown = page(patient_client.get(SETTINGS))

    assert shown.one("feed-fetched") == "Last fetched by a calendar app on 1 March 2026, 07:05."


def test_making_a_new_address_replaces_the_old_one(patient_client, patient):
    create_feed(patient_client)
    old = CalendarFeed.objects.get(user=patient)
    CalendarFeed.objects.filter(pk=old.pk).update(last_fetched_at=old.created_at)

    response = patient_client.post(reverse("calendar_feed_token"), {"action": "regenerate"})

    new = CalendarFeed.objects.get(user=patient)
    assert new.token != old.token
    assert new.last_fetched_at is None
    shown = page(patient_client.get(response["Location"]))
    assert shown.messages == [
        "New calendar address made. The old one no longer works: "
        "add the new one to your calendar app."
    ]
    assert shown.values["feed-url"] == f"http://testserver/calendar/{new.token}.ics"


def test_turning_the_feed_off_removes_the_address(patient_client, patient):
    create_feed(patient_client)

    response = patient_client.post(reverse("calendar_feed_token"), {"action": "revoke"})

    assert not CalendarFeed.objects.filter(user=patient).exists()
    shown = page(patient_client.get(response["Location"]))
    assert shown.messages == ["Calendar feed turned off. Its address no longer works."]
    assert "Create my calendar address" in shown.buttons


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "regenerate"}, "You have no calendar address yet."),
        ({"action": "explode"}, "Choose what to do with your calendar address."),
        ({}, "Choose what to do with your calendar address."),
    ],
)
def test_an_action_that_cannot_be_done_is_explained(patient_client, patient, data, message):
    response = patient_client.post(reverse("calendar_feed_token"), data)

    assert page(patient_client.get(response["Location"])).messages == [message]
    assert not CalendarFeed.objects.filter(user=patient).exists()


def test_a_patient_manages_only_their_own_feed(client, patient, other_patient):
    mine = factories.CalendarFeedFactory(user=patient)
    client.force_login(other_patient)

    client.post(reverse("calendar_feed_token"), {"action": "regenerate"})
    client.post(reverse("calendar_feed_token"), {"action": "revoke"})
    shown = page(client.get(SETTINGS))

    assert CalendarFeed.objects.get(user=patient).token == mine.token
    assert mine.token not in shown.values.get("feed-url", "")


def test_the_address_is_changed_only_by_post(patient_client):
    assert patient_client.get(reverse("calendar_feed_token")).status_code == 405


# --- who has this page -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["clinician", "admin_user"])
def test_clinicians_and_admins_have_no_settings_page(client, request, patient, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(SETTINGS).status_code == 404
    assert client.post(SETTINGS, GOOD).status_code == 404
    assert client.post(reverse("calendar_feed_token"), {"action": "create"}).status_code == 404
    assert not ReminderSettings.objects.exists()
    assert not CalendarFeed.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for response in (
        client.get(SETTINGS),
        client.post(reverse("calendar_feed_token"), {"action": "create"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert not CalendarFeed.objects.exists()


def test_the_page_has_no_inline_script_or_style(patient_client, patient):
    create_feed(patient_client)
    html = patient_client.get(SETTINGS).content.decode()

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle=\"", html)
    assert not re.search(r"\son[a-z]+=\"", html)


# --- queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("saved", [False, True])
def test_the_page_takes_a_fixed_number_of_queries(
    patient_client, patient, django_assert_num_queries, saved
):
    regimen = factories.regimen_for(patient, date(2025, 1, 1))
    factories.add_injections(regimen, 30, date(2025, 1, 1))
    if saved:
        factories.ReminderSettingsFactory(user=patient)
        factories.CalendarFeedFactory(user=patient)

    # 1 the session; 2 the signed-in user; 3 their reminder settings; 4 their calendar feed;
    # 5 their notification devices.
    with django_assert_num_queries(5):
        shown = page(patient_client.get(SETTINGS))

    assert ("feed" in shown.testids) is saved
