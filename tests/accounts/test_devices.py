""" "Keep me signed in on this device" (patients only) and the signed-in devices page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from accounts import devices
from tests import factories
from tests.clock import frozen
from tests.pages import texts

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Mobile Safari/537.36"
)
LAPTOP = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)
ACCOUNT = "/accounts/settings/"


@pytest.fixture(autouse=True)
def idle_timeout(settings):
    settings.SESSION_COOKIE_AGE = 30 * 60  # the production default (the suite's is a year)
    settings.REMEMBER_DAYS = 90


def sign_in(client, user, *, remember, agent=PHONE):
    data = {"username": user.email, "password": factories.PASSWORD}
    if remember:
        data["remember"] = "on"
    response = client.post(reverse("login"), data, HTTP_USER_AGENT=agent)
    assert response.status_code == 302
    return response


def signed_in(client) -> bool:
    return client.get(ACCOUNT).status_code == 200


def test_a_patient_who_ticks_the_box_stays_signed_in_for_months(client, patient):
    with frozen(START):
        response = sign_in(client, patient, remember=True)
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 90 * 24 * 60 * 60
    with frozen(START + timedelta(days=30)):  # a 4-weekly patient's next injection
        assert signed_in(client)
    with frozen(START + timedelta(days=110)):  # 80 days after the last visit
        assert signed_in(client)
    with frozen(START + timedelta(days=201)):  # more than 90 days without a visit
        assert not signed_in(client)


def test_a_patient_who_does_not_tick_it_is_signed_out_when_idle(client, patient):
    with frozen(START):
        response = sign_in(client, patient, remember=False)
    assert response.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 60
    with frozen(START + timedelta(hours=1)):
        assert not signed_in(client)


@pytest.mark.parametrize("role", ["clinician", "admin"])
def test_clinicians_and_admins_keep_the_idle_timeout_even_if_they_post_it(client, role):
    user = (factories.ClinicianFactory if role == "clinician" else factories.AdminFactory)()
    with frozen(START):
        response = sign_in(client, user, remember=True)
    assert response.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 60
    with frozen(START + timedelta(minutes=20)):
        assert signed_in(client)
    with frozen(START + timedelta(hours=1)):
        assert not signed_in(client)


def test_the_sign_in_form_offers_the_box(client):
    shown = client.get(reverse("login")).content.decode()
    assert "Keep me signed in on this device" in shown


def test_the_devices_page_lists_each_signed_in_device(patient):
    phone, laptop = Client(), Client()
    with frozen(START):
        sign_in(phone, patient, remember=True, agent=PHONE)
    with frozen(START + timedelta(hours=2)):
        sign_in(laptop, patient, remember=False, agent=LAPTOP)
    with frozen(START + timedelta(days=3)):
        phone.get(ACCOUNT)  # the phone is used again
    with frozen(START + timedelta(days=3, minutes=5)):
        shown = phone.get(reverse("signed_in_devices")).content.decode()
    # The laptop's idle session has ended by now; only the phone is listed.
    assert "Chrome on Android" in shown
    assert "Safari on Mac" not in shown
    assert "This device" in shown
    assert "Kept signed in" in shown
    assert "Signed in Mon 2 Mar 2026" in shown
    assert "Last used Thu 5 Mar 2026" in shown

    with frozen(START + timedelta(days=3, minutes=10)):
        sign_in(laptop, patient, remember=False, agent=LAPTOP)
        shown = laptop.get(reverse("signed_in_devices")).content.decode()
    assert "Chrome on Android" in shown
    assert "Safari on Mac" in shown


def test_sign_out_everywhere_else_ends_the_other_sessions_only(patient):
    phone, laptop, tablet = Client(), Client(), Client()
    with frozen(START):
        sign_in(phone, patient, remember=True, agent=PHONE)
        sign_in(laptop, patient, remember=True, agent=LAPTOP)
        sign_in(tablet, patient, remember=False, agent=PHONE)
        response = laptop.post(reverse("sign_out_everywhere_else"), follow=True)
        assert "Signed out on 2 other devices." in response.content.decode()
        assert signed_in(laptop)
        assert not signed_in(phone)
        assert not signed_in(tablet)
        assert len(devices.signed_in_devices(patient, None)) == 1


def test_one_device_is_signed_out_from_another(patient, other_patient):
    phone, laptop, theirs = Client(), Client(), Client()
    with frozen(START):
        sign_in(phone, patient, remember=True, agent=PHONE)
        sign_in(laptop, patient, remember=True, agent=LAPTOP)
        sign_in(theirs, other_patient, remember=True, agent=PHONE)
        (phone_row,) = [d for d in devices.signed_in_devices(patient, None) if "Android" in d.name]
        (their_row,) = devices.signed_in_devices(other_patient, None)
        # Not someone else's device, nor by anyone else.
        assert theirs.post(reverse("sign_out_device", args=[phone_row.pk])).status_code == 404
        assert laptop.post(reverse("sign_out_device", args=[their_row.pk])).status_code == 404
        assert signed_in(phone) and signed_in(theirs)
        assert laptop.post(reverse("sign_out_device", args=[phone_row.pk])).status_code == 302
        assert not signed_in(phone)
        assert signed_in(laptop)


@pytest.mark.parametrize("others", [0, 3])
def test_the_devices_page_takes_a_fixed_number_of_queries(
    patient, django_assert_num_queries, others
):
    for _ in range(others):
        with frozen(START):
            sign_in(Client(), patient, remember=True)
    client = Client()
    with frozen(START):
        sign_in(client, patient, remember=True, agent=LAPTOP)
    # 1 the session; 2 the signed-in user; 3 their device rows; 4 those sessions' expiries.
    with frozen(START + timedelta(seconds=30)), django_assert_num_queries(4):
        response = client.get(reverse("signed_in_devices"))
    assert len(texts(response, "[data-testid=device]")) == others + 1


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (PHONE, "Chrome on Android"),
        (LAPTOP, "Safari on Mac"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Version/17.4 Safari/604.1",
            "Safari on iPhone",
        ),
        ("Mozilla/5.0 (Windows NT 10.0) Chrome/124.0 Safari/537.36 Edg/124.0", "Edge on Windows"),
        ("", "Unknown browser"),
    ],
)
def test_a_device_is_named_from_its_user_agent(agent, name):
    assert devices.describe(agent) == name
