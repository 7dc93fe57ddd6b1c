"""On PostgreSQL `seed_demo --patients` writes injections, check-ins and labs with COPY
(demo/rows.py); on SQLite with the ORM. Both must write the same rows for the same seed: the
bench's small and large sets hold the same first patients only if they do."""

import uuid
from datetime import date

import pytest
from django.db import connection

from accounts.models import CareTeamMembership, User
from demo import bulk, rows
from doses.models import DoseLog
from labs.models import LabResult
from regimens.models import Phase, Regimen, RegimenChange
from symptoms.models import SymptomEntry
from tests.clock import frozen

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="COPY is PostgreSQL's; on SQLite both paths are the ORM (CI's 2nd pass runs it)",
    ),
]

SEEDED = (User, CareTeamMembership, Regimen, Phase, RegimenChange, DoseLog, SymptomEntry, LabResult)
# Different on every run whichever path writes them: a salted password hash, the clock, tokens.
VOLATILE = {"password", "date_joined", "last_login", "submission_token", "setup_token"}
VOLATILE_OF = {CareTeamMembership: {"created_at"}, LabResult: {"created_at", "updated_at"}}


def first_new_ids() -> dict:
    return {
        model: (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        for model in SEEDED
    }


def seeded(first: dict) -> dict:
    """The rows seeded since `first` (each table's next id then), ordered by id, without the
    columns that differ on every run."""
    out = {}
    for model in SEEDED:
        skip = VOLATILE | VOLATILE_OF.get(model, set())
        names = [field.attname for field in model._meta.concrete_fields if field.name not in skip]
        found = model.objects.filter(pk__gte=first[model]).order_by("pk").values_list(*names)
        out[model.__name__] = list(found)
    return out


def start_at(first: dict) -> None:
    """Any rows from `first` (each table's id) on removed, and each table's next id set to it.
    (The foreign keys are checked at commit, which a test never reaches.)"""
    with connection.cursor() as cursor:
        for model in reversed(SEEDED):
            table = model._meta.db_table
            cursor.execute(f"DELETE FROM {table} WHERE id >= %s", [first[model]])  # noqa: S608
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
                [table, first[model]],
            )


def test_copy_and_the_orm_write_the_same_rows_for_the_same_seed(monkeypatch):
    with frozen(date(2026, 3, 10)):
        first = first_new_ids()
        start_at(first)  # earlier tests' rows were rolled back, but not their ids
        copied = bulk.seed_bulk(12, 1.5, seed=7, batch=5)
        by_copy = seeded(first)
        start_at(first)
        monkeypatch.setattr(rows, "_copy", rows._bulk_create)
        by_orm = bulk.seed_bulk(12, 1.5, seed=7, batch=5)
        by_bulk_create = seeded(first)

    assert copied == by_orm
    assert min(copied.doses, copied.checkins, copied.labs) > 12
    for name, table in by_copy.items():
        assert table == by_bulk_create[name], name


def test_every_copied_row_points_at_rows_that_are_there():
    """The bulk load leaves the foreign keys unchecked where it may (demo/rows.py): what it
    wrote must hold them all the same."""
    with frozen(date(2026, 3, 10)):
        bulk.seed_bulk(8, 1, seed=5, batch=3)
    for model in (DoseLog, SymptomEntry, LabResult):
        for field in model._meta.concrete_fields:
            if not field.is_relation:
                continue
            found = field.related_model.objects.values("pk")
            pointing = model.objects.filter(**{f"{field.attname}__isnull": False})
            assert pointing.exists() or field.null, (model.__name__, field.name)
            dangling = pointing.exclude(**{f"{field.attname}__in": found})
            assert not dangling.exists(), (model.__name__, field.name)


def test_copied_rows_have_their_own_tokens_and_ids_go_on_after_them():
    with frozen(date(2026, 3, 10)):
        bulk.seed_bulk(3, 1, seed=2)
    for model in (DoseLog, SymptomEntry, LabResult):
        tokens = model.objects.values_list("submission_token", flat=True)
        assert len(set(tokens)) == len(tokens) > 3, model.__name__
    dose = DoseLog.objects.order_by("pk").first()
    copied_last = DoseLog.objects.order_by("-pk").first().pk
    dose.pk, dose.submission_token = None, uuid.uuid4()
    dose.save(force_insert=True)
    assert dose.pk > copied_last
