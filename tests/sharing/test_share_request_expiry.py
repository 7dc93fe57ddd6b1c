"""A request a clinician made with a share code waits 14 days for the patient's approval, then
expires: it can no longer be approved, is shown as expired, and is not counted as waiting."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from accounts.models import CareTeamMembership
from sharing.models import REQUEST_LIFETIME, ShareCode
from tests import factories
from tests.clock import frozen
from tests.sharing.helpers import create_code, enter_code, read, signed_in

pytestmark = pytest.mark.django_db

ENTERED = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def newcomer_client(db):
    return signed_in(factories.ClinicianFactory(name="Dr New", email="new@example.org"))


@pytest.fixture
def request_row(patient, patient_client, newcomer_client):
    with frozen(ENTERED):
        enter_code(newcomer_client, create_code(patient_client))
    return ShareCode.objects.get(patient=patient, status=ShareCode.Status.PENDING)


def test_a_request_still_waits_just_before_fourteen_days(patient_client, request_row):
    with frozen(ENTERED + REQUEST_LIFETIME - (REQUEST_LIFETIME / 14 / 24)):
        home = read(patient_client.get(reverse("home")))
        page = read(patient_client.get(reverse("care_team")))
    assert len(home.text("care-team-requests")) == 1
    assert len(page.text("share-request")) == 1 and page.text("expired-request") == []


def test_an_expired_request_is_shown_as_expired_and_not_as_waiting(patient_client, request_row):
    with frozen(ENTERED + REQUEST_LIFETIME):
        home = read(patient_client.get(reverse("home")))
        page = read(patient_client.get(reverse("care_team")))

    assert home.text("care-team-requests") == []
    assert page.text("share-request") == []
    assert page.text("expired-request") == [
        "Dr New · new@example.org Entered your share code on Mon 1 Jun 2026; the request "
        "expired on Mon 15 Jun 2026. Remove from this list Dr New"
    ]


def test_an_expired_request_cannot_be_approved(patient, patient_client, request_row):
    with frozen(ENTERED + REQUEST_LIFETIME):
        response = patient_client.post(
            reverse("share_request_approve", args=[request_row.pk]), follow=True
        )
    page = read(response)

    assert (
        "The request from Dr New expired on 15 June 2026 and can no longer be approved. "
        "To share your record, give them a new share code."
    ) in page.alerts
    assert not CareTeamMembership.objects.filter(patient=patient, clinician__name="Dr New")
    assert ShareCode.objects.get(pk=request_row.pk).status == ShareCode.Status.PENDING


def test_removing_an_expired_request_closes_it_as_expired(patient_client, request_row):
    with frozen(ENTERED + REQUEST_LIFETIME):
        response = patient_client.post(
            reverse("share_request_decline", args=[request_row.pk]), follow=True
        )
    page = read(response)

    assert "The expired request of Dr New is removed. They cannot see your record." in page.alerts
    assert ShareCode.objects.get(pk=request_row.pk).status == ShareCode.Status.EXPIRED
    assert page.text("expired-request") == []


def test_the_clinician_can_ask_again_with_a_new_code_after_expiry(
    patient, patient_client, newcomer_client, request_row
):
    with frozen(ENTERED + REQUEST_LIFETIME):
        page = enter_code(newcomer_client, create_code(patient_client))
        care_team = read(patient_client.get(reverse("care_team")))

    assert any("Request sent. Pat Patient must approve it" in alert for alert in page.alerts)
    assert ShareCode.objects.get(pk=request_row.pk).status == ShareCode.Status.EXPIRED
    assert len(care_team.text("share-request")) == 1
    assert care_team.text("expired-request") == []
