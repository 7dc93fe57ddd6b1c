"""Every grant and removal of care-team access is recorded, whatever the path, and the patient
sees them on "Who looked at my record"."""

from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts import invitations
from accounts.models import CareTeamMembership
from sharing.models import CareTeamEvent, ShareCode
from tests import factories
from tests.sharing.helpers import create_code, enter_code, read, signed_in

pytestmark = pytest.mark.django_db

GRANTED, REMOVED = CareTeamEvent.Kind.GRANTED, CareTeamEvent.Kind.REMOVED
SHARE_CODE, ADMIN = CareTeamMembership.Source.SHARE_CODE, CareTeamMembership.Source.ADMIN
INVITATION = CareTeamMembership.Source.INVITATION


def events(patient) -> list[tuple]:
    return list(
        CareTeamEvent.objects.filter(patient=patient)
        .order_by("pk")
        .values_list("kind", "clinician_name", "source", "actor__name")
    )


def local(moment, zone="America/New_York") -> str:
    """As the page writes a time: "Sun 22 Nov 2026, 03:12", in the patient's zone."""
    moment = moment.astimezone(ZoneInfo(zone))
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M}"


def test_a_share_code_grant_and_the_patients_removal_are_recorded_with_who_did_them(
    patient_client, patient, clinician
):
    granted_to_dr_care = CareTeamEvent.objects.get(clinician=clinician).at
    newcomer = factories.ClinicianFactory(name="Dr New", email="new@example.org")
    enter_code(signed_in(newcomer), create_code(patient_client))
    pending = ShareCode.objects.get(patient=patient)
    patient_client.post(reverse("share_request_approve", args=[pending.pk]))
    row = CareTeamMembership.objects.get(patient=patient, clinician=newcomer)
    patient_client.post(reverse("care_team_remove", args=[row.pk]))

    assert events(patient) == [
        (GRANTED, "Dr Care", ADMIN, None),
        (GRANTED, "Dr New", SHARE_CODE, "Pat Patient"),
        (REMOVED, "Dr New", SHARE_CODE, "Pat Patient"),
    ]
    page = read(patient_client.get(reverse("record_views")))
    removed, granted = (
        CareTeamEvent.objects.get(kind=kind, clinician_name="Dr New").at
        for kind in (REMOVED, GRANTED)
    )
    assert page.text("care-team-event") == [  # newest first, in the patient's time zone
        f"{local(removed)} Access removed Dr New you",
        f"{local(granted)} Access granted, through your share code Dr New you",
        f"{local(granted_to_dr_care)} Access granted, through an administrator Dr Care "
        "not recorded",
    ]


def test_changes_made_elsewhere_are_recorded_too(patient, admin_user):
    """The admin site, a shell or another feature: saved and deleted rows, with the acting
    user where the code says who it is."""
    doctor = factories.ClinicianFactory(name="Dr Admin-Added")
    row = CareTeamMembership(patient=patient, clinician=doctor)
    row.acted_by = admin_user
    row.save()
    CareTeamMembership.objects.filter(pk=row.pk).delete()  # nobody says who

    assert events(patient) == [
        (GRANTED, "Dr Admin-Added", ADMIN, "Ada Admin"),
        (REMOVED, "Dr Admin-Added", ADMIN, None),
    ]


def test_moving_a_row_to_another_clinician_is_a_removal_and_a_grant(patient, clinician):
    row = CareTeamMembership.objects.get(patient=patient, clinician=clinician)
    row.clinician = factories.ClinicianFactory(name="Dr Replacement")
    row.save()
    row.source = CareTeamMembership.Source.INVITATION
    row.save()  # the same clinician and patient: no access changes

    assert events(patient) == [
        (GRANTED, "Dr Care", ADMIN, None),
        (REMOVED, "Dr Care", ADMIN, None),
        (GRANTED, "Dr Replacement", ADMIN, None),
    ]


def test_a_deleted_clinician_account_leaves_a_removal_the_patient_can_read(
    patient_client, patient, clinician
):
    clinician.delete()

    assert events(patient) == [(GRANTED, "Dr Care", ADMIN, None), (REMOVED, "Dr Care", ADMIN, None)]
    assert not CareTeamEvent.objects.filter(clinician__isnull=False).exists()
    page = read(patient_client.get(reverse("record_views")))
    assert len(page.text("care-team-event")) == 2


def test_a_deleted_patient_account_takes_its_events_with_it(patient, clinician):
    patient.delete()
    assert not CareTeamEvent.objects.exists()
    assert not CareTeamMembership.objects.exists()


def test_the_audit_page_makes_a_fixed_number_of_queries(
    patient_client, patient, django_assert_num_queries
):
    for _ in range(3):
        factories.CareTeamFactory(patient=patient)
    patient_client.get(reverse("record_views"))
    # 1 the session; 2 the user; 3 the paginator's count of record views (none, so no page
    # is read); 4 the care-team events with who made them.
    with django_assert_num_queries(4):
        page = read(patient_client.get(reverse("record_views")))
    assert len(page.text("care-team-event")) == 3


def test_the_admin_site_records_the_admin_who_granted_and_removed(patient, admin_user, client):
    client.force_login(admin_user)
    doctor = factories.ClinicianFactory(name="Dr Admin-Added")
    client.post(
        reverse("admin:accounts_careteammembership_add"),
        {
            "patient": patient.pk,
            "clinician": doctor.pk,
            "source": ADMIN,
            "created_at_0": "2026-11-01",
            "created_at_1": "09:00",
        },
    )
    row = CareTeamMembership.objects.get(patient=patient, clinician=doctor)
    client.post(reverse("admin:accounts_careteammembership_delete", args=[row.pk]), {"post": "yes"})

    assert events(patient)[-2:] == [
        (GRANTED, "Dr Admin-Added", ADMIN, "Ada Admin"),
        (REMOVED, "Dr Admin-Added", ADMIN, "Ada Admin"),
    ]


def test_an_accepted_invitation_is_granted_by_the_patient(patient, clinician):
    doctor = factories.ClinicianFactory(name="Dr Inviter", email="inviter@example.org")
    invitation = invitations.invite(doctor, name=patient.name, email=patient.email)
    invitations.accept_as_patient(invitation, patient)

    assert events(patient)[-1] == (GRANTED, "Dr Inviter", INVITATION, "Pat Patient")
