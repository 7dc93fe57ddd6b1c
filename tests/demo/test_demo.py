"""The demo data set behind `make run`: the logins it prints work, each account shows what the
README promises, and loading it again adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import CareTeamMembership, User
from demo.people import ACCOUNTS, PASSWORD
from doses.models import DoseLog
from labs.models import LabResult
from regimens.models import Regimen
from sharing.models import ShareCode
from symptoms.models import SymptomEntry
from tests.sharing.helpers import read

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def signed_in(client, email):
    """Signed in through the sign-in form, as a person would."""
    client.post(reverse("login"), {"username": email, "password": PASSWORD})
    assert client.session.get("_auth_user_id") == str(User.objects.get(email=email).pk), email
    return client


def counts():
    return [
        model.objects.count()
        for model in (User, Regimen, DoseLog, SymptomEntry, LabResult, ShareCode)
    ]


def test_it_prints_each_login_and_every_one_signs_in(client):
    printed = seed()
    assert PASSWORD in printed
    for email, _, role, _ in ACCOUNTS:
        assert email in printed
        signed_in(client, email)
        assert User.objects.get(email=email).role == role
        client.logout()


def test_loading_it_again_adds_nothing():
    seed()
    before = counts()
    printed = seed()
    assert counts() == before
    assert printed.count("already present") == len(ACCOUNTS)


def test_the_first_patient_has_months_of_history_and_a_request_waiting(client):
    seed()
    pat = User.objects.get(email="patient@example.com")
    doses = DoseLog.objects.filter(patient=pat)
    assert doses.filter(status=DoseLog.Status.GIVEN).count() >= 12  # six months of them
    assert doses.filter(status=DoseLog.Status.SKIPPED).count() == 1
    assert SymptomEntry.objects.filter(patient=pat).exists()
    assert LabResult.objects.filter(patient=pat).exists()
    page = read(signed_in(client, pat.email).get(reverse("care_team")))
    [request] = page.text("share-request")
    assert "Dr Jo Lindqvist" in request and "asks to see your record" in request
    # Asked, not granted: the clinician cannot open the record until Pat approves.
    doc2 = User.objects.get(email="clinician2@example.com")
    assert not CareTeamMembership.objects.filter(patient=pat, clinician=doc2).exists()


def test_the_second_patients_own_regimen_waits_for_the_clinician_to_confirm(client):
    seed()
    sam = User.objects.get(email="patient2@example.com")
    home = read(signed_in(client, sam.email).get(reverse("home")))
    assert home.text("entered-by-you") == ["Entered by you; not yet confirmed by a clinician"]
    client.logout()
    triage = read(signed_in(client, "clinician2@example.com").get(reverse("home")))
    assert triage.text("needs-confirmation") == ["Needs confirmation"]


def test_the_pharmacist_sees_the_first_patient_and_a_label_to_check(client):
    seed()
    home = read(signed_in(client, "pharmacist@example.com").get(reverse("home")))
    [row] = home.text("pharmacy-row")
    assert row.startswith("Pat Morgan") and "A label awaits your check" in row
    pat = User.objects.get(email="patient@example.com")
    page = read(client.get(reverse("pharmacy_patient", args=[pat.pk])))
    assert "lot LOT-2417A" in page.text("label-row")[0]


def test_the_carer_records_for_both_patients_and_switches_between_them(client):
    seed()
    carer = signed_in(client, "carer@example.com")
    home = read(carer.get(reverse("home")))
    assert home.text("caring-for")[0].startswith("You are recording for Pat Morgan")
    sam = User.objects.get(email="patient2@example.com")
    carer.post(reverse("switch_person"), {"patient": sam.pk})
    home = read(carer.get(reverse("home")))
    assert home.text("caring-for")[0].startswith("You are recording for Sam Okafor")
