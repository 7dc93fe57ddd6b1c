"""Reading and writing a record through the API: the pages' validation, idempotency, the
early-dose confirmation and the audit of a clinician's reads."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import RecordView
from doses.models import DoseLog
from labs.models import LabResult
from supplies.models import Supply
from symptoms.models import SymptomEntry
from tests import factories
from tests.clock import NEW_YORK, frozen

from .helpers import get, post, token_for

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 3, 10).date()


@pytest.fixture
def regimen(patient):
    with frozen(TODAY):
        return factories.regimen_for(patient, TODAY - timedelta(days=40))


def _at(day, hour=9):
    return datetime.combine(day, time(hour), tzinfo=NEW_YORK).isoformat()


def test_the_regimen_with_its_phases_next_due_and_upcoming_dates(client, patient, regimen):
    token = token_for(patient)
    with frozen(TODAY):
        response = get(client, f"/patients/{patient.pk}/regimen", token)
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == regimen.name
    assert [p["id"] for p in body["phases"]] == [p.pk for p in regimen.ordered_phases]
    assert body["next_due"] == regimen.next_due.isoformat()
    assert body["upcoming"][0]["date"] == regimen.next_due.isoformat()
    assert len(body["upcoming"]) == 5


def test_a_dose_is_recorded_once_for_one_idempotency_key(client, patient, regimen):
    token = token_for(patient)
    body = {"administered_at": _at(regimen.next_due), "site": "LD", "route": "IM"}
    with frozen(regimen.next_due, 10):
        first = post(client, f"/patients/{patient.pk}/doses", token, body, key="phone-1")
        again = post(client, f"/patients/{patient.pk}/doses", token, body, key="phone-1")
    assert first.status_code == 201, first.json()
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert DoseLog.objects.filter(patient=patient).count() == 1
    assert first.json()["dose_mcg"] == regimen.current_phase.dose_mcg  # the phase's, by default


def test_a_second_dose_that_day_is_409_with_its_consequences_until_confirmed(
    client, patient, regimen
):
    token = token_for(patient)
    day = regimen.next_due
    factories.give(regimen, day, 8)
    body = {"administered_at": _at(day, 9), "site": "RD", "route": "IM"}
    with frozen(day, 10):
        refused = post(client, f"/patients/{patient.pk}/doses", token, body, key="k")
        assert refused.status_code == 409
        assert refused.json()["second"] is True
        assert refused.json()["consequences"]
        assert DoseLog.objects.filter(patient=patient).count() == 1
        confirmed = post(
            client, f"/patients/{patient.pk}/doses", token, {**body, "confirmed": True}, key="k"
        )
    assert confirmed.status_code == 201
    assert DoseLog.objects.get(pk=confirmed.json()["id"]).confirmed_second


def test_invalid_values_are_422_with_the_pages_messages_and_change_nothing(
    client, patient, regimen
):
    token = token_for(patient)
    future = regimen.next_due + timedelta(days=400)
    with frozen(TODAY):
        response = post(
            client,
            f"/patients/{patient.pk}/doses",
            token,
            {"administered_at": _at(future), "site": "XX", "route": "IM", "dose_mcg": 0},
        )
        malformed = post(client, f"/patients/{patient.pk}/doses", token, {"dose_mcg": "a lot"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) >= {"site"}
    assert malformed.status_code == 422
    assert "administered_at" in malformed.json()["errors"]
    assert not DoseLog.objects.filter(patient=patient).exists()


def test_skip_checkin_lab_and_supply(client, patient, regimen):
    token = token_for(patient)
    base = f"/patients/{patient.pk}"
    with frozen(TODAY):
        skip = post(client, f"{base}/skips", token, {"reason_kind": "away"})
        checkin = post(
            client,
            f"{base}/checkins",
            token,
            {**dict.fromkeys(SymptomEntry.SYMPTOMS, 3), "note": "Tired"},
        )
        lab = post(
            client,
            f"{base}/labs",
            token,
            {"analyte": "b12", "taken_on": TODAY.isoformat(), "value": "310", "unit": "pg/mL"},
        )
        supply = post(
            client,
            f"{base}/supplies",
            token,
            {
                "medication": regimen.medication,
                "concentration_mcg_per_ml": 1000,
                "container_ml": "1",
                "count": 5,
                "expires_on": (TODAY + timedelta(days=300)).isoformat(),
                "received_on": TODAY.isoformat(),
            },
        )
        listed = {
            kind: get(client, f"{base}/{kind}", token).json()
            for kind in ("doses", "checkins", "labs", "supplies")
        }
    assert skip.status_code == 201, skip.json()
    assert skip.json()["status"] == DoseLog.Status.SKIPPED
    assert checkin.status_code == 201, checkin.json()
    assert lab.status_code == 201, lab.json()
    assert supply.status_code == 201, supply.json()
    assert LabResult.objects.get(patient=patient).value == Decimal("310")
    assert Supply.objects.get(patient=patient).count == 5
    assert [row["id"] for row in listed["doses"]] == [skip.json()["id"]]
    assert [row["id"] for row in listed["checkins"]] == [checkin.json()["id"]]
    assert listed["labs"][0]["value"] == "310"
    assert listed["supplies"][0]["container_ml"] == "1.00"


def test_a_supply_already_expired_is_refused_as_on_the_page(client, patient, regimen):
    token = token_for(patient)
    with frozen(TODAY):
        response = post(
            client,
            f"/patients/{patient.pk}/supplies",
            token,
            {
                "medication": regimen.medication,
                "concentration_mcg_per_ml": 1000,
                "container_ml": "1",
                "count": 5,
                "expires_on": (TODAY - timedelta(days=1)).isoformat(),
                "received_on": TODAY.isoformat(),
            },
        )
    assert response.status_code == 422
    assert "expired" in response.json()["errors"]["expires_on"][0]
    assert not Supply.objects.exists()


def test_a_clinician_reading_through_the_api_is_logged_like_a_page_view(
    client, patient, clinician, regimen
):
    token = token_for(clinician)
    with frozen(TODAY):
        response = get(client, f"/patients/{patient.pk}/doses", token)
    assert response.status_code == 200
    view = RecordView.objects.get(patient=patient)
    assert view.viewer == clinician
    assert view.what == "API: injections"
    # The patient reading their own record is not logged.
    get(client, f"/patients/{patient.pk}/labs", token_for(patient))
    assert RecordView.objects.count() == 1


def test_a_clinician_records_a_dose_given_in_clinic(client, patient, clinician, regimen):
    token = token_for(clinician)
    body = {"administered_at": _at(regimen.next_due), "site": "LD", "route": "IM"}
    with frozen(regimen.next_due, 10):
        response = post(client, f"/patients/{patient.pk}/doses", token, body)
    assert response.status_code == 201, response.json()
    dose = DoseLog.objects.get(pk=response.json()["id"])
    assert dose.administered_by == DoseLog.AdministeredBy.CLINIC
    assert dose.recorded_by == clinician


def test_a_bearer_token_needs_no_csrf_token_and_a_session_is_not_enough(patient, regimen):
    browser = Client(enforce_csrf_checks=True)
    token = token_for(patient)
    body = {**dict.fromkeys(SymptomEntry.SYMPTOMS, 1)}
    with frozen(TODAY):
        assert post(browser, f"/patients/{patient.pk}/checkins", token, body).status_code == 201
        # Signed in on the site, without a token: the API does not take the session cookie.
        browser.force_login(patient)
        assert get(browser, f"/patients/{patient.pk}/doses", None).status_code == 401
        refused = post(browser, f"/patients/{patient.pk}/checkins", None, body)
    assert refused.status_code == 401
    assert SymptomEntry.objects.filter(patient=patient).count() == 1


def test_an_idempotency_key_too_long_is_refused(client, patient, regimen):
    token = token_for(patient)
    body = {**dict.fromkeys(SymptomEntry.SYMPTOMS, 1)}
    with frozen(TODAY):
        response = post(client, f"/patients/{patient.pk}/checkins", token, body, key="k" * 256)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["errors"]
    assert not SymptomEntry.objects.exists()
