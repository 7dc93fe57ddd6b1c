"""Who may do what through the API: every route, for GET and POST, for each role of
tests/accounts/test_access.py (the same owner's record, the same people), each holding a
token that may write. The pages' rules hold; what differs is the answer to a stranger: 401
without a valid token instead of the sign-in page.

    UNAUTHORIZED  401 JSON; nothing changes
    NOT_FOUND     404, as for a record that does not exist; nothing changes
    NOT_ALLOWED   405: the method is wrong for everyone; nothing changes
    READS         200 with the owner's record; nothing changes
    CHANGES       201: the POST adds its record to the owner's
    OWN           200 with the user's own account, nothing of the owner's
    PUBLIC        200 for anyone, token or not (the schema)

A new API route fails test_every_api_route_is_in_the_matrix until it has its row.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import RecordView
from api.models import ApiToken
from doses.models import DoseLog
from labs import actions as lab_actions
from labs.models import LabResult
from regimens import reference
from supplies.models import Supply
from symptoms.models import SymptomEntry
from tests import factories
from tests.accounts.test_access import (
    ROLES,
    Record,
    build_record,
    make_people,
    owners_private_content,
    snapshot,
    url_patterns,
)

from . import helpers

UNAUTHORIZED = "401"
NOT_FOUND = "404"
NOT_ALLOWED = "405"
READS = "reads the record"
CHANGES = "changes the record"
OWN = "only their own"
PUBLIC = "public"


def only(**allowed) -> dict:
    return {**dict.fromkeys(ROLES, NOT_FOUND), "anonymous": UNAUTHORIZED, **allowed}


def everyone(outcome, **exceptions) -> dict:
    return {**dict.fromkeys(ROLES, outcome), **exceptions}


NO_GET = NO_POST = everyone(NOT_ALLOWED)
READERS = only(owner=READS, care_clinician=READS)
LAB_NOTE = "Drawn at the surgery"


def _dose(record) -> dict:
    site = reference.sites_for_route(record.regimen.route)[0]
    return {"administered_at": timezone.now().isoformat(), "site": site, "confirmed": True}


def _checkin(record) -> dict:
    return {**dict.fromkeys(SymptomEntry.SYMPTOMS, 4), "note": "API check-in"}


def _lab(record) -> dict:
    today = record.owner.today().isoformat()
    return {"analyte": "b12", "taken_on": today, "value": "280", "unit": "pg/mL"}


def _supply(record) -> dict:
    today = record.owner.today()
    return {
        "medication": record.regimen.medication,
        "concentration_mcg_per_ml": record.regimen.concentration_mcg_per_ml,
        "container_ml": "1",
        "count": 3,
        "expires_on": (today + timedelta(days=200)).isoformat(),
        "received_on": today.isoformat(),
    }


@dataclass(frozen=True)
class Route:
    get: dict
    post: dict
    takes_patient: bool = True
    body: object = None  # the POST's JSON for the owner's record
    adds: type | None = None  # the model a successful POST adds a row of
    shows: object = field(default=lambda record: [record.owner.name])


API_MATRIX = {
    "api:api-root": Route(get=everyone(NOT_FOUND), post=everyone(NOT_FOUND), takes_patient=False),
    # ninja serves the schema whatever the method: it is the same public document.
    "api:openapi-json": Route(get=everyone(PUBLIC), post=everyone(PUBLIC), takes_patient=False),
    "api:api_me": Route(
        get=everyone(OWN, anonymous=UNAUTHORIZED), post=NO_POST, takes_patient=False
    ),
    "api:api_regimen": Route(get=READERS, post=NO_POST, shows=lambda record: [record.regimen.name]),
    # The same address as api_log_dose (its POST).
    "api:api_doses": Route(
        get=READERS,
        post=only(owner=CHANGES, care_clinician=CHANGES),
        body=_dose,
        adds=DoseLog,
        shows=lambda record: [record.lot],
    ),
    "api:api_skip_dose": Route(
        get=NO_GET, post=only(owner=CHANGES), body=lambda r: {"reason_kind": "away"}, adds=DoseLog
    ),
    "api:api_checkins": Route(
        get=READERS,
        post=only(owner=CHANGES),
        body=_checkin,
        adds=SymptomEntry,
        shows=lambda record: [record.note],
    ),
    "api:api_labs": Route(
        get=READERS,
        post=only(owner=CHANGES, care_clinician=CHANGES),
        body=_lab,
        adds=LabResult,
        shows=lambda record: [LAB_NOTE],
    ),
    "api:api_supplies": Route(
        get=only(owner=READS),
        post=only(owner=CHANGES),
        body=_supply,
        adds=Supply,
        shows=lambda record: [record.supply.lot_number],
    ),
}


def api_routes():
    return {name: takes_id for name, takes_id in url_patterns() if name.startswith("api:")}


def path_of(name: str, patient_id=None) -> str:
    return reverse(name, kwargs={"patient_id": patient_id} if patient_id else {})


def test_every_api_route_is_in_the_matrix():
    """Every API address is a row (operations sharing an address share its row)."""
    paths = {path_of(name, 1 if takes_id else None) for name, takes_id in api_routes().items()}
    rows = {path_of(name, 1 if r.takes_patient else None) for name, r in API_MATRIX.items()}
    assert paths == rows
    for route in API_MATRIX.values():
        assert set(route.get) == set(route.post) == set(ROLES)


@dataclass
class World:
    people: dict
    tokens: dict
    record: Record
    theirs: Record


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The people of the page matrix, each with a token that may write, built once."""
    with django_db_blocker.unblock(), transaction.atomic():
        people = make_people()
        record = build_record(people["owner"])
        theirs = build_record(people["other_patient"], factories.UK_TEMPLATE)
        owner = people["owner"]
        lab_actions.record_lab(
            owner,
            owner,
            analyte="b12",
            taken_on=owner.today() - timedelta(days=10),
            value=Decimal("250"),
            unit="pg/mL",
            note=LAB_NOTE,
        )
        tokens = {
            role: helpers.token_for(user, ApiToken.Scope.WRITE)
            for role, user in people.items()
            if user is not None
        }
        yield World(people, tokens, record, theirs)
        transaction.set_rollback(True)


def cases(method):
    return [
        pytest.param(name, role, id=f"{name}-{method}-{role}")
        for name, route in API_MATRIX.items()
        for role in ROLES
    ]


def _send(client, world, name, method, role):
    route = API_MATRIX[name]
    path = path_of(name, world.record.owner.pk if route.takes_patient else None)
    token = world.tokens.get(role)
    auth = helpers.headers(token) if token else {}
    if method == "GET":
        return client.get(path, **auth)
    body = route.body(world.record) if route.body else {}
    return client.post(path, data=body, content_type="application/json", **auth)


def _check(client, world, name, method, role):
    route = API_MATRIX[name]
    expected = route.get if method == "GET" else route.post
    outcome = expected[role]
    before = snapshot()
    owner_rows = route.adds.objects.filter(patient=world.record.owner).count() if route.adds else 0
    views = RecordView.objects.count()
    response = _send(client, world, name, method, role)
    content = response.content.decode()
    if outcome == CHANGES:
        assert response.status_code == 201, content
        assert route.adds.objects.filter(patient=world.record.owner).count() == owner_rows + 1
        return
    assert snapshot() == before
    if outcome == UNAUTHORIZED:
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"
    elif outcome == NOT_FOUND:
        assert response.status_code == 404
    elif outcome == NOT_ALLOWED:
        assert response.status_code == 405
    elif outcome == READS:
        assert response.status_code == 200
        for text in route.shows(world.record):
            assert text in content
        actor = world.people[role]
        if actor != world.record.owner:  # a clinician's read is in "Who looked at my record"
            assert RecordView.objects.filter(patient=world.record.owner, viewer=actor).exists()
        else:
            assert RecordView.objects.count() == views
    elif outcome == OWN:
        assert response.status_code == 200
        assert response.json()["id"] == world.people[role].pk
    elif outcome == PUBLIC:
        assert response.status_code == 200
    if outcome == OWN:  # a care-team clinician's own account lists their patients' names
        assert world.record.lot not in content and world.record.note not in content
    elif outcome != READS:
        for text in [*owners_private_content(world.record), LAB_NOTE]:
            assert text not in content


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), cases("GET"))
def test_get(client, world, name, role):
    _check(client, world, name, "GET", role)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), cases("POST"))
def test_post(client, world, name, role):
    _check(client, world, name, "POST", role)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", [name for name, route in API_MATRIX.items() if CHANGES in route.post.values()]
)
def test_a_read_only_token_changes_nothing(client, world, name):
    token = helpers.token_for(world.record.owner, ApiToken.Scope.READ)
    route = API_MATRIX[name]
    before = snapshot()
    response = client.post(
        path_of(name, world.record.owner.pk),
        data=route.body(world.record),
        content_type="application/json",
        **helpers.headers(token),
    )
    assert response.status_code == 403
    assert snapshot() == before
