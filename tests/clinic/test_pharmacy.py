"""The pharmacist (issue 19 §2): on a patient's care team, they see the plan, the supplies and
their label photos, the injections and the labs, and verify labels; never a clinical note, an
alert, a check-in's words or a regimen action. Their home lists their patients, 25 to a page,
in a fixed number of queries. They join by invitation or share code, approved by the patient,
and the patient removing them cuts their access at once.

Time is frozen at Sunday 10 May 2026, noon in New York. Regimens come from the cyanocobalamin
US template (daily x7, weekly x4, then every 4 weeks)."""

import re
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import CareTeamMembership, User
from doses import actions as dose_actions
from supplies import labels
from supplies.models import LabelPhoto
from tests import factories
from tests.pages import by_testid, soup, texts
from tests.sharing.helpers import create_code, enter_code, read, signed_in
from tests.supplies import images

NEW_YORK = ZoneInfo("America/New_York")
TODAY = date(2026, 5, 10)
NOW = datetime.combine(TODAY, time(12), tzinfo=NEW_YORK)
NOTE_TEXT = "Discussed stopping metformin; recheck B12 in 3 months."
CHECKIN_NOTE = "Pins and needles in both feet again"

pytestmark = [pytest.mark.django_db, pytest.mark.frozen(NOW)]


@pytest.fixture
def pharmacist(db, patient):
    chemist = factories.PharmacistFactory(name="Phil Pharmacist", email="phil@example.org")
    factories.CareTeamFactory(patient=patient, clinician=chemist)
    return chemist


@pytest.fixture
def pharmacist_client(pharmacist):
    return signed_in(pharmacist)


@pytest.fixture
def story(patient, clinician):
    """Pat's plan from 1 May, two injections, a box with a label photo, a B12 result; and what
    a pharmacist must not read: a clinical note, an open alert, a check-in's words."""
    regimen = factories.regimen_for(patient, date(2026, 5, 1))
    factories.give(regimen, date(2026, 5, 1), lot_number="LOT-FIRST")
    factories.give(regimen, date(2026, 5, 2), lot_number="LOT-SECOND")
    supply = factories.add_supply(
        patient, expires_on=date(2027, 1, 31), received_on=date(2026, 4, 30), lot_number="BOX-77"
    )
    photo = labels.attach_photo(supply, patient, images.png())
    factories.record_lab(patient, date(2026, 4, 28), "182", note="Before treatment")
    dose_actions.add_note(patient, clinician, NOTE_TEXT)
    factories.check_in(patient, note=CHECKIN_NOTE, allergy_signs=["hives"])
    regimen.refresh_from_db()
    return {"regimen": regimen, "supply": supply, "photo": photo}


def page_of(client, patient):
    return client.get(reverse("pharmacy_patient", args=[patient.pk]))


# --- the patient page ------------------------------------------------------------------------


def test_the_pharmacist_sees_the_plan_supplies_injections_and_labs(
    pharmacist_client, patient, story
):
    response = page_of(pharmacist_client, patient)

    assert response.status_code == 200
    html = soup(response)
    shown = by_testid(html)
    phases = texts(html, '[data-testid="phases"] tbody tr')
    assert phases[0] == "Daily for 1 week (repletion) current 1000 mcg daily 7 doses"
    assert len(phases) == 3
    assert shown["record-next-due"] == [
        story["regimen"].next_due.strftime("%A %-d %B %Y").replace("  ", " ")
    ]
    assert len(texts(html, '[data-testid="upcoming"] li')) == 5
    assert "Volume to draw" in " ".join(shown["label-plan"])
    assert "lot BOX-77" in shown["label-row"][0]
    assert html.select_one('[data-testid="label-photo"]')["src"] == reverse(
        "label_photo", args=[story["photo"].pk]
    )
    assert shown["label-verdict"] == ["Not checked yet"]
    injections = shown["injection-row"]
    assert [row.split()[-1] for row in injections] == ["LOT-SECOND", "LOT-FIRST"]  # newest first
    assert [row for row in shown["lab-row"] if "182" in row]


def test_the_pharmacist_never_sees_notes_alerts_check_ins_or_regimen_actions(
    pharmacist_client, patient, story
):
    page = page_of(pharmacist_client, patient).content.decode()

    for private in (NOTE_TEXT, CHECKIN_NOTE, "Allergy signs", "Hives"):
        assert private not in page
    for action in ("prescribe", "end_regimen", "advance_phase", "clinic_dose", "add_note"):
        assert reverse(action, args=[patient.pk]) not in page
    assert reverse("change_phase", args=[patient.pk, story["regimen"].current_phase_id]) not in (
        page
    )
    assert f'href="{reverse("patient_record", args=[patient.pk])}"' not in page
    # The clinicians' record and report stay closed to them.
    for name in ("patient_record", "patient_report"):
        assert pharmacist_client.get(reverse(name, args=[patient.pk])).status_code == 404


def test_each_look_is_logged_for_the_patient(pharmacist_client, patient, story):
    page_of(pharmacist_client, patient)
    patient_client = signed_in(patient)
    views = patient_client.get(reverse("record_views")).content.decode()
    assert "Phil Pharmacist" in views


def test_the_injections_are_paged_20_at_a_time(pharmacist_client, patient, story):
    factories.add_injections(story["regimen"], 23, date(2026, 4, 1))
    total = 25

    first = soup(page_of(pharmacist_client, patient))
    url = reverse("pharmacy_patient", args=[patient.pk])
    second = soup(pharmacist_client.get(url, {"page": 2}))

    assert len(first.select('[data-testid="injection-row"]')) == 20
    assert len(second.select('[data-testid="injection-row"]')) == total - 20


@pytest.mark.parametrize("injections", [2, 40])
def test_the_page_makes_the_same_number_of_queries_for_a_short_or_long_history(
    pharmacist_client, patient, story, django_assert_num_queries, injections
):
    if injections > 2:
        factories.add_injections(story["regimen"], injections - 2, date(2026, 3, 1))
    # 1 the session; 2 the pharmacist; 3 the patient, through the care team; 4 the look,
    # logged; 5 the regimen with its current phase; 6 its phases (the card and the upcoming
    # dates); 7 the supplies; 8 their label photos; 9 the injections' count; 10 one page of
    # them; 11-13 the lab results, the admin's ranges and the injection times they are dated
    # against.
    with django_assert_num_queries(13):
        response = page_of(pharmacist_client, patient)
    assert response.status_code == 200


# --- verifying a label -----------------------------------------------------------------------


def verdict(client, patient, photo, verdict_value, note=""):
    prefix = f"label-{photo.supply_id}"
    return client.post(
        reverse("label_verdict", args=[patient.pk, photo.pk]),
        {f"{prefix}-verdict": verdict_value, f"{prefix}-note": note},
    )


def test_the_pharmacist_verifies_a_label_and_the_patient_sees_the_verdict(
    pharmacist_client, patient, story
):
    response = verdict(pharmacist_client, patient, story["photo"], "verified", "Matches the box")

    assert response.status_code == 302
    assert response["Location"] == reverse("pharmacy_patient", args=[patient.pk])
    page = read(pharmacist_client.get(response["Location"]))
    assert any(alert.startswith("Verdict saved for") for alert in page.alerts)
    assert page.text("label-verdict")[0].startswith("Verified against the prescription")
    photo = LabelPhoto.objects.get(pk=story["photo"].pk)
    assert (photo.verdict, photo.verdict_by.name) == ("verified", "Phil Pharmacist")

    patient_page = read(signed_in(patient).get(reverse("supply_label", args=[story["supply"].pk])))
    assert patient_page.text("label-verdict")[0].startswith(
        "Verified against the prescription by Phil Pharmacist"
    )
    assert patient_page.text("label-verdict-note") == ["“Matches the box”"]


def test_a_mismatch_without_a_note_is_explained_and_saves_nothing(
    pharmacist_client, patient, story
):
    response = verdict(pharmacist_client, patient, story["photo"], "mismatch")

    assert response.status_code == 400
    html = soup(response)
    assert texts(html, ".invalid-feedback") == ["Say what does not match."]
    assert html.find("a", string="Back to the patient")["href"] == reverse(
        "pharmacy_patient", args=[patient.pk]
    )
    assert LabelPhoto.objects.get(pk=story["photo"].pk).verdict == LabelPhoto.Verdict.PENDING


def test_a_pharmacist_off_the_care_team_gets_404_everywhere(patient, story):
    stranger = factories.PharmacistFactory(name="Sue Stranger", email="sue@example.org")
    factories.CareTeamFactory(patient=factories.PatientFactory(), clinician=stranger)
    client = signed_in(stranger)

    assert page_of(client, patient).status_code == 404
    assert client.get(reverse("label_photo", args=[story["photo"].pk])).status_code == 404
    assert client.get(reverse("patient_labels", args=[patient.pk])).status_code == 404
    assert verdict(client, patient, story["photo"], "verified").status_code == 404
    assert LabelPhoto.objects.get(pk=story["photo"].pk).verdict == LabelPhoto.Verdict.PENDING
    assert "Pat Patient" not in client.get(reverse("home")).content.decode()


def test_the_patient_removing_the_pharmacist_cuts_access_at_once(
    pharmacist, pharmacist_client, patient, story
):
    assert page_of(pharmacist_client, patient).status_code == 200
    membership = CareTeamMembership.objects.get(patient=patient, clinician=pharmacist)

    response = signed_in(patient).post(reverse("care_team_remove", args=[membership.pk]))

    assert response.status_code == 302
    assert page_of(pharmacist_client, patient).status_code == 404
    photo_url = reverse("label_photo", args=[story["photo"].pk])
    assert pharmacist_client.get(photo_url).status_code == 404
    assert verdict(pharmacist_client, patient, story["photo"], "verified").status_code == 404
    assert "Pat Patient" not in pharmacist_client.get(reverse("home")).content.decode()


# --- the patient list ------------------------------------------------------------------------


def rows(client, **params):
    response = client.get(reverse("home"), params)
    assert response.status_code == 200
    return texts(response, '[data-testid="pharmacy-row"]'), response


def on_list(pharmacist, name, start=None):
    person = factories.PatientFactory(
        name=name, email=name.lower().replace(" ", ".") + "@example.org"
    )
    factories.CareTeamFactory(patient=person, clinician=pharmacist)
    if start:
        factories.regimen_for(person, start)
    return person


def test_the_home_lists_the_pharmacists_patients_soonest_due_first(
    pharmacist, pharmacist_client, patient, other_patient, story
):
    on_list(pharmacist, "Di Soon", date(2026, 5, 15))
    on_list(pharmacist, "Bo Nothing")
    factories.regimen_for(other_patient, date(2026, 4, 1))  # not theirs

    shown, response = rows(pharmacist_client)

    assert [row.split(" ")[0] + " " + row.split(" ")[1] for row in shown] == [
        "Pat Patient",
        "Di Soon",
        "Bo Nothing",
    ]
    assert "Daily for 1 week" in shown[0] and "A label awaits your check" in shown[0]
    assert "Fri 15 May 2026" in shown[1] and "Nothing to check" in shown[1]
    assert "Olga Other" not in response.content.decode()
    nav = texts(response, "nav a")
    assert "My patients" in nav and "Enter a share code" in nav


def test_a_verified_label_no_longer_awaits_a_check(pharmacist_client, patient, story):
    verdict(pharmacist_client, patient, story["photo"], "verified")
    shown, _response = rows(pharmacist_client)
    assert "Nothing to check" in shown[0]


def test_a_pharmacist_with_no_patients_is_told_how_they_get_some(db):
    client = signed_in(factories.PharmacistFactory())
    response = client.get(reverse("home"))
    assert "No patients on your care team yet." in response.content.decode()


@pytest.mark.parametrize("count", [2, 20])
def test_the_home_makes_the_same_number_of_queries_for_2_or_20_patients(
    django_assert_num_queries, count
):
    chemist = factories.PharmacistFactory()
    for i in range(count):
        person = on_list(chemist, f"Person {i:02}", date(2026, 5, 1) + timedelta(days=i))
        supply = factories.add_supply(
            person, expires_on=date(2027, 1, 31), received_on=date(2026, 4, 30)
        )
        labels.attach_photo(supply, person, images.png())
    client = signed_in(chemist)

    # 1 the session; 2 the pharmacist; 3 the paginator's count of their care-team rows; 4 the
    # page's rows, each with its patient, the current phase and whether a label awaits a
    # check (subqueries).
    with django_assert_num_queries(4):
        shown, _response = rows(client)
    assert len(shown) == count
    assert all("A label awaits your check" in row for row in shown)


def test_the_home_is_paged_25_at_a_time(pharmacist, pharmacist_client, patient):
    for i in range(26):
        on_list(pharmacist, f"Person {i:02}")
    first, response = rows(pharmacist_client)
    second, _ = rows(pharmacist_client, page=2)
    assert len(first) == 25 and len(second) == 2
    assert "Page 1 of 2 · 27 patients" in response.content.decode()


# --- joining: an invitation, a share code ----------------------------------------------------

LINK = re.compile(r"http\S+/accounts/invitation/[^/\s]+/")
PASSWORD = "quiet-meadow-harbour-17"


def test_a_pharmacist_invites_a_new_patient_who_joins_their_list(pharmacist_client, client):
    response = pharmacist_client.post(
        reverse("invite_patient"), {"name": "Nia Newcomer", "email": "nia@example.org"}
    )
    assert response.status_code == 302

    [message] = mail.outbox
    assert message.subject == (
        "Phil Pharmacist, your pharmacist, invites you to share your B12 injection log"
    )
    assert "can see your plan, your supplies and the photos of their labels" in message.body
    assert "see your record" not in message.body
    path = urlsplit(LINK.search(message.body).group(0)).path
    intro = read(client.get(path)).text("invitation-intro")
    assert intro[0].startswith("Phil Pharmacist, your pharmacist, invited you")

    response = client.post(
        path,
        {
            "name": "Nia Newcomer",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "time_zone": "Europe/Dublin",
        },
        follow=True,
    )
    assert any("your pharmacist, is on your care team" in a for a in read(response).alerts)
    nia = User.objects.get(email="nia@example.org")
    assert CareTeamMembership.objects.filter(
        patient=nia, clinician__name="Phil Pharmacist"
    ).exists()
    shown, _response = rows(pharmacist_client)
    assert any(row.startswith("Nia Newcomer") for row in shown)


def test_a_pharmacist_cancels_their_own_invitation(pharmacist_client):
    pharmacist_client.post(
        reverse("invite_patient"), {"name": "Nia Newcomer", "email": "nia@example.org"}
    )
    [invitation] = User.objects.get(email="phil@example.org").invitations_sent.all()
    response = pharmacist_client.post(reverse("cancel_invitation", args=[invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.cancelled_at is not None


def test_a_carer_cannot_invite(db):
    client = signed_in(factories.CarerFactory())
    assert client.get(reverse("invite_patient")).status_code == 404


def test_a_pharmacist_enters_a_share_code_and_the_patient_approves(other_patient, pharmacist):
    regimen = factories.regimen_for(other_patient, date(2026, 5, 1))
    factories.add_supply(other_patient, expires_on=date(2027, 1, 31), received_on=date(2026, 4, 30))
    olga = signed_in(other_patient)
    phil = signed_in(pharmacist)
    assert page_of(phil, other_patient).status_code == 404

    page = enter_code(phil, create_code(olga))
    assert any("Request sent" in alert for alert in page.alerts)
    assert page_of(phil, other_patient).status_code == 404  # not before the patient approves

    row = other_patient.share_codes.get()
    olga.post(reverse("share_request_approve", args=[row.pk]))

    membership = CareTeamMembership.objects.get(patient=other_patient, clinician=pharmacist)
    assert membership.source == CareTeamMembership.Source.SHARE_CODE
    assert membership.next_due == regimen.next_due
    assert page_of(phil, other_patient).status_code == 200
    shown, _response = rows(phil)
    assert any(row.startswith("Olga Other") for row in shown)


# --- the admin -------------------------------------------------------------------------------


def test_the_admin_makes_a_pharmacist_and_puts_them_on_a_care_team(admin_user, patient):
    admin = signed_in(admin_user)
    add_page = admin.get(reverse("admin:accounts_user_add"))
    assert '<option value="pharmacist">Pharmacist</option>' in add_page.content.decode()

    response = admin.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "rx@example.org",
            "name": "Rae Pharmacist",
            "role": "pharmacist",
            "time_zone": "America/New_York",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rae = User.objects.get(email="rx@example.org")
    assert rae.is_pharmacist
    response = admin.post(
        reverse("admin:accounts_careteammembership_add"),
        {
            "patient": patient.pk,
            "clinician": rae.pk,
            "source": "admin",
            "created_at_0": "2026-05-10",
            "created_at_1": "12:00:00",
        },
    )
    assert response.status_code == 302
    shown, _response = rows(signed_in(rae))
    assert [row.split(" pat@")[0] for row in shown] == ["Pat Patient"]
