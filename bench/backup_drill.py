"""The backup drill of the fault suite (bench/faults.py backup; docs/load.md).

pg_dump a database (a freshly seeded b12_load_backup, or --source-db, which is only read),
restore it into the scratch database b12_restore_check, and compare every table's row count
and rows (an md5 of each table's rows as text), and one checksum over the patients' records.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess  # noqa: S404 - fixed argument lists: pg_dump, pg_restore
import tempfile
import time
from pathlib import Path

import patients
import stack
from stack import HOST, log

PATIENT_TABLES = ("accounts_", "doses_", "regimens_", "reminders_", "sharing_")
SCRATCH = "b12_restore_check"


def table_facts(dbname: str, args) -> dict[str, tuple[int, str]]:
    """Each table's row count and an md5 of its rows (each row as text, in text order)."""
    import psycopg
    from psycopg import sql

    facts = {}
    with psycopg.connect(
        host=HOST, port=args.pg_port, user=args.pg_user, dbname=dbname, autocommit=True
    ) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        ]
        for name in tables:
            query = sql.SQL(
                "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '')"
                " FROM {} AS t"
            ).format(sql.Identifier(name))
            count, digest = conn.execute(query).fetchone()
            facts[name] = (count, digest)
    return facts


def records_checksum(facts: dict[str, tuple[int, str]]) -> str:
    """One checksum of the patients' records: every table of the app's own models."""
    joined = "\n".join(
        f"{name}:{count}:{digest}"
        for name, (count, digest) in sorted(facts.items())
        if name.startswith(PATIENT_TABLES)
    )
    return hashlib.md5(joined.encode()).hexdigest()  # noqa: S324 - a checksum, not security


def drill(opts, args) -> dict:
    """The drill's summary, with its checks."""
    pg_dump = stack.need("pg_dump", "postgresql-client")
    pg_restore = stack.need("pg_restore", "postgresql-client")
    workdir = Path(tempfile.mkdtemp(prefix="b12-faults-backup-"))
    source = opts.source_db or args.db_name
    scratch = SCRATCH
    connection = ["--host", HOST, "--port", str(args.pg_port), "--username", args.pg_user]
    summary = {"scenario": "backup", "source": source, "scratch": scratch}
    try:
        if not opts.source_db:
            log(f"creating {source} with {args.patients} patients")
            os.environ.update(stack.environment(args))
            stack.create_database(args)
            stack.setup_django()
            patients.seed(args)
            from django.db import connections

            connections.close_all()
        dump = workdir / "b12.dump"
        started = time.monotonic()
        subprocess.run(  # noqa: S603 - fixed arguments
            [pg_dump, *connection, "--format=custom", "--file", str(dump), source],
            check=True,
        )
        summary["dump_bytes"] = dump.stat().st_size
        summary["dump_s"] = round(time.monotonic() - started, 2)
        stack.create_database(args, scratch)
        started = time.monotonic()
        restored = subprocess.run(  # noqa: S603 - fixed arguments
            [pg_restore, *connection, "--no-owner", "--exit-on-error", "--dbname", scratch]
            + [str(dump)],
            check=False,
            capture_output=True,
            text=True,
        )
        summary["restore_s"] = round(time.monotonic() - started, 2)
        summary["restore_returncode"] = restored.returncode
        summary["restore_output"] = restored.stderr[-300:]
        before, after = table_facts(source, args), table_facts(scratch, args)
        differ = sorted(
            name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
        )
        summary["tables"] = len(before)
        summary["rows"] = sum(count for count, _ in before.values())
        summary["rows_restored"] = sum(count for count, _ in after.values())
        summary["row_counts"] = {name: count for name, (count, _) in sorted(before.items())}
        summary["patients_records_checksum"] = {
            "source": records_checksum(before),
            "restored": records_checksum(after),
        }
        summary["tables_that_differ"] = differ
        checks = {
            "pg_restore succeeded": restored.returncode == 0,
            "every table restored": before.keys() == after.keys() and bool(before),
            "every table's row count matches": all(
                before[name][0] == after.get(name, (None,))[0] for name in before
            ),
            "every table's rows match (md5)": not differ,
            "the patients' records checksum matches": records_checksum(before)
            == records_checksum(after),
        }
        summary["checks"] = checks
        summary["passed"] = all(checks.values())
    finally:
        with contextlib.suppress(Exception):
            stack.drop_database(args, scratch)
        if not opts.source_db:
            with contextlib.suppress(Exception):
                stack.drop_database(args)
        shutil.rmtree(workdir, ignore_errors=True)
    return summary
