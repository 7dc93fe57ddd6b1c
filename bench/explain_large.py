"""What the heavy pages cost on a data set of any size, as markdown (docs/scale.md's figures):

    .venv/bin/python bench/explain_large.py --db b12_seed100k
    .venv/bin/python bench/explain_large.py --db b12_bench_large --requests 30 --out /tmp/10k.md
    DATABASE_URL=postgres://... .venv/bin/python bench/explain_large.py   # that database

For the people bench/measure.py times (the first care team's clinician; among the first 100
patients, the one with the longest history: the same person in every set seeded with the same
seed), in a Django process with production settings (bench/stack.py's, as bench/perf.py runs):

- the table sizes: rows, table and index bytes, every index of the injections' table, the
  database's size;
- EXPLAIN (ANALYZE, BUFFERS) of each SELECT that the clinician's triage list, the patient's
  record (drawn after a change: its kept parts drawn anew), the patient's home (after a
  change) and their history make: rows returned, shared buffers hit and read, planning and
  execution time, the plan's top node and the indexes it uses, and any sequential scan;
- each page's server time in process: --requests requests after a warm-up, the record and
  the home each after a change (untimed), p50 of the process's CPU time and of the wall clock.

It writes nothing to the data set but each patient's record version (raised, as a change
would). The page's queries are read with Django's query capture, as bench/measure.py's
explain() does, and explained again one by one: each figure is that of the query alone, with
the buffers the page itself has just warmed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

BIG_TABLES = (
    "accounts_user",
    "accounts_careteammembership",
    "regimens_regimen",
    "regimens_phase",
    "regimens_regimenchange",
    "doses_doselog",
    "doses_symptomentry",
    "doses_labresult",
    "doses_alert",
)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="a database on 127.0.0.1 (else DATABASE_URL's)")
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument(
        "--redis",
        default="none",
        help="a Redis database URL for the cache and sessions, as the bench has"
        " (e.g. redis://127.0.0.1:6379/8); 'none' for the per-process cache",
    )
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--out", help="write the markdown here too")
    parser.add_argument("--json", help="write the plans here, as JSON")
    return parser.parse_args(argv)


def set_environment(args) -> None:
    """Production-like settings, as bench/perf.py gives its measuring process."""
    import stack

    if args.db:
        pg = SimpleNamespace(pg_user=args.pg_user, pg_port=args.pg_port, db_name=args.db)
        os.environ.update(stack.environment(pg))
    elif "DATABASE_URL" not in os.environ:
        sys.exit("give --db NAME or set DATABASE_URL")
    else:
        pg = SimpleNamespace(pg_user=args.pg_user, pg_port=args.pg_port, db_name="unused")
        os.environ.update({k: v for k, v in stack.environment(pg).items() if k != "DATABASE_URL"})
    os.environ["DJANGO_ALLOWED_HOSTS"] = f"{stack.HOST},testserver"
    if args.redis != "none":
        os.environ["DJANGO_CACHE_URL"] = args.redis


# -- sizes ------------------------------------------------------------------------------------


def sizes(cursor) -> dict:
    tables = []
    for table in BIG_TABLES:
        cursor.execute(
            f"SELECT count(*), pg_relation_size(%s), pg_indexes_size(%s) FROM {table}",  # noqa: S608
            [table, table],
        )
        rows, heap, indexes = cursor.fetchone()
        tables.append({"table": table, "rows": rows, "heap": heap, "indexes": indexes})
    cursor.execute(
        "SELECT i.relname, pg_relation_size(i.oid), pg_get_indexdef(i.oid)"
        " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = 'doses_doselog'::regclass ORDER BY 2 DESC"
    )
    dose_indexes = [{"index": n, "bytes": b, "definition": d} for n, b, d in cursor.fetchall()]
    cursor.execute("SELECT pg_database_size(current_database()), current_database()")
    database, name = cursor.fetchone()
    return {"database": name, "bytes": database, "tables": tables, "dose_indexes": dose_indexes}


def megabytes(count: int) -> str:
    return f"{count / 2**20:,.1f} MB"


# -- plans ------------------------------------------------------------------------------------


def walk(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from walk(child)


def analyse(cursor, sql: str) -> dict:
    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
    result = cursor.fetchone()[0]
    result = json.loads(result) if isinstance(result, str) else result
    top = result[0]
    plan = top["Plan"]
    nodes = list(walk(plan))
    return {
        "sql": sql,
        "rows": plan.get("Actual Rows"),
        "hit": plan.get("Shared Hit Blocks", 0),
        "read": plan.get("Shared Read Blocks", 0),
        "planning_ms": round(top.get("Planning Time", 0), 2),
        "execution_ms": round(top.get("Execution Time", 0), 2),
        "top": plan["Node Type"],
        "indexes": sorted({n["Index Name"] for n in nodes if "Index Name" in n}),
        "seq_scans": sorted(
            {
                f"{n['Relation Name']} ({n.get('Actual Rows', 0) * n.get('Actual Loops', 1)} rows)"
                for n in nodes
                if n["Node Type"] == "Seq Scan"
            }
        ),
        "plan": plan,
    }


def page_plans(request) -> list[dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        request()
    out = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            head = sql.lstrip().upper()
            if not head.startswith("SELECT") or "FOR UPDATE" in head or "django_session" in sql:
                continue
            out.append(analyse(cursor, sql))
    return out


def short(sql: str) -> str:
    """The query in a table cell: what it reads from, and how it is filtered."""
    text = " ".join(sql.split())
    start = text.upper().find(" FROM ")
    text = text[start + 6 :] if start >= 0 else text
    return text[:110].replace("|", "\\|").replace('"', "") + ("…" if len(text) > 110 else "")


# -- timing -----------------------------------------------------------------------------------


def timed(request, before, samples: int) -> dict:
    for _ in range(5):
        before()
        request()
    cpu, wall = [], []
    for _ in range(samples):
        before()
        began_cpu, began = time.process_time(), time.perf_counter()
        request()
        cpu.append((time.process_time() - began_cpu) * 1000)
        wall.append((time.perf_counter() - began) * 1000)
    return {
        "samples": samples,
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "wall_p50_ms": round(statistics.median(wall), 2),
    }


# -- the report -------------------------------------------------------------------------------


def run(args) -> dict:
    from django.db import connection
    from django.urls import reverse
    from measure import Browser, people

    from accounts.models import User
    from doses import freshness
    from doses.models import DoseLog

    clinician, patient = people()
    as_patient, as_clinician = Browser(patient), Browser(clinician)
    record_url = reverse("patient_record", args=[patient.pk])

    def change():
        freshness.bump(pk=patient.pk)

    def nothing():
        pass

    pages = {
        "Triage list (clinician)": (lambda: as_clinician.get("/"), nothing),
        "Patient record, after a change": (lambda: as_clinician.get(record_url), change),
        "Patient home, after a change": (lambda: as_patient.get("/"), change),
        "History": (lambda: as_patient.get(reverse("history")), nothing),
    }
    out = {"pages": {}, "people": {}}
    with connection.cursor() as cursor:
        out["sizes"] = sizes(cursor)
    out["people"] = {
        "patients_in_list": User.objects.filter(care_team__clinician=clinician).count(),
        "patient_doses": DoseLog.objects.filter(patient=patient).count(),
    }
    for name, (request, before) in pages.items():
        timing = timed(request, before, args.requests)
        before()
        out["pages"][name] = {"timing": timing, "plans": page_plans(request)}
    return out


def markdown(data: dict) -> str:
    s = data["sizes"]
    lines = [
        f"Database `{s['database']}`: {megabytes(s['bytes'])}. The clinician's list holds"
        f" {data['people']['patients_in_list']:,} patients; the patient has"
        f" {data['people']['patient_doses']} injections.",
        "",
        "| Table | Rows | Table | Indexes |",
        "|---|---:|---:|---:|",
    ]
    for t in s["tables"]:
        lines.append(
            f"| {t['table']} | {t['rows']:,} | {megabytes(t['heap'])} | {megabytes(t['indexes'])} |"
        )
    lines += ["", "| Index of doses_doselog | Size | Definition |", "|---|---:|---|"]
    for i in s["dose_indexes"]:
        definition = i["definition"].split(" USING ", 1)[-1]
        lines.append(f"| {i['index']} | {megabytes(i['bytes'])} | {definition} |")
    lines += [
        "",
        "| Page | Requests | CPU p50 | Wall p50 | Queries explained | Their execution, total |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, page in data["pages"].items():
        t = page["timing"]
        total = round(sum(p["execution_ms"] for p in page["plans"]), 2)
        lines.append(
            f"| {name} | {t['samples']} | {t['cpu_p50_ms']} ms | {t['wall_p50_ms']} ms"
            f" | {len(page['plans'])} | {total} ms |"
        )
    for name, page in data["pages"].items():
        lines += [
            "",
            f"**{name}**",
            "",
            "| Query (from …) | Rows | Buffers hit / read | Planning | Execution | Top node"
            " | Indexes | Seq scans |",
            "|---|---:|---:|---:|---:|---|---|---|",
        ]
        for p in page["plans"]:
            lines.append(
                f"| {short(p['sql'])} | {p['rows']} | {p['hit']} / {p['read']}"
                f" | {p['planning_ms']} ms | {p['execution_ms']} ms | {p['top']}"
                f" | {', '.join(p['indexes']) or '-'} | {', '.join(p['seq_scans']) or '-'} |"
            )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    args = parse_args(argv)
    set_environment(args)
    import measure  # noqa: F401 - bench/measure.py: sets Django up in this environment
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # the pages name its files
    data = run(args)
    text = markdown(data)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    if args.json:
        Path(args.json).write_text(json.dumps(data, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
