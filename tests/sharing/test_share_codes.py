"""A patient brings their own clinician in with a share code: create, enter, approve or
decline; codes that expire, are reused or cancelled; guessing throttled."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import CareTeamMembership
from sharing import actions, codes
from sharing.models import ShareCode, ShareCodeAttempt
from tests import factories
from tests.clock import frozen
from tests.sharing.helpers import create_code, enter_code, read, signed_in

pytestmark = pytest.mark.django_db

NOT_VALID = (
    "This code does not work. It may be mistyped, used already, cancelled or more than 24 "
    "hours old: check it with the patient, or ask them for a new one."
)


@pytest.fixture
def newcomer(db):
    """A clinician the patient wants to bring in: not on the care team yet."""
    return factories.ClinicianFactory(name="Dr New", email="new@example.org")


@pytest.fixture
def newcomer_client(newcomer):
    return signed_in(newcomer)


def care_team_page(patient_client):
    return read(patient_client.get(reverse("care_team")))


def test_a_new_code_is_shown_once_grouped_and_stored_only_as_a_hash(patient_client, patient):
    code = create_code(patient_client)

    row = ShareCode.objects.get(patient=patient)
    plain = code.replace("-", "")
    assert row.code_hash == codes.digest(plain) and plain not in row.code_hash
    assert row.status == ShareCode.Status.LIVE
    assert row.expires_at - row.created_at == timedelta(hours=24)
    for value in ShareCode.objects.values().get():
        assert plain not in str(value)
    again = care_team_page(patient_client)
    assert again.text("new-share-code") == []  # shown only once
    assert len(again.text("live-code")) == 1


def test_a_patient_holds_at_most_three_live_codes(patient_client, patient):
    for _ in range(actions.MAX_LIVE):
        create_code(patient_client)
    response = patient_client.post(reverse("share_code_new"), follow=True)
    page = read(response)

    assert page.text("new-share-code") == []
    assert any("You already have 3 codes waiting to be used" in alert for alert in page.alerts)
    assert ShareCode.objects.filter(patient=patient).count() == actions.MAX_LIVE
    assert page.text("code-limit") and "Create a share code" not in response.content.decode()


def test_an_entered_code_becomes_a_request_the_patient_sees(
    patient_client, patient, newcomer, newcomer_client
):
    code = create_code(patient_client)
    patient_client.get(reverse("home"))  # cached: the request must still show up on it

    # Typed as a person might: lower case, a space instead of the dash, O for 0.
    typed = code.lower().replace("-", " ").replace("0", "o")
    page = enter_code(newcomer_client, typed)

    assert any("Request sent. Pat Patient must approve it" in alert for alert in page.alerts)
    row = ShareCode.objects.get(patient=patient)
    assert (row.status, row.clinician) == (ShareCode.Status.PENDING, newcomer)
    assert not CareTeamMembership.objects.filter(clinician=newcomer).exists()
    requests = care_team_page(patient_client).text("share-request")
    assert len(requests) == 1 and "Dr New · new@example.org" in requests[0]
    assert care_team_page(patient_client).text("live-code") == []  # the code is used up
    home = read(patient_client.get(reverse("home")))
    assert home.text("care-team-requests") == [
        "Waiting for your approval: Dr New · new@example.org Approve or decline"
    ]
    # Nothing is shared yet.
    assert newcomer_client.get(reverse("patient_record", args=[patient.pk])).status_code == 404


def test_approving_puts_the_clinician_on_the_care_team(
    patient_client, patient, newcomer, newcomer_client
):
    regimen = factories.regimen_for(patient, patient.today() - timedelta(days=3))
    enter_code(newcomer_client, create_code(patient_client))
    row = ShareCode.objects.get(patient=patient)

    page = read(patient_client.post(reverse("share_request_approve", args=[row.pk]), follow=True))

    assert "Dr New (new@example.org) can now see your record." in page.alerts
    membership = CareTeamMembership.objects.get(patient=patient, clinician=newcomer)
    assert membership.source == CareTeamMembership.Source.SHARE_CODE
    # The copies the triage list sorts on are right from the start (clinic/triage.py).
    regimen.refresh_from_db()
    assert (membership.next_due, membership.patient_name) == (regimen.next_due, "Pat Patient")
    assert page.text("share-request") == []
    assert any("Dr New" in member for member in page.text("care-team-member"))
    triage = read(newcomer_client.get(reverse("home")))
    assert any("Pat Patient" in row for row in triage.text("triage-row"))
    record = newcomer_client.get(reverse("patient_record", args=[patient.pk]))
    assert record.status_code == 200 and "Pat Patient" in record.content.decode()
    assert read(patient_client.get(reverse("home"))).text("care-team-requests") == []


def test_declining_ends_the_request_and_shares_nothing(
    patient_client, patient, newcomer, newcomer_client
):
    enter_code(newcomer_client, create_code(patient_client))
    row = ShareCode.objects.get(patient=patient)

    page = read(patient_client.post(reverse("share_request_decline", args=[row.pk]), follow=True))

    assert "You declined the request of Dr New. They cannot see your record." in page.alerts
    assert page.text("share-request") == []
    assert ShareCode.objects.get(pk=row.pk).status == ShareCode.Status.DECLINED
    assert not CareTeamMembership.objects.filter(clinician=newcomer).exists()
    assert newcomer_client.get(reverse("patient_record", args=[patient.pk])).status_code == 404
    # A declined request cannot be approved afterwards.
    response = patient_client.post(reverse("share_request_approve", args=[row.pk]))
    assert response.status_code == 404
    assert not CareTeamMembership.objects.filter(clinician=newcomer).exists()


def test_a_code_works_once(patient_client, patient, newcomer_client):
    code = create_code(patient_client)
    enter_code(newcomer_client, code)
    second = factories.ClinicianFactory(name="Dr Second")

    page = enter_code(signed_in(second), code)

    assert page.errors == [NOT_VALID]
    assert ShareCode.objects.get(patient=patient).clinician.name == "Dr New"
    assert len(care_team_page(patient_client).text("share-request")) == 1


def test_a_code_stops_working_after_24_hours(patient_client, patient, newcomer_client):
    code = create_code(patient_client)

    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        page = enter_code(newcomer_client, code)
        assert page.errors == [NOT_VALID]
        assert care_team_page(patient_client).text("live-code") == []
    assert ShareCode.objects.get(patient=patient).status == ShareCode.Status.LIVE
    assert ShareCodeAttempt.objects.count() == 1


def test_a_cancelled_code_stops_working(patient_client, patient, newcomer_client):
    code = create_code(patient_client)
    row = ShareCode.objects.get(patient=patient)

    page = read(patient_client.post(reverse("share_code_cancel", args=[row.pk]), follow=True))
    assert "The code is cancelled: it no longer works." in page.alerts
    assert page.text("live-code") == []

    assert enter_code(newcomer_client, code).errors == [NOT_VALID]
    assert ShareCode.objects.get(pk=row.pk).status == ShareCode.Status.CANCELLED
    assert care_team_page(patient_client).text("share-request") == []


def test_something_that_cannot_be_a_code_is_explained_and_not_counted(newcomer_client):
    page = enter_code(newcomer_client, "ABC-12")

    assert page.errors == [
        "A share code is 8 letters and digits, such as 7K3M-Q9TX. Check it and try again."
    ]
    assert page.values["code"] == "ABC-12"  # what was typed stays in the field
    assert ShareCodeAttempt.objects.count() == 0


def test_guessing_is_throttled_per_clinician(patient_client, patient, newcomer, newcomer_client):
    code = create_code(patient_client)
    wrong = "ZZZZ-ZZZZ" if code != "ZZZZ-ZZZZ" else "YYYY-YYYY"
    start = timezone.now()
    with frozen(start):
        for _ in range(actions.MAX_FAILURES):
            assert enter_code(newcomer_client, wrong).errors == [NOT_VALID]

        # Even the right code is refused now, and the refusal is not counted.
        page = enter_code(newcomer_client, code)
        assert len(page.errors) == 1
        assert page.errors[0].startswith("Too many codes that did not work in the last hour.")
        assert ShareCode.objects.get(patient=patient).status == ShareCode.Status.LIVE
        assert ShareCodeAttempt.objects.count() == actions.MAX_FAILURES

        # Another clinician is not affected.
        other = signed_in(factories.ClinicianFactory(name="Dr Other"))
        assert enter_code(other, wrong).errors == [NOT_VALID]

    with frozen(start + timedelta(hours=1, seconds=1)):
        page = enter_code(newcomer_client, code)
        assert page.errors == []
        assert ShareCode.objects.get(patient=patient).clinician == newcomer


def test_a_clinician_already_on_the_team_is_told_so_and_nothing_is_duplicated(
    patient_client, patient, clinician
):
    code = create_code(patient_client)

    page = enter_code(signed_in(clinician), code)

    assert "Pat Patient is already on your patient list: the code was not needed." in page.alerts
    assert CareTeamMembership.objects.filter(patient=patient, clinician=clinician).count() == 1
    assert care_team_page(patient_client).text("share-request") == []


def test_a_second_code_from_the_same_clinician_does_not_make_a_second_request(
    patient_client, patient, newcomer_client
):
    enter_code(newcomer_client, create_code(patient_client))

    page = enter_code(newcomer_client, create_code(patient_client))

    assert "Your request to Pat Patient is already waiting for their approval." in page.alerts
    assert len(care_team_page(patient_client).text("share-request")) == 1


def test_approving_a_clinician_who_joined_meanwhile_duplicates_nothing(
    patient_client, patient, newcomer, newcomer_client
):
    enter_code(newcomer_client, create_code(patient_client))
    factories.CareTeamFactory(patient=patient, clinician=newcomer)  # an admin added them
    row = ShareCode.objects.get(patient=patient)

    page = read(patient_client.post(reverse("share_request_approve", args=[row.pk]), follow=True))

    assert "Dr New (new@example.org) is already on your care team: nothing changed." in page.alerts
    assert CareTeamMembership.objects.filter(patient=patient, clinician=newcomer).count() == 1
    assert page.text("share-request") == []


def test_a_patient_cannot_act_on_another_patients_codes(
    patient_client, other_patient, newcomer_client
):
    other_client = signed_in(other_patient)
    enter_code(newcomer_client, create_code(other_client))
    row = ShareCode.objects.get(patient=other_patient)

    for name in ("share_request_approve", "share_request_decline", "share_code_cancel"):
        assert patient_client.post(reverse(name, args=[row.pk])).status_code == 404
    assert ShareCode.objects.get(pk=row.pk).status == ShareCode.Status.PENDING
    assert not CareTeamMembership.objects.filter(patient=other_patient).exists()
