"""Who may do what through the API: every route, for GET, POST, PATCH and DELETE, for each
role of tests/accounts/test_access.py (the same owner's record, the same people) and a
pharmacist on another patient's care team only, each holding a token that may write. The
pages' rules hold (api/access.py, DESIGN's "Who sees what"); what differs is the answer to a
stranger: 401 without a valid token instead of the sign-in page.

    UNAUTHORIZED  401 JSON; nothing changes
    NOT_FOUND     404, as for a record that does not exist; nothing changes
    NOT_ALLOWED   405: the method is wrong for everyone; nothing changes
    READS         200 with the owner's record; nothing changes
    CHANGES       a POST adds its record to the owner's (201); a PATCH corrects the owner's
                  record, keeping the previous version (200); a DELETE deletes it (204)
    OWN           200 with the user's own account, nothing of the owner's
    PUBLIC        200 for anyone, token or not (the schema)

A new API route or method fails test_every_api_operation_is_in_the_matrix until it has its
row.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import RecordView
from api.api import api
from api.models import ApiToken
from doses.models import DoseLog
from labs import actions as lab_actions
from labs.models import LabResult
from regimens import reference
from supplies.models import Supply
from symptoms.models import SymptomEntry
from tests import factories
from tests.accounts import test_access as pages

from . import helpers

# The page matrix's roles, and a pharmacist who serves the other patient, not the owner.
ROLES = (*pages.ROLES, "other_pharmacist")
METHODS = ("GET", "POST", "PATCH", "DELETE")

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


NO_METHOD = everyone(NOT_ALLOWED)
# Who reads injections, check-ins and labs: the patient and everyone on their care team.
READERS = only(owner=READS, care_clinician=READS, care_pharmacist=READS, carer=READS)
CHECKIN_READERS = only(owner=READS, care_clinician=READS, carer=READS)
LAB_NOTE = "Drawn at the surgery"
PATCHED_LOT = "LOT-API-FIXED"
PATCHED_LAB_VALUE = Decimal("415")
PATCHED_COUNT = 4
REASON = "Entered by mistake"


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


def _patched_dose(world) -> bool:
    dose = DoseLog.objects.get(pk=world.record.dose.pk)
    return dose.lot_number == PATCHED_LOT and dose.versions.filter(reason=REASON).exists()


def _deleted_dose(world) -> bool:
    dose = DoseLog.objects.get(pk=world.record.dose.pk)
    return dose.deleted_at is not None and dose.versions.filter(reason=REASON).exists()


def _patched_lab(world) -> bool:
    lab = LabResult.objects.get(pk=world.lab.pk)
    return lab.value == PATCHED_LAB_VALUE and lab.versions.filter(reason=REASON).exists()


def _deleted_lab(world) -> bool:
    lab = LabResult.objects.get(pk=world.lab.pk)
    return lab.deleted_at is not None and lab.versions.filter(reason=REASON).exists()


def _patched_supply(world) -> bool:
    supply = Supply.objects.get(pk=world.record.supply.pk)
    return supply.count == PATCHED_COUNT and supply.versions.filter(reason=REASON).exists()


def _deleted_supply(world) -> bool:
    supply = Supply.objects.get(pk=world.record.supply.pk)
    return supply.deleted_at is not None and supply.versions.filter(reason=REASON).exists()


@dataclass(frozen=True)
class Route:
    get: dict
    post: dict = field(default_factory=lambda: NO_METHOD)
    patch: dict = field(default_factory=lambda: NO_METHOD)
    delete: dict = field(default_factory=lambda: NO_METHOD)
    takes_patient: bool = True
    # A record's address: the name of its id and the id of the owner's record.
    id_name: str = ""
    record_id: Callable | None = None
    body: Callable | None = None  # the POST's JSON for the owner's record
    adds: type | None = None  # the model a successful POST adds a row of
    patch_body: dict | None = None
    patched: Callable | None = None  # (world) -> whether the PATCH corrected the owner's record
    deleted: Callable | None = None  # (world) -> whether the DELETE deleted it
    shows: Callable = lambda world: [world.record.owner.name]

    def outcomes(self, method: str) -> dict:
        return getattr(self, method.lower())


API_MATRIX = {
    "api:api-root": Route(
        get=everyone(NOT_FOUND),
        post=everyone(NOT_FOUND),
        patch=everyone(NOT_FOUND),
        delete=everyone(NOT_FOUND),
        takes_patient=False,
    ),
    # ninja serves the schema whatever the method: it is the same public document.
    "api:openapi-json": Route(
        get=everyone(PUBLIC),
        post=everyone(PUBLIC),
        patch=everyone(PUBLIC),
        delete=everyone(PUBLIC),
        takes_patient=False,
    ),
    "api:api_me": Route(get=everyone(OWN, anonymous=UNAUTHORIZED), takes_patient=False),
    "api:api_regimen": Route(get=READERS, shows=lambda world: [world.record.regimen.name]),
    # The same address as api_log_dose (its POST). A clinician records injections given in
    # clinic; a carer's are recorded "by a carer"; a pharmacist reads.
    "api:api_doses": Route(
        get=READERS,
        post=only(owner=CHANGES, care_clinician=CHANGES, carer=CHANGES),
        body=_dose,
        adds=DoseLog,
        shows=lambda world: [world.record.lot],
    ),
    # Correcting or deleting an injection is the patient's or their carer's, as on its page.
    "api:api_dose": Route(
        get=READERS,
        patch=only(owner=CHANGES, carer=CHANGES),
        delete=only(owner=CHANGES, carer=CHANGES),
        id_name="dose_id",
        record_id=lambda world: world.record.dose.pk,
        patch_body={"lot_number": PATCHED_LOT, "reason": REASON},
        patched=_patched_dose,
        deleted=_deleted_dose,
        shows=lambda world: [world.record.lot],
    ),
    "api:api_skip_dose": Route(
        get=NO_METHOD,
        post=only(owner=CHANGES, carer=CHANGES),
        body=lambda r: {"reason_kind": "away"},
        adds=DoseLog,
    ),
    # Check-ins: not a pharmacist's, whose page leaves them out too (clinic/views/pharmacy.py).
    "api:api_checkins": Route(
        get=CHECKIN_READERS,
        post=only(owner=CHANGES, carer=CHANGES),
        body=_checkin,
        adds=SymptomEntry,
        shows=lambda world: [world.record.note],
    ),
    # Check-ins are not corrected or deleted (nor on the pages).
    "api:api_checkin": Route(
        get=CHECKIN_READERS,
        id_name="checkin_id",
        record_id=lambda world: world.record.checkin.pk,
        shows=lambda world: [world.record.note],
    ),
    "api:api_labs": Route(
        get=READERS,
        post=only(owner=CHANGES, care_clinician=CHANGES),
        body=_lab,
        adds=LabResult,
        shows=lambda world: [LAB_NOTE],
    ),
    "api:api_lab": Route(
        get=READERS,
        patch=only(owner=CHANGES, care_clinician=CHANGES),
        delete=only(owner=CHANGES, care_clinician=CHANGES),
        id_name="lab_id",
        record_id=lambda world: world.lab.pk,
        patch_body={"value": str(PATCHED_LAB_VALUE), "reason": REASON},
        patched=_patched_lab,
        deleted=_deleted_lab,
        shows=lambda world: [LAB_NOTE],
    ),
    # Supplies: the patient's and their carer's; a pharmacist reads them.
    "api:api_supplies": Route(
        get=only(owner=READS, care_pharmacist=READS, carer=READS),
        post=only(owner=CHANGES, carer=CHANGES),
        body=_supply,
        adds=Supply,
        shows=lambda world: [world.record.supply.lot_number],
    ),
    "api:api_supply": Route(
        get=only(owner=READS, care_pharmacist=READS, carer=READS),
        patch=only(owner=CHANGES, carer=CHANGES),
        delete=only(owner=CHANGES, carer=CHANGES),
        id_name="supply_id",
        record_id=lambda world: world.record.supply.pk,
        patch_body={"count": PATCHED_COUNT, "reason": REASON},
        patched=_patched_supply,
        deleted=_deleted_supply,
        shows=lambda world: [world.record.supply.lot_number],
    ),
}


def api_addresses() -> set[str]:
    """Every named API address, with 1 for the patient's id and 2 for a record's."""
    found = set()
    for pattern in api.urls[0]:
        ids = {name: 1 if name == "patient_id" else 2 for name in pattern.pattern.regex.groupindex}
        found.add(reverse(f"api:{pattern.name}", kwargs=ids))
    return found


def path_of(name: str, patient_id=None, record_id=None) -> str:
    route = API_MATRIX[name]
    kwargs = {"patient_id": patient_id} if route.takes_patient else {}
    if route.id_name:
        kwargs[route.id_name] = record_id
    return reverse(name, kwargs=kwargs)


def test_every_api_route_is_in_the_matrix():
    """Every named API address is a row (operations sharing an address share its row), with
    an outcome for every role and method."""
    assert {name for name, _ in pages.url_patterns() if name.startswith("api:")} >= set(API_MATRIX)
    assert api_addresses() == {path_of(name, 1, 2) for name in API_MATRIX}
    for route in API_MATRIX.values():
        for method in METHODS:
            assert set(route.outcomes(method)) == set(ROLES)


def test_every_api_operation_is_in_the_matrix():
    """The schema's operations are exactly the matrix's methods that are not 405 for all."""
    schema = api.get_openapi_schema()
    operations = set()
    for template, methods in schema["paths"].items():
        path = template.replace("{patient_id}", "1")
        path = path.split("{")[0] + "2" if "{" in path else path
        operations |= {(path, method.upper()) for method in methods}
    in_matrix = {
        (path_of(name, 1, 2), method)
        for name, route in API_MATRIX.items()
        if name not in ("api:api-root", "api:openapi-json")
        for method in METHODS
        if set(route.outcomes(method).values()) != {NOT_ALLOWED}
    }
    assert operations == in_matrix


@dataclass
class World:
    people: dict
    tokens: dict
    record: pages.Record
    theirs: pages.Record
    lab: LabResult


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The people of the page matrix, each with a token that may write, built once."""
    with django_db_blocker.unblock(), transaction.atomic():
        people = pages.make_people()
        other_pharmacist = factories.PharmacistFactory(
            name="Peg Pharmacist", email="peg@example.org"
        )
        factories.CareTeamFactory(patient=people["other_patient"], clinician=other_pharmacist)
        people["other_pharmacist"] = other_pharmacist
        record = pages.build_record(people["owner"])
        theirs = pages.build_record(people["other_patient"], factories.UK_TEMPLATE)
        owner = people["owner"]
        lab, _ = lab_actions.record_lab(
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
        yield World(people, tokens, record, theirs, lab)
        transaction.set_rollback(True)


def cases(method):
    return [
        pytest.param(name, role, id=f"{name}-{method}-{role}")
        for name in API_MATRIX
        for role in ROLES
    ]


def _path(world, name):
    route = API_MATRIX[name]
    record_id = route.record_id(world) if route.record_id else None
    return path_of(name, world.record.owner.pk, record_id)


def _send(client, world, name, method, role, token=None):
    route = API_MATRIX[name]
    path = _path(world, name)
    token = token or world.tokens.get(role)
    auth = helpers.headers(token) if token else {}
    if method == "GET":
        return client.get(path, **auth)
    if method == "DELETE":
        return client.delete(f"{path}?reason={REASON.replace(' ', '+')}", **auth)
    if method == "PATCH":
        body = route.patch_body or {}
        return client.patch(path, data=body, content_type="application/json", **auth)
    body = route.body(world.record) if route.body else {}
    return client.post(path, data=body, content_type="application/json", **auth)


def _check_change(world, route, method, response, owner_rows):
    content = response.content.decode()
    if method == "POST":
        assert response.status_code == 201, content
        assert route.adds.objects.filter(patient=world.record.owner).count() == owner_rows + 1
    elif method == "PATCH":
        assert response.status_code == 200, content
        assert route.patched(world)
    else:
        assert response.status_code == 204, content
        assert route.deleted(world)


def _check(client, world, name, method, role):
    route = API_MATRIX[name]
    outcome = route.outcomes(method)[role]
    before = pages.snapshot()
    owner_rows = route.adds.objects.filter(patient=world.record.owner).count() if route.adds else 0
    views = RecordView.objects.count()
    response = _send(client, world, name, method, role)
    content = response.content.decode()
    if outcome == CHANGES:
        _check_change(world, route, method, response, owner_rows)
        return
    assert pages.snapshot() == before
    if outcome == UNAUTHORIZED:
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"
    elif outcome == NOT_FOUND:
        assert response.status_code == 404
    elif outcome == NOT_ALLOWED:
        assert response.status_code == 405
    elif outcome == READS:
        assert response.status_code == 200
        for text in route.shows(world):
            assert text in content
        actor = world.people[role]
        if actor != world.record.owner:  # a team member's read is in "Who looked at my record"
            assert RecordView.objects.filter(patient=world.record.owner, viewer=actor).exists()
        else:
            assert RecordView.objects.count() == views
    elif outcome == OWN:
        assert response.status_code == 200
        assert response.json()["id"] == world.people[role].pk
    elif outcome == PUBLIC:
        assert response.status_code == 200
    if outcome == OWN:  # a care-team member's own account lists their patients' names
        assert world.record.lot not in content and world.record.note not in content
    elif outcome != READS:
        for text in [*pages.owners_private_content(world.record), LAB_NOTE]:
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
@pytest.mark.parametrize(("name", "role"), cases("PATCH"))
def test_patch(client, world, name, role):
    _check(client, world, name, "PATCH", role)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), cases("DELETE"))
def test_delete(client, world, name, role):
    _check(client, world, name, "DELETE", role)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method"),
    [
        pytest.param(name, method, id=f"{name}-{method}")
        for name, route in API_MATRIX.items()
        for method in METHODS
        if route.outcomes(method)["owner"] == CHANGES
    ],
)
def test_a_read_only_token_changes_nothing(client, world, name, method):
    token = helpers.token_for(world.record.owner, ApiToken.Scope.READ)
    before = pages.snapshot()
    response = _send(client, world, name, method, "owner", token)
    assert response.status_code == 403
    assert pages.snapshot() == before
