"""The API's list reads make the same number of queries however long the history is."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.clock import NEW_YORK, frozen

from .helpers import get, token_for

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 3, 10).date()
LISTS = ("doses", "checkins", "labs", "supplies")


def queries_of(client, patient, token, what: str) -> tuple[int, int]:
    moment = datetime.combine(TODAY, time(12), tzinfo=NEW_YORK)
    with frozen(moment), CaptureQueriesContext(connection) as captured:
        response = get(client, f"/patients/{patient.pk}/{what}", token)
    assert response.status_code == 200
    body = response.json()
    return len(captured), len(body) if isinstance(body, list) else 0


def grow(patient, regimen, days: int) -> None:
    start = TODAY - timedelta(days=days)
    for offset in range(days):
        day = start + timedelta(days=offset)
        with frozen(datetime.combine(day, time(12), tzinfo=NEW_YORK)):
            factories.give(regimen, day)
            factories.check_in(patient, score=offset % 10)
            factories.LabResultFactory(patient=patient, taken_on=day)
            factories.add_supply(
                patient,
                received_on=day,
                expires_on=day + timedelta(days=365),
                lot_number=f"L{offset}",
            )


@pytest.mark.parametrize("what", LISTS)
def test_a_list_costs_the_same_queries_for_two_entries_or_twenty(client, patient, what):
    with frozen(TODAY - timedelta(days=30)):
        regimen = factories.regimen_for(patient, TODAY - timedelta(days=30))
    token = token_for(patient)
    grow(patient, regimen, 2)
    queries_of(client, patient, token, "regimen")  # the token's first use is written once
    few, shown_few = queries_of(client, patient, token, what)
    grow(patient, regimen, 20)
    many, shown_many = queries_of(client, patient, token, what)
    assert shown_many > shown_few  # the longer history is really listed
    assert many == few


# One record by id, however long the history: the token (1), the patient admitted (1), the
# record (1); a team member's read adds its "Who looked at my record" row (1 statement).
BY_ID = {"doses": 3, "checkins": 3, "labs": 3, "supplies": 3}


def _first_ids(patient) -> dict:
    return {
        "doses": patient.doses.first().pk,
        "checkins": patient.checkins.first().pk,
        "labs": patient.labs.first().pk,
        "supplies": patient.supplies.first().pk,
    }


@pytest.mark.parametrize("what", LISTS)
def test_a_record_by_id_costs_a_fixed_number_of_queries(client, patient, what):
    with frozen(TODAY - timedelta(days=30)):
        regimen = factories.regimen_for(patient, TODAY - timedelta(days=30))
    carer = factories.CarerFactory()
    factories.CareTeamFactory(patient=patient, clinician=carer)
    grow(patient, regimen, 3)
    record_id = _first_ids(patient)[what]
    own, theirs = token_for(patient), token_for(carer)
    for token in (own, theirs):
        queries_of(client, patient, token, "regimen")  # each token's first use is written once
    assert queries_of(client, patient, own, f"{what}/{record_id}")[0] == BY_ID[what]
    assert queries_of(client, patient, theirs, f"{what}/{record_id}")[0] == BY_ID[what] + 1
