"""The account page: name and time zone, the links to the password and data pages; and deleting
the account: what goes (everything of a patient's; a clinician's place on every care team),
the password it asks for, and every session ending at once."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse

from accounts import invitations
from accounts.models import CareTeamMembership, Invitation, User
from doses import actions
from doses.models import ClinicalNote, DoseLog
from tests import factories
from tests.accounts.test_access import build_record

pytestmark = pytest.mark.django_db


def rows_naming(pk) -> dict:
    """Every row, in every table, with a foreign key to this user id."""
    found = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is User:
                count = model.objects.filter(**{field.attname: pk}).count()
                if count:
                    found[f"{model.__name__}.{field.name}"] = count
    return found


def signed_in_client(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


# The account page -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["patient", "clinician"])
def test_the_navigation_leads_to_the_account_page(client, patient, clinician, role):
    client.force_login(patient if role == "patient" else clinician)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("account_settings")}"' in page
    assert "My account" in page


def test_the_page_shows_the_details_and_links_to_password_and_data(
    patient_client, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the session, the user
        page = patient_client.get(reverse("account_settings")).content.decode()
    assert 'value="Pat Patient"' in page
    assert 'value="America/New_York"' in page
    assert 'list="time-zone-names"' in page
    for name in ("password_change", "export", "export_csv", "delete_account"):
        assert f'href="{reverse(name)}"' in page


def test_a_clinician_has_no_data_download_but_may_delete(client, clinician):
    client.force_login(clinician)
    page = client.get(reverse("account_settings")).content.decode()
    assert f'href="{reverse("export")}"' not in page
    assert f'href="{reverse("delete_account")}"' in page


def test_changing_name_and_zone_saves_them_and_the_care_team_list_follows(
    client, patient, clinician
):
    client.force_login(patient)
    response = client.post(
        reverse("account_settings"),
        {"name": "Patricia Patient", "time_zone": "Asia/Tokyo"},
        follow=True,
    )
    page = response.content.decode()
    assert "Your account details are saved." in page
    assert "Patricia Patient · Asia/Tokyo" in page
    patient.refresh_from_db()
    assert (patient.name, patient.time_zone) == ("Patricia Patient", "Asia/Tokyo")
    assert CareTeamMembership.objects.get(patient=patient).patient_name == "Patricia Patient"
    client.force_login(clinician)
    assert "Patricia Patient" in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "New Name", "time_zone": "Europe/Nowhere"}, "is not a time zone we know"),
        ({"name": "", "time_zone": "Asia/Tokyo"}, "This field is required."),
    ],
)
def test_bad_input_is_explained_and_nothing_changes(patient_client, patient, data, message):
    response = patient_client.post(reverse("account_settings"), data)
    page = response.content.decode()
    assert message in page
    assert "Pat Patient · America/New_York" in page  # the page still shows what is saved
    assert f'value="{data["name"]}"' in page or not data["name"]  # what was typed is kept
    patient.refresh_from_db()
    assert (patient.name, patient.time_zone) == ("Pat Patient", "America/New_York")


# Deleting the account ---------------------------------------------------------------------


def test_the_delete_page_says_what_goes_and_asks_for_the_password(
    patient_client, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the session, the user
        page = patient_client.get(reverse("delete_account")).content.decode()
    assert "every injection, skipped dose and correction" in page
    assert "Nothing is kept" in page
    assert f'href="{reverse("export")}"' in page
    assert "Your password" in page


def test_a_wrong_password_is_explained_and_nothing_is_deleted(patient_client, patient):
    record = build_record(patient)
    response = patient_client.post(reverse("delete_account"), {"password": "not-it"})
    assert "That is not your password. Nothing was deleted" in response.content.decode()
    assert User.objects.filter(pk=patient.pk, is_active=True).exists()
    assert DoseLog.objects.filter(pk=record.dose.pk).exists()
    assert patient_client.session["_auth_user_id"] == str(patient.pk)


def test_a_patient_deleting_their_account_leaves_nothing_of_theirs(
    client, patient, clinician, other_patient
):
    record = build_record(patient)
    theirs = build_record(other_patient, factories.UK_TEMPLATE)
    actions.correct_dose(record.dose, patient, reason="Wrong lot", lot_number="LOT-FIXED")
    actions.add_note(patient, clinician, "Discussed technique")
    factories.RecordViewFactory(patient=patient, viewer=clinician, what="record", path="/x/")
    invitations.invite(clinician, name="Pat", email=patient.email)
    other_session = signed_in_client(patient)
    client.force_login(patient)

    response = client.post(reverse("delete_account"), {"password": factories.PASSWORD}, follow=True)

    assert "Your account is deleted and you are signed out." in response.content.decode()
    assert not User.objects.filter(pk=patient.pk).exists()
    assert rows_naming(patient.pk) == {}
    assert not Invitation.objects.filter(email=patient.email).exists()
    assert "_auth_user_id" not in client.session
    # Another browser signed in as them is signed out at its next request.
    elsewhere = other_session.get(reverse("home"))
    assert elsewhere["Location"].startswith(reverse("login"))
    # Nobody else's record is touched; the clinician keeps their account and other patients.
    assert DoseLog.objects.filter(pk=theirs.dose.pk).exists()
    assert User.objects.filter(pk=clinician.pk, is_active=True).exists()


def test_a_clinician_with_nothing_in_any_record_is_deleted_and_leaves_every_care_team(
    client, patient, clinician, other_patient
):
    build_record(patient)
    factories.CareTeamFactory(patient=other_patient, clinician=clinician)
    invitations.invite(clinician, name="Nia", email="nia@example.org")
    other_session = signed_in_client(clinician)
    client.force_login(clinician)

    client.post(reverse("delete_account"), {"password": factories.PASSWORD})

    assert not User.objects.filter(pk=clinician.pk).exists()
    assert rows_naming(clinician.pk) == {}
    assert not CareTeamMembership.objects.exists()
    assert other_session.get(reverse("home"))["Location"].startswith(reverse("login"))
    # Their patients' records are whole and their homes still work.
    client.force_login(patient)
    assert "Pat Patient" in client.get(reverse("home")).content.decode()


def test_a_clinician_named_in_records_is_emptied_and_the_records_keep_their_entries(
    client, patient, clinician
):
    record = build_record(patient)
    note, _ = actions.add_note(patient, clinician, "Discussed technique")
    clinic_dose, _ = actions.log_dose(
        record.regimen,
        clinician,
        administered_at=factories.at(patient, patient.today() - timedelta(days=1)),
        dose_mcg=1000,
        route="IM",
        site="LD",
        administered_by=DoseLog.AdministeredBy.CLINIC,
    )
    client.force_login(clinician)

    client.post(reverse("delete_account"), {"password": factories.PASSWORD})

    gone = User.objects.get(pk=clinician.pk)
    assert not gone.is_active and not gone.has_usable_password()
    assert "care@example.org" not in gone.email
    assert not CareTeamMembership.objects.filter(clinician=clinician).exists()
    assert ClinicalNote.objects.get(pk=note.pk).author.name == "Dr Care"
    assert DoseLog.objects.get(pk=clinic_dose.pk).recorded_by_id == clinician.pk
    # Nobody can sign in as them, with the old address or any other.
    refused = Client().post(
        reverse("login"), {"username": "care@example.org", "password": factories.PASSWORD}
    )
    assert "Please enter a correct email" in refused.content.decode()
    # The address is free again: an admin may make a new account with it.
    factories.ClinicianFactory(email="care@example.org")


def test_an_admin_deletes_accounts_in_the_admin_not_here(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("delete_account")).status_code == 404
    client.post(reverse("delete_account"), {"password": factories.PASSWORD})
    assert User.objects.filter(pk=admin_user.pk, is_active=True).exists()
