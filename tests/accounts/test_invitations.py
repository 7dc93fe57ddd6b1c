"""A clinician invites a patient by email: the invite page and its list, the link making the
patient's account with the clinician on its care team, and every way a link cannot be used
(used, expired, cancelled, not a link at all); an address that already has an account never
gets a second one, and the clinician is never told which it was."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import invitations
from accounts.models import CareTeamMembership, Invitation, User
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "quiet-meadow-harbour-17"
LINK = re.compile(r"http\S+/accounts/invitation/[^/\s]+/")
SENT = "Invitation sent to nia@example.org."


@pytest.fixture
def doctor(db):
    return factories.ClinicianFactory(name="Dr Inviter", email="inviter@example.org")


@pytest.fixture
def doctor_client(client, doctor):
    client.force_login(doctor)
    return client


def invite(client, email="nia@example.org", name="Nia Newcomer"):
    return client.post(reverse("invite_patient"), {"name": name, "email": email}, follow=True)


def link_path(address="nia@example.org") -> str:
    [message] = [m for m in mail.outbox if address in m.to][-1:]
    return urlsplit(LINK.search(message.body).group(0)).path


def accept_form(**changes) -> dict:
    return {
        "name": "Nia Newcomer",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "time_zone": "Europe/Dublin",
        **changes,
    }


def statuses(page: str) -> list[str]:
    return re.findall(r'data-testid="invitation-status">([^<]+)<', page)


# The clinician's page -----------------------------------------------------------------------


def test_the_patient_list_links_to_the_invite_page(doctor_client):
    page = doctor_client.get(reverse("home")).content.decode()
    assert "Invite a patient" in page
    assert f'href="{reverse("invite_patient")}"' in page


@pytest.mark.parametrize("count", [1, 30])
def test_the_invite_page_makes_the_same_queries_however_many_invitations(
    doctor, doctor_client, django_assert_num_queries, count
):
    for n in range(count):
        invitations.invite(doctor, name=f"Patient {n}", email=f"p{n}@example.org")
    # The session, the user, the count of invitations, one page of them.
    with django_assert_num_queries(4):
        page = doctor_client.get(reverse("invite_patient")).content.decode()
    assert page.count('data-testid="invitation"') == min(count, 25)


def test_a_patient_has_no_invite_page(patient_client):
    assert patient_client.get(reverse("invite_patient")).status_code == 404


def test_an_invitation_is_emailed_stored_as_a_hash_and_listed_as_waiting(doctor, doctor_client):
    page = invite(doctor_client).content.decode()
    assert SENT in page
    assert statuses(page) == ["Waiting"]
    assert "Nia Newcomer" in page
    [message] = mail.outbox
    assert message.to == ["nia@example.org"]
    assert "Dr Inviter" in message.subject
    assert "choose a password" in message.body
    assert "works once, for 14 days" in message.body
    token = link_path().rstrip("/").rsplit("/", 1)[1]
    stored = Invitation.objects.get()
    assert stored.token_hash == invitations.hash_token(token) != token
    assert token not in str(Invitation.objects.values().get())
    assert stored.expires_at - stored.created_at == timedelta(days=14)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Nia", "email": "nia-at-example"}, "Enter a valid email address."),
        ({"name": "", "email": "nia@example.org"}, "This field is required."),
    ],
)
def test_bad_input_is_explained_and_nothing_is_sent(doctor_client, data, message):
    response = doctor_client.post(reverse("invite_patient"), data)
    assert message in response.content.decode()
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_a_patient_already_on_the_care_team_is_not_invited_again(client, patient, clinician):
    client.force_login(clinician)
    response = invite(client, email="PAT@example.org", name=patient.name)
    assert "already on your care team" in response.content.decode()
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_inviting_the_same_address_again_cancels_the_earlier_link(doctor_client):
    invite(doctor_client)
    first = link_path()
    page = invite(doctor_client).content.decode()
    assert statuses(page) == ["Waiting", "Cancelled"]
    response = doctor_client.get(first)
    assert "This invitation was cancelled." in response.content.decode()


def test_one_address_is_invited_a_few_times_a_day_then_refused_with_a_reason(doctor_client):
    for _ in range(invitations.PER_ADDRESS_PER_DAY):
        invite(doctor_client, email="NIA@example.org")
    page = invite(doctor_client).content.decode()
    assert "This address has had 3 invitations from you in the last 24 hours." in page
    assert len(mail.outbox) == Invitation.objects.count() == invitations.PER_ADDRESS_PER_DAY
    assert statuses(page) == ["Waiting", "Cancelled", "Cancelled"]  # the last link still works
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        assert SENT in invite(doctor_client).content.decode()


def test_a_clinician_sends_at_most_50_invitations_a_day(doctor, doctor_client):
    now = timezone.now()
    factories.bulk(
        factories.InvitationFactory,
        (
            {
                "clinician": doctor,
                "name": f"Patient {n}",
                "email": f"p{n}@example.org",
                "token_hash": f"{n:064x}",
                "created_at": now - timedelta(hours=23),
                "expires_at": now + timedelta(days=13),
            }
            for n in range(invitations.PER_DAY)
        ),
    )
    page = invite(doctor_client).content.decode()
    assert "You have sent 50 invitations in the last 24 hours, the most a day." in page
    assert mail.outbox == []
    assert not Invitation.objects.filter(email="nia@example.org").exists()
    with time_machine.travel(now + timedelta(hours=1, minutes=1)):  # the oldest are a day old
        assert SENT in invite(doctor_client).content.decode()


def test_the_clinician_cancels_a_pending_invitation_and_its_link_stops_working(
    client, doctor_client
):
    invite(doctor_client)
    path = link_path()
    invitation = Invitation.objects.get()
    response = doctor_client.post(reverse("cancel_invitation", args=[invitation.pk]), follow=True)
    page = response.content.decode()
    assert "Invitation to nia@example.org cancelled" in page
    assert statuses(page) == ["Cancelled"]
    client.logout()
    response = client.post(path, accept_form())
    assert "This invitation was cancelled." in response.content.decode()
    assert not User.objects.filter(email="nia@example.org").exists()


def test_another_clinician_cannot_cancel_it(client, doctor):
    invitation = invitations.invite(doctor, name="Nia", email="nia@example.org")
    client.force_login(factories.ClinicianFactory())
    response = client.post(reverse("cancel_invitation", args=[invitation.pk]))
    assert response.status_code == 404
    assert Invitation.objects.get().is_pending()


# A new patient opens the link ---------------------------------------------------------------


def test_a_new_patient_sets_a_password_and_lands_home_with_the_clinician_on_their_team(
    client, doctor, doctor_client
):
    invite(doctor_client)
    path = link_path()
    client.logout()
    form = client.get(path).content.decode()
    assert "Dr Inviter invited you" in form
    assert 'value="Nia Newcomer"' in form  # the name the clinician typed, to correct
    assert 'list="time-zone-names"' in form
    response = client.post(path, accept_form(), follow=True)
    patient = User.objects.get(email="nia@example.org")
    assert (patient.role, patient.time_zone, patient.is_active) == (
        "patient",
        "Europe/Dublin",
        True,
    )
    assert patient.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(patient.pk)
    assert response.redirect_chain[-1][0] == reverse("home")
    home = response.content.decode()
    assert "Dr Inviter is on your care team" in home
    assert "No active regimen" in home
    membership = CareTeamMembership.objects.get(patient=patient)
    assert membership.clinician == doctor
    assert membership.source == CareTeamMembership.Source.INVITATION
    assert (membership.patient_name, membership.next_due) == ("Nia Newcomer", None)
    # The clinician sees the patient on their list, and the invitation as accepted.
    client.force_login(doctor)
    assert "Nia Newcomer" in client.get(reverse("home")).content.decode()
    assert statuses(client.get(reverse("invite_patient")).content.decode()) == ["Accepted"]


def test_the_patient_may_correct_their_name(client, doctor):
    invitations.invite(doctor, name="Nia Typo", email="nia@example.org")
    client.post(link_path(), accept_form(name="Nia Newcomer"))
    assert CareTeamMembership.objects.get().patient_name == "Nia Newcomer"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password2": "not-the-same-55"}, "The two passwords differ."),
        ({"password1": "password", "password2": "password"}, "This password is too common."),
        ({"time_zone": "Atlantis/Capital"}, "is not a time zone we know"),
    ],
)
def test_bad_input_on_the_link_page_is_explained_and_the_link_still_works(
    client, doctor, changes, message
):
    invitations.invite(doctor, name="Nia", email="nia@example.org")
    path = link_path()
    response = client.post(path, accept_form(**changes))
    assert message in response.content.decode()
    assert not User.objects.filter(email="nia@example.org").exists()
    assert Invitation.objects.get().is_pending()
    client.post(path, accept_form())
    assert User.objects.filter(email="nia@example.org", is_active=True).exists()


def test_a_used_link_says_so_and_makes_no_second_account(client, doctor):
    invitations.invite(doctor, name="Nia", email="nia@example.org")
    path = link_path()
    client.post(path, accept_form())
    other = client.__class__()
    response = other.post(
        path, accept_form(password1="x-other-pass-99", password2="x-other-pass-99")
    )
    assert "This invitation has already been used." in response.content.decode()
    assert User.objects.filter(email="nia@example.org").count() == 1
    assert User.objects.get(email="nia@example.org").check_password(PASSWORD)
    assert "_auth_user_id" not in other.session


def test_an_expired_link_says_so_and_makes_nothing(client, doctor):
    invitations.invite(doctor, name="Nia", email="nia@example.org")
    path = link_path()
    with time_machine.travel(timezone.now() + timedelta(days=14, minutes=1)):
        response = client.post(path, accept_form())
    page = response.content.decode()
    assert "This invitation has expired." in page
    assert "Ask Dr Inviter to send you a new invitation" in page
    assert not User.objects.filter(email="nia@example.org").exists()


def test_a_made_up_link_says_it_is_not_valid(client):
    response = client.get(reverse("invitation", args=["made-up-token"]))
    assert "This invitation link is not valid" in response.content.decode()


def test_an_address_awaiting_sign_up_confirmation_is_finished_by_the_link(client, doctor):
    client.post(
        reverse("signup"),
        {
            "name": "Nia Early",
            "email": "nia@example.org",
            "password1": "early-bird-pass-31",
            "password2": "early-bird-pass-31",
            "time_zone": "UTC",
        },
    )
    invitations.invite(doctor, name="Nia", email="nia@example.org")
    client.post(link_path(), accept_form())
    patient = User.objects.get(email="nia@example.org")
    assert patient.is_active and not patient.awaiting_verification
    assert patient.check_password(PASSWORD)
    assert CareTeamMembership.objects.filter(patient=patient, clinician=doctor).exists()


# An address that already has an account -----------------------------------------------------


@pytest.fixture
def existing(db):
    patient = factories.PatientFactory(name="Nia Existing", email="nia@example.org")
    regimen = factories.regimen_for(patient, patient.today() - timedelta(days=3))
    regimen.refresh_from_db()
    return patient


def test_the_clinician_is_told_the_same_whether_the_address_has_an_account(doctor_client, existing):
    page = invite(doctor_client).content.decode()
    assert SENT in page and statuses(page) == ["Waiting"]
    [message] = mail.outbox
    assert "You already have an account: sign in and accept" in message.body
    assert "Hello Nia Existing" in message.body


def test_an_existing_patient_signs_in_and_accepts_and_no_second_account_is_made(
    client, doctor, existing
):
    invitations.invite(doctor, name="Nia", email="nia@example.org")
    path = link_path()
    page = client.get(path).content.decode()
    assert "You already have an account: sign in to accept." in page
    login_url = f"{reverse('login')}?next={path}"
    assert f'href="{login_url}"' in page
    response = client.post(
        login_url,
        {"username": "nia@example.org", "password": factories.PASSWORD, "next": path},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == path
    assert "Accept: add Dr Inviter" in response.content.decode()
    home = client.post(path, follow=True).content.decode()
    assert "Dr Inviter is now on your care team" in home
    assert User.objects.filter(email__iexact="nia@example.org").count() == 1
    membership = CareTeamMembership.objects.get(patient=existing, clinician=doctor)
    assert membership.source == CareTeamMembership.Source.INVITATION
    assert membership.patient_name == "Nia Existing"
    assert membership.next_due == existing.regimens.get().next_due is not None
    assert existing.check_password(factories.PASSWORD)  # the link set no password
    client.force_login(doctor)
    assert "Nia Existing" in client.get(reverse("home")).content.decode()


def test_a_set_password_form_sent_to_an_existing_address_is_ignored(client, doctor, existing):
    invitations.invite(doctor, name="Nia", email="nia@example.org")
    client.post(link_path(), accept_form())
    existing.refresh_from_db()
    assert existing.check_password(factories.PASSWORD)
    assert not CareTeamMembership.objects.filter(patient=existing).exists()
    assert Invitation.objects.get().is_pending()


def test_another_signed_in_patient_cannot_accept_it(client, doctor, existing, other_patient):
    invitations.invite(doctor, name="Nia", email="nia@example.org")
    client.force_login(other_patient)
    response = client.post(link_path())
    assert "sent to another email address" in response.content.decode()
    assert not CareTeamMembership.objects.filter(clinician=doctor).exists()
    assert Invitation.objects.get().is_pending()


def test_accepting_when_already_on_the_team_keeps_the_one_membership(client, patient, clinician):
    invitation = invitations.invite(clinician, name="Pat", email="someone@example.org")
    Invitation.objects.filter(pk=invitation.pk).update(email=patient.email)
    client.force_login(patient)
    client.post(link_path("someone@example.org"))
    [membership] = CareTeamMembership.objects.filter(patient=patient)
    assert membership.source == CareTeamMembership.Source.ADMIN
    assert Invitation.objects.get().status() == "accepted"


def test_a_clinicians_address_cannot_take_an_invitation(client, doctor):
    colleague = factories.ClinicianFactory(email="colleague@example.org")
    invitations.invite(doctor, name="Colleague", email="colleague@example.org")
    path = link_path("colleague@example.org")
    response = client.post(path, accept_form())
    assert "cannot be used with the account of this address" in response.content.decode()
    client.force_login(colleague)
    client.post(path)
    assert not CareTeamMembership.objects.exists()
    assert User.objects.filter(email="colleague@example.org").count() == 1
