"""A carer gets a copy of the reminder emails of each person they give injections to, unless
they turn it off; a carer the patient removed, or of someone else, gets none."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.models import CareTeamMembership
from reminders.sending import send_due_reminders
from tests import factories
from tests.clock import frozen

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
DUE = date(2026, 11, 24)
PROPHYLAXIS = "Hydroxocobalamin prophylaxis (after gastrectomy or ileal resection)"


def due_today(patient):
    factories.regimen_for(patient, DUE, name=PROPHYLAXIS)


def run_on(day: date) -> list:
    before = len(mail.outbox)
    with frozen(datetime.combine(day, time(12), tzinfo=NEW_YORK)):
        send_due_reminders()
    return mail.outbox[before:]


@pytest.fixture
def carer(patient):
    carer = factories.CarerFactory(name="Cara Giver", email="cara@example.org")
    factories.CareTeamFactory(patient=patient, clinician=carer)
    return carer


def test_the_carer_gets_a_copy_naming_the_person(patient, carer):
    due_today(patient)
    sent = run_on(DUE)
    assert sorted(m.to[0] for m in sent) == sorted([patient.email, carer.email])
    [copy] = [m for m in sent if m.to == [carer.email]]
    assert copy.subject == f"{patient.name}'s B12 injection is due today"
    assert "Hello Cara," in copy.body
    assert f"A copy of {patient.name}'s reminders" in copy.body
    assert settings.SITE_URL.rstrip("/") + reverse("home") in copy.body
    # Once, however often the run comes back that day.
    assert run_on(DUE) == []


def test_a_carer_who_stopped_the_copies_gets_none(client, patient, carer):
    due_today(patient)
    client.force_login(carer)
    page = client.post(
        reverse("carer_reminders"), {"patient": patient.pk, "copies": "off"}, follow=True
    )
    assert f"No more copies of {patient.name}&#x27;s reminder emails." in page.content.decode()
    assert [m.to for m in run_on(DUE)] == [[patient.email]]


def test_a_removed_carer_or_someone_elses_gets_none(patient, other_patient, carer):
    due_today(patient)
    CareTeamMembership.objects.filter(clinician=carer).delete()
    elsewhere = factories.CarerFactory(name="Otto Carer", email="otto@example.org")
    factories.CareTeamFactory(patient=other_patient, clinician=elsewhere)
    assert [m.to for m in run_on(DUE)] == [[patient.email]]


def test_the_account_page_lists_each_person_with_the_choice(client, patient, carer):
    client.force_login(carer)
    page = client.get(reverse("account_settings")).content.decode()
    assert f"{patient.name} · <strong>copies on</strong>" in page
    assert client.post(reverse("carer_reminders"), {"patient": 0}).status_code == 404
    stranger = factories.PatientFactory(name="Stranger", email="s@example.org")
    assert client.post(reverse("carer_reminders"), {"patient": stranger.pk}).status_code == 404
