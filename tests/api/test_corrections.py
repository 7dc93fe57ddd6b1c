"""Records by id through the API: read, corrected (the previous version kept, with the
reason) and deleted as on their pages; a carer's writes recorded as theirs; a pharmacist
reads and changes nothing."""

import json
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest

from accounts.models import RecordView
from doses.models import DoseLog
from labs.models import LabResult
from supplies.models import Supply
from tests import factories
from tests.clock import NEW_YORK, frozen

from .helpers import get, headers, post, token_for

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 3, 10).date()


@pytest.fixture
def regimen(patient):
    with frozen(TODAY - timedelta(days=40)):
        return factories.regimen_for(patient, TODAY - timedelta(days=40))


@pytest.fixture
def carer(patient):
    person = factories.CarerFactory(name="Cara Carer", email="cara@example.org")
    factories.CareTeamFactory(patient=patient, clinician=person)
    return person


@pytest.fixture
def pharmacist(patient):
    person = factories.PharmacistFactory(name="Phil Pharmacist", email="phil@example.org")
    factories.CareTeamFactory(patient=patient, clinician=person)
    return person


def patch(client, path, token, body):
    return client.patch(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **headers(token)
    )


def delete(client, path, token, reason=""):
    return client.delete(f"/api/v1{path}?reason={reason}", **headers(token))


def _at(day, hour=9):
    return datetime.combine(day, time(hour), tzinfo=NEW_YORK).isoformat()


def test_a_carer_logs_an_injection_recorded_by_them_as_given_by_a_carer(
    client, patient, carer, regimen
):
    token = token_for(carer)
    body = {"administered_at": _at(regimen.next_due), "site": "LD", "route": "IM"}
    with frozen(datetime.combine(regimen.next_due, time(10), tzinfo=NEW_YORK)):
        me = get(client, "/me", token).json()
        response = post(client, f"/patients/{patient.pk}/doses", token, body)
    assert [p["name"] for p in me["patients"]] == ["Pat Patient"]
    assert response.status_code == 201, response.json()
    dose = DoseLog.objects.get(pk=response.json()["id"])
    assert dose.administered_by == DoseLog.AdministeredBy.CARER
    assert dose.recorded_by == carer


def test_a_dose_corrected_keeps_its_previous_version_and_reason(client, patient, regimen):
    with frozen(datetime.combine(TODAY, time(12), tzinfo=NEW_YORK)):
        dose = factories.give(regimen, regimen.next_due, lot_number="LOT-OLD")
        token = token_for(patient)
        path = f"/patients/{patient.pk}/doses/{dose.pk}"
        response = patch(client, path, token, {"lot_number": "LOT-NEW", "reason": "Typo"})
        shown = get(client, path, token).json()
    assert response.status_code == 200, response.json()
    assert shown["lot_number"] == "LOT-NEW"
    assert shown["site"] == dose.site  # what was not sent stays as it was
    version = dose.versions.get()
    assert version.previous["lot_number"] == "LOT-OLD"
    assert version.reason == "Typo"
    assert version.changed_by == patient


def test_a_correction_with_bad_values_is_422_with_messages_and_changes_nothing(
    client, patient, regimen
):
    with frozen(datetime.combine(TODAY, time(12), tzinfo=NEW_YORK)):
        dose = factories.give(regimen, regimen.next_due, lot_number="LOT-OLD")
        token = token_for(patient)
        path = f"/patients/{patient.pk}/doses/{dose.pk}"
        future = patch(client, path, token, {"administered_at": _at(TODAY + timedelta(days=9))})
        malformed = patch(client, path, token, {"dose_mcg": "a lot"})
        not_an_object = patch(client, path, token, [1, 2])
        a_number = patch(client, path, token, {"administered_at": 0})
    assert future.status_code == 422
    assert future.json()["errors"]
    assert malformed.status_code == 422
    assert "dose_mcg" in malformed.json()["errors"]
    assert not_an_object.status_code == 422
    assert a_number.status_code == 422
    assert "administered_at" in a_number.json()["errors"]
    assert not dose.versions.exists()
    assert DoseLog.objects.get(pk=dose.pk).lot_number == "LOT-OLD"


def test_a_deleted_dose_keeps_its_reason_and_is_then_not_found(client, patient, carer, regimen):
    with frozen(datetime.combine(TODAY, time(12), tzinfo=NEW_YORK)):
        dose = factories.give(regimen, regimen.next_due)
        token = token_for(carer)
        path = f"/patients/{patient.pk}/doses/{dose.pk}"
        deleted = delete(client, path, token, "Entered+twice")
        again = get(client, path, token)
        listed = get(client, f"/patients/{patient.pk}/doses", token).json()
    assert deleted.status_code == 204
    assert again.status_code == 404
    assert listed == []
    version = dose.versions.get()
    assert (version.reason, version.changed_by) == ("Entered twice", carer)


def test_a_clinician_corrects_a_lab_result_and_its_value_is_checked_as_on_the_page(
    client, patient, clinician
):
    with frozen(datetime.combine(TODAY, time(12), tzinfo=NEW_YORK)):
        lab = factories.LabResultFactory(patient=patient, taken_on=TODAY, value=Decimal("250"))
        token = token_for(clinician)
        path = f"/patients/{patient.pk}/labs/{lab.pk}"
        refused = patch(client, path, token, {"value": "not a number"})
        corrected = patch(client, path, token, {"value": "415", "reason": "Typing error"})
    assert refused.status_code == 422
    assert "value" in refused.json()["errors"]
    assert corrected.status_code == 200, corrected.json()
    assert corrected.json()["value"] == "415"
    assert LabResult.objects.get(pk=lab.pk).versions.get().reason == "Typing error"


def test_a_carer_corrects_a_supply_and_an_expiry_already_past_is_refused(
    client, patient, carer, regimen
):
    with frozen(datetime.combine(TODAY, time(12), tzinfo=NEW_YORK)):
        supply = factories.add_supply(
            patient, received_on=TODAY, expires_on=TODAY + timedelta(days=200)
        )
        token = token_for(carer)
        path = f"/patients/{patient.pk}/supplies/{supply.pk}"
        past = patch(client, path, token, {"expires_on": (TODAY - timedelta(days=1)).isoformat()})
        corrected = patch(client, path, token, {"count": 2, "reason": "Two used"})
    assert past.status_code == 422
    assert "expires_on" in past.json()["errors"]
    assert corrected.status_code == 200, corrected.json()
    assert Supply.objects.get(pk=supply.pk).count == 2


def test_a_pharmacist_reads_a_dose_logged_and_cannot_change_it(
    client, patient, pharmacist, regimen
):
    with frozen(datetime.combine(TODAY, time(12), tzinfo=NEW_YORK)):
        dose = factories.give(regimen, regimen.next_due, lot_number="LOT-OLD")
        token = token_for(pharmacist)
        path = f"/patients/{patient.pk}/doses/{dose.pk}"
        read = get(client, path, token)
        changed = patch(client, path, token, {"lot_number": "LOT-NEW"})
        deleted = delete(client, path, token)
    assert read.status_code == 200
    assert read.json()["lot_number"] == "LOT-OLD"
    assert RecordView.objects.get(patient=patient, viewer=pharmacist).what == "API: an injection"
    assert (changed.status_code, deleted.status_code) == (404, 404)
    assert DoseLog.objects.get(pk=dose.pk).deleted_at is None
    assert not dose.versions.exists()


def test_another_patients_record_id_is_not_found_through_this_patients_address(
    client, patient, other_patient, regimen
):
    with frozen(datetime.combine(TODAY, time(12), tzinfo=NEW_YORK)):
        theirs = factories.LabResultFactory(patient=other_patient, taken_on=TODAY)
        response = get(client, f"/patients/{patient.pk}/labs/{theirs.pk}", token_for(patient))
        changed = patch(
            client, f"/patients/{patient.pk}/labs/{theirs.pk}", token_for(patient), {"value": "1"}
        )
    assert (response.status_code, changed.status_code) == (404, 404)
