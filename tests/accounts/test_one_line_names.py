"""A name goes into emails (the greeting, an invitation): one with a line break in it (which
would start a made-up header or paragraph) is refused with a clear message, on every form
that takes a name, and nothing is saved or sent. An email's subject is always one line."""

from html import unescape

import pytest
from django.core import mail
from django.urls import reverse

from accounts import signup
from accounts.models import Invitation, User
from tests import factories

pytestmark = pytest.mark.django_db

REFUSED = "Enter the name on one line."
BROKEN_NAMES = ["Nia\r\nBcc: someone@example.org", "Nia\nNewcomer", "Nia\rNewcomer"]
PASSWORD = "quiet-meadow-harbour-17"


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.mark.parametrize("name", BROKEN_NAMES)
def test_an_invitation_to_a_name_on_two_lines_is_refused(client, name):
    client.force_login(factories.ClinicianFactory())
    response = client.post(
        reverse("invite_patient"), {"name": name, "email": "nia@example.org"}, follow=True
    )
    assert REFUSED in text(response)
    assert not Invitation.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("name", BROKEN_NAMES)
def test_signing_up_with_a_name_on_two_lines_is_refused(client, name):
    response = client.post(
        reverse("signup"),
        {
            "name": name,
            "email": "nia@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "time_zone": "Europe/London",
        },
    )
    assert REFUSED in text(response)
    assert not User.objects.filter(email="nia@example.org").exists()
    assert mail.outbox == []


@pytest.mark.parametrize("name", BROKEN_NAMES)
def test_renaming_oneself_on_two_lines_is_refused(patient_client, patient, name):
    response = patient_client.post(
        reverse("account_settings"), {"name": name, "time_zone": "Asia/Tokyo"}
    )
    assert REFUSED in text(response)
    patient.refresh_from_db()
    assert (patient.name, patient.time_zone) == ("Pat Patient", patient.time_zone)


def test_an_emails_subject_is_always_one_line(patient):
    signup.send(
        patient,
        "Welcome,\r\nPat\nPatient ",
        "accounts/email/already_registered.txt",
        {"link": "https://example.org/", "user": patient},
    )
    assert [m.subject for m in mail.outbox] == ["Welcome, Pat Patient"]
