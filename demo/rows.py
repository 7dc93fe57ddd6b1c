"""Many rows into one table, as plain tuples: PostgreSQL's COPY where the database is
PostgreSQL, the ORM's bulk_create elsewhere (SQLite, for `make run`), with the same values.

The caller names the fields it gives (by attname: `patient_id`, not `patient`) and hands one
tuple per row; every other field of the model, except the id, gets its default as
bulk_create would give it. The database assigns the ids, in the order of the rows, on both
paths. No signal is sent and no `save()` runs, as with bulk_create: whatever a save would also
write (a copy on another row) is the caller's to write.

On the COPY path a default is worked out once per call (one `timezone.now` for the rows of a
call, where bulk_create asks the clock for each), except a unique field's: a submission token
is drawn for each row, time-ordered (UUID version 7: the milliseconds first, then a counter
from a random start) rather than wholly random (version 4), so that millions of them go into
their unique index at its end instead of at random pages. Nothing reads a token's bits: it
only has to be unique.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterable

from django.db import connection
from django.db.models import JSONField, Model, UUIDField

_draw = random.SystemRandom()


def write_rows(model: type[Model], fields: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """Insert `rows` (tuples of `fields`' values) into `model`'s table. Returns the count."""
    if connection.vendor == "postgresql":
        return _copy(model, fields, rows)
    return _bulk_create(model, fields, rows)


def bulk_load_transaction() -> None:
    """Called first in each transaction of a bulk load, on PostgreSQL: its commit does not
    wait for the disk (a batch lost to a crash is seeded again), and, where the account may
    (a superuser: the bench's, the test database's), the foreign keys of the rows it writes
    are not checked one by one, as pg_restore --disable-triggers loads a dump. The rows are
    made together with what they point to, so there is nothing to find; the checks cost more
    than the COPY itself (each locks the row it points to): on 1,000 patients, 4.6 s of the
    server's CPU with them, 1.4 s without. The project has no triggers of its own that this
    would also skip. Both settings end with the transaction."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO off")
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role TO replica")


def _bulk_create(model, fields, rows) -> int:
    objects = [model(**dict(zip(fields, row, strict=True))) for row in rows]
    model.objects.bulk_create(objects, batch_size=2000)
    return len(objects)


def ordered_tokens():
    """A new UUID (version 7) each call, as the 32 hex digits PostgreSQL reads: this
    millisecond, 12 random bits, then a 62-bit counter from a random start."""
    start = (int(time.time() * 1000) & (1 << 48) - 1) << 80
    start |= 0x7 << 76 | _draw.getrandbits(12) << 64 | 0b10 << 62 | _draw.getrandbits(60)
    counter = iter(range(start, start + (1 << 61)))
    return lambda: f"{next(counter):032x}"


def _defaults(model, fields) -> tuple[list[str], tuple, list]:
    """The other fields: the columns with one value for every row and those values, then the
    (column, maker) of each drawn per row."""
    given = set(fields)
    columns, fixed, per_row = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in given:
            continue
        if field.unique and field.has_default():
            if isinstance(field, UUIDField) and field.default is uuid.uuid4:
                per_row.append((field.column, ordered_tokens()))
            else:
                per_row.append((field.column, field.get_default))
            continue
        columns.append(field.column)
        value = field.get_default()
        if isinstance(field, JSONField) and value is not None:
            value = json.dumps(value)  # JSON goes as its text: the column parses it
        fixed.append(value)
    return columns, tuple(fixed), per_row


def _copy(model, fields, rows) -> int:
    meta = model._meta
    given = []
    for name in fields:
        field = meta.get_field(name)
        if isinstance(field, JSONField):  # its value would need its text form: not needed yet
            raise ValueError(f"{name}: a JSON field takes its default here, not a value per row")
        given.append(field.column)
    columns, fixed, per_row = _defaults(model, fields)
    makers = [make for _column, make in per_row]
    names = [*given, *columns, *(column for column, _make in per_row)]
    statement = "COPY {} ({}) FROM STDIN".format(
        connection.ops.quote_name(meta.db_table),
        ", ".join(connection.ops.quote_name(name) for name in names),
    )
    count = 0
    # Django's cursor wraps psycopg's; COPY is psycopg's own.
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        write = copy.write_row
        if len(makers) == 1:
            (make,) = makers
            for row in rows:
                write((*row, *fixed, make()))
                count += 1
        else:
            for row in rows:
                write((*row, *fixed, *(make() for make in makers)))
                count += 1
    return count
