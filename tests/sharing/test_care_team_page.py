"""The patient's care-team page: who can see the record, and removing anyone at once."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import CareTeamMembership
from sharing import actions
from sharing.models import ShareCode
from tests import factories
from tests.sharing.helpers import create_code, enter_code, read, signed_in

pytestmark = pytest.mark.django_db


def membership(patient, clinician):
    return CareTeamMembership.objects.get(patient=patient, clinician=clinician)


def test_the_page_lists_each_clinician_with_how_and_since_when(patient_client, patient, clinician):
    # The page gives the day in the patient's own time zone, whatever the server's.
    joined = membership(patient, clinician).created_at.astimezone(patient.zone)

    page = read(patient_client.get(reverse("care_team")))

    assert page.text("care-team-member") == [
        f"Dr Care · care@example.org · Clinician Since {joined.day} {joined:%b %Y}, "
        "through an administrator Remove Dr Care"
    ]


def test_the_page_is_linked_from_the_navigation_and_the_home_card(patient_client):
    home = read(patient_client.get(reverse("home")))
    assert home.links["My care team"] == reverse("care_team")
    assert home.links["Manage my care team"] == reverse("care_team")


def test_the_clinicians_page_is_linked_from_their_patient_list(clinician):
    triage = read(signed_in(clinician).get(reverse("home")))
    assert triage.links["Add a patient with a share code"] == reverse("share_code_enter")


def test_removing_asks_first_then_ends_access_at_once(patient_client, patient, clinician):
    factories.regimen_for(patient, patient.today())
    doctor = signed_in(clinician)
    assert doctor.get(reverse("patient_record", args=[patient.pk])).status_code == 200
    row = membership(patient, clinician)

    confirm = patient_client.get(reverse("care_team_remove", args=[row.pk]))
    assert "Remove Dr Care from your care team?" in confirm.content.decode()
    assert CareTeamMembership.objects.filter(pk=row.pk).exists()  # asking changes nothing

    page = read(patient_client.post(reverse("care_team_remove", args=[row.pk]), follow=True))

    assert "Dr Care can no longer see your record." in page.alerts
    assert page.text("care-team-member") == []
    assert not CareTeamMembership.objects.filter(patient=patient, clinician=clinician).exists()
    # The clinician's very next requests: the record is not found, the list has no patient.
    assert doctor.get(reverse("patient_record", args=[patient.pk])).status_code == 404
    triage = read(doctor.get(reverse("home")))
    assert triage.text("triage-row") == []
    assert "Pat Patient" not in doctor.get(reverse("home")).content.decode()
    # The patient's home no longer lists them.
    home = read(patient_client.get(reverse("home")))
    assert "Dr Care" not in home.text("care-team")[0]


def test_a_clinician_brought_in_with_a_code_can_be_removed_and_brought_back(
    patient_client, patient
):
    newcomer = factories.ClinicianFactory(name="Dr New", email="new@example.org")
    doctor = signed_in(newcomer)
    for _ in range(2):
        enter_code(doctor, create_code(patient_client))
        pending = ShareCode.objects.get(patient=patient, status=ShareCode.Status.PENDING)
        patient_client.post(reverse("share_request_approve", args=[pending.pk]))
        assert doctor.get(reverse("patient_record", args=[patient.pk])).status_code == 200
        row = membership(patient, newcomer)
        patient_client.post(reverse("care_team_remove", args=[row.pk]))
        assert doctor.get(reverse("patient_record", args=[patient.pk])).status_code == 404


def test_a_patient_cannot_remove_from_another_patients_team(
    patient_client, other_patient, clinician
):
    theirs = factories.CareTeamFactory(patient=other_patient, clinician=clinician)
    for method in ("get", "post"):
        response = getattr(patient_client, method)(reverse("care_team_remove", args=[theirs.pk]))
        assert response.status_code == 404
    assert CareTeamMembership.objects.filter(pk=theirs.pk).exists()


# A fixed number of queries ---------------------------------------------------------------------


def crowded(patient, size: int) -> None:
    """`size` clinicians on the team, and `size` more with requests waiting."""
    for n in range(size):
        factories.CareTeamFactory(patient=patient)
        row, code = actions.create_code(patient)
        actions.enter_code(factories.ClinicianFactory(), code)
        if n == 0:
            actions.create_code(patient)  # and a live code


@pytest.mark.parametrize("size", [1, 3])
def test_the_care_team_page_makes_a_fixed_number_of_queries(
    patient_client, patient, django_assert_num_queries, size
):
    crowded(patient, size)
    patient_client.get(reverse("care_team"))  # the first request of a session renews it

    # 1 the session; 2 the user; 3 the care team with its clinicians; 4 the open codes and
    # requests with their clinicians.
    with django_assert_num_queries(4):
        page = read(patient_client.get(reverse("care_team")))
    assert len(page.text("care-team-member")) == size
    assert len(page.text("share-request")) == size


def test_the_remove_page_makes_a_fixed_number_of_queries(
    patient_client, patient, clinician, django_assert_num_queries
):
    row = membership(patient, clinician)
    patient_client.get(reverse("care_team"))
    # 1 the session; 2 the user; 3 the membership with its clinician.
    with django_assert_num_queries(3):
        patient_client.get(reverse("care_team_remove", args=[row.pk]))


def test_the_code_entry_page_makes_a_fixed_number_of_queries(clinician, django_assert_num_queries):
    doctor = signed_in(clinician)
    doctor.get(reverse("share_code_enter"))
    # 1 the session; 2 the user.
    with django_assert_num_queries(2):
        page = read(doctor.get(reverse("share_code_enter")))
    assert page.values["code"] == ""


@pytest.mark.parametrize("size", [1, 3])
def test_the_home_card_shows_requests_in_one_query_whatever_their_number(
    patient_client, patient, django_assert_num_queries, size
):
    crowded(patient, size)
    patient_client.get(reverse("home"))
    cache.clear()  # build the home again, not the cached page
    # The home's own (tests/doses/test_home.py) plus one. This patient has no plan: the phases
    # of their regimen are looked for, then, none found, the regimen itself (doses/dashboard.py
    # regimen_with_phases; one query for both when there is a plan), so 9 where it was 8.
    with django_assert_num_queries(9):
        page = read(patient_client.get(reverse("home")))
    assert len(page.text("care-team-requests")) == 1
