"""The OpenAPI schema: served at /api/v1/openapi.json, checked in as docs/api/openapi.json,
and Schemathesis's generated requests against it find no 500 and no answer outside it.

Schemathesis runs a bounded number of examples per operation, derandomized (the same
examples on every run), with a patient's write token, the patient's own id and the ids of
their own records, so that the requests reach the forms and the actions rather than stopping
at a 404."""

import json
from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api import auth, schema_file
from tests import factories

from .helpers import token_for

# Run `DJANGO_DEBUG=true python manage.py api_schema` after changing the API.
STALE = "docs/api/openapi.json is stale: run `DJANGO_DEBUG=true python manage.py api_schema`"


def test_the_schema_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "B12 log API"


def test_the_checked_in_schema_is_current(client):
    served = client.get("/api/v1/openapi.json").json()
    assert json.loads(schema_file.PATH.read_text()) == served, STALE
    assert schema_file.PATH.read_text() == schema_file.schema_text(), STALE


schema = schemathesis.openapi.from_dict(json.loads(schema_file.PATH.read_text()))
schema.app = get_wsgi_application()


@pytest.fixture
def one_connection():
    """Requests through the WSGI application keep the test's database connection, as through
    Django's test client: the end of a request would otherwise close it (on PostgreSQL, in
    the middle of the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def holder(db, monkeypatch, one_connection):
    """A patient with an active regimen, one injection, check-in, lab result and supply, and a
    token that may write, not throttled (tests/api/test_tokens.py tests the throttle)."""
    monkeypatch.setattr(auth, "RATE_PER_MINUTE", 10**6)
    patient = factories.PatientFactory(name="Sam Schema", email="sam@example.org")
    today = patient.today()
    regimen = factories.regimen_for(patient, today - timedelta(days=40))
    ids = {
        "dose_id": factories.give(regimen, regimen.next_due).pk,
        "checkin_id": factories.check_in(patient).pk,
        "lab_id": factories.LabResultFactory(patient=patient, taken_on=today).pk,
        "supply_id": factories.add_supply(
            patient, received_on=today, expires_on=today + timedelta(days=300)
        ).pk,
    }
    return patient, token_for(patient), ids


@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_schema(case, holder):
    patient, token, ids = holder
    meta = case.meta

    def negative(where) -> bool:
        return meta is not None and meta.is_negative_at(where)

    # Data made invalid on purpose stays as made: it must be refused.
    if not negative(ParameterLocation.PATH):
        for name, value in {"patient_id": patient.pk, **ids}.items():
            if name in (case.path_parameters or {}):
                case.path_parameters[name] = value
    headers = {} if negative(ParameterLocation.HEADER) else {"Authorization": f"Bearer {token}"}
    # A request may keep to the schema's shapes and still be refused (422) by the rules the
    # schema cannot state (a dose in the future, a supply expired already): that check is off.
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
