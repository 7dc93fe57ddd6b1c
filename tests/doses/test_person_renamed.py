"""A person renamed on their account page is shown by the new name at once on the pages kept
for the patients they are named to (doses/freshness.py `_person_saved`): the record's timeline,
kept for a day under the record version, and the patient's home, kept for an hour. A save that
changes nothing shown of them makes nothing anew.

The story (New York): Dr Care, on Pat's care team with Dr Second, wrote a note on Pat's record on
1 June 2026 and then renames herself "Dr Carefully".
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.models import CareTeamMembership, User
from doses import actions
from tests import factories
from tests.accounts.test_account_settings import signed_in_client as signed_in
from tests.clock import frozen
from tests.pages import soup

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 6, 1, 12, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture
def second(patient):
    doc = factories.ClinicianFactory(name="Dr Second", email="second@example.org")
    factories.CareTeamFactory(patient=patient, clinician=doc)
    return doc


@pytest.fixture
def noted(patient, clinician):
    with frozen(NOON):
        factories.regimen_for(patient, date(2026, 5, 1), prescriber=clinician)
        actions.add_note(patient, clinician, "Reviewed the levels.")


def rename(user, name: str, time_zone: str = "America/New_York"):
    response = signed_in(user).post(
        reverse("account_settings"), {"name": name, "time_zone": time_zone, "language": ""}
    )
    assert response.status_code == 302, response.content.decode()[:500]


def timeline_text(browser, patient) -> str:
    page = soup(browser.get(reverse("patient_record", args=[patient.pk])))
    return page.select_one('[data-testid="timeline"]').get_text(" ", strip=True)


def test_the_record_kept_for_another_clinician_shows_the_new_name(
    patient, clinician, second, noted
):
    reader = signed_in(second)
    with frozen(NOON):
        assert "Dr Care" in timeline_text(reader, patient)
        rename(clinician, "Dr Carefully")
        after = timeline_text(reader, patient)

    assert "Dr Carefully" in after
    assert "Dr Care " not in after + " "


def test_a_former_member_named_in_the_history_is_shown_renamed(patient, clinician, second, noted):
    """Off the care team, but the note they wrote still names them."""
    reader = signed_in(second)
    with frozen(NOON):
        CareTeamMembership.objects.filter(patient=patient, clinician=clinician).delete()
        assert "Dr Care" in timeline_text(reader, patient)
        rename(clinician, "Dr Carefully")
        after = timeline_text(reader, patient)

    assert "Dr Carefully" in after


def test_the_patients_home_lists_the_care_team_by_the_new_name(patient, clinician, noted):
    home = signed_in(patient)
    with frozen(NOON):
        before = home.get(reverse("home")).content.decode()
        rename(clinician, "Dr Carefully")
        after = home.get(reverse("home")).content.decode()

    assert "Dr Care " in before and "Dr Carefully" not in before
    assert "Dr Carefully" in after


def test_other_patients_pages_are_not_made_anew(patient, other_patient, clinician, noted):
    with frozen(NOON):
        rename(clinician, "Dr Carefully")

    assert User.objects.get(pk=other_patient.pk).record_version == other_patient.record_version


def test_a_save_that_changes_nothing_shown_keeps_the_pages(patient, clinician, noted):
    version = User.objects.get(pk=patient.pk).record_version
    with frozen(NOON):
        rename(clinician, "Dr Care", time_zone="Europe/London")  # the same name, another zone

    assert User.objects.get(pk=clinician.pk).time_zone == "Europe/London"
    assert User.objects.get(pk=patient.pk).record_version == version
