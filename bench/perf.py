"""Page speed at two data sizes, on PostgreSQL: `make bench` runs this.

    .venv/bin/python bench/perf.py                 # 100 and 10,000 patients, 3 years each
    .venv/bin/python bench/perf.py --reuse         # keep the seeded databases from a last run
    .venv/bin/python bench/perf.py --small 50 --large 2000 --requests 50   # a quick look

For each data set (a fresh database b12_bench_small / b12_bench_large, seeded with
`seed_demo --patients N --years Y`; the first clinician cares for 2,000 patients, or all of
them when there are fewer) it measures, in a Django process with production settings talking
to PostgreSQL:

- the server-side time of each page: the patient's home, their history, logging an
  injection (the form's POST), the clinician's triage list and one patient's record, and the
  home again with the cache emptied before each request; p50 and p95 over --requests
  requests after a warm-up, in --rounds rounds alternating between the sets, medians of the
  rounds (the patient is the one with the longest history among the first 100 patients, the
  same person in both sets; injections logged here are removed afterwards);
- the SQL queries each page makes;
- PostgreSQL's plans (EXPLAIN) for the triage list's and the record's queries, and which
  indexes they use.

The PostgreSQL server is the one on 127.0.0.1:5432 (user postgres), or the one DATABASE_URL
names on this machine; the databases are created there and kept for --reuse.

On the large set it then starts gunicorn (one sync worker per core) and measures throughput
with wrk: the patient's home against a trivial view (/health/) in the same run.

It writes bench/results.json and the table in docs/performance.md (between the markers).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess  # noqa: S404 - runs manage.py, gunicorn and wrk with fixed argument lists
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import stack  # noqa: E402 - bench/stack.py: the database and gunicorn, shared with the load test

HOST = stack.HOST
PAGES = ("home", "history", "log", "list", "record")
REPORTED = (*PAGES, "home_uncached")  # measured and shown; the targets are on PAGES
RESULTS = ROOT / "bench" / "results.json"
REPORT = ROOT / "docs" / "performance.md"
TARGETS = {
    "growth_max": 1.3,
    "list_p50_ms_max": 150,
    "home_p50_ms_max": 40,
    "home_rps_ratio_min": 0.3,
}


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=100, help="patients in the small set")
    parser.add_argument("--large", type=int, default=10_000, help="patients in the large set")
    parser.add_argument("--years", type=float, default=3, help="years of history each")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each set")
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--reuse", action="store_true", help="keep databases seeded earlier")
    server = urlparse(os.environ.get("DATABASE_URL", ""))
    from_env = server.scheme.startswith("postgres") and server.hostname in (HOST, "localhost")
    parser.add_argument("--pg-user", default=(from_env and server.username) or "postgres")
    parser.add_argument("--pg-port", type=int, default=(from_env and server.port) or 5432)
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379",
        help="a Redis server for the shared cache and sessions, as a deployment would have"
        " (database 14 for the small set, 15 for the large); 'none' for the per-process cache",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; write no files")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one data set
    return parser.parse_args(argv)


def environment(args, db_name: str, secret: str, cache_db: int) -> dict[str, str]:
    pg = SimpleNamespace(pg_user=args.pg_user, pg_port=args.pg_port, db_name=db_name)
    env = stack.environment(pg)
    env["DJANGO_SECRET_KEY"] = secret  # the same in every process: sessions must carry over
    env["DJANGO_ALLOWED_HOSTS"] = f"{HOST},testserver"
    if args.redis != "none":
        # Each set its own Redis database: their patients share ids and record versions.
        env["DJANGO_CACHE_URL"] = f"{args.redis.rstrip('/')}/{cache_db}"
    return env


def redis_ready(args) -> bool:
    if args.redis == "none":
        return True
    import redis

    try:
        redis.Redis.from_url(args.redis).ping()
    except redis.RedisError as exc:
        log(f"no Redis at {args.redis} ({exc}): start one, or run with --redis none")
        return False
    return True


def flush_cache(env: dict) -> None:
    """Nothing left from an earlier run: a home cached then would be served as it was."""
    if "DJANGO_CACHE_URL" in env:
        import redis

        redis.Redis.from_url(env["DJANGO_CACHE_URL"]).flushdb()


def manage(env: dict, *command: str) -> None:
    subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", *command], cwd=ROOT, env={**os.environ, **env}, check=True
    )


def database_ready(args, db_name: str, patients: int) -> bool:
    """A database seeded earlier with this many patients (for --reuse)."""
    try:
        import psycopg

        with psycopg.connect(
            host=HOST, port=args.pg_port, user=args.pg_user, dbname=db_name
        ) as conn:
            row = conn.execute(
                "SELECT count(*) FROM accounts_user WHERE email LIKE 'patient%%@bulk.example.org'"
            ).fetchone()
            return row[0] == patients
    except Exception:  # noqa: BLE001 - missing database or tables: not ready
        return False


def prepare(args, label: str, patients: int, env: dict) -> float | None:
    """Create and seed the data set unless --reuse finds it. Returns the seeding time (s)."""
    db_name = f"b12_bench_{label}"
    if args.reuse and database_ready(args, db_name, patients):
        log(f"{label}: reusing {db_name} ({patients} patients)")
        manage(env, "migrate", "--verbosity", "0")  # the code may have moved on since
        vacuum(args, db_name)
        return None
    log(f"{label}: creating {db_name} and seeding {patients} patients × {args.years:g} years")
    stack.create_database(
        SimpleNamespace(pg_user=args.pg_user, pg_port=args.pg_port, db_name=db_name)
    )
    began = time.monotonic()
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "seed_demo", "--patients", str(patients), "--years", str(args.years))
    seconds = round(time.monotonic() - began, 1)
    vacuum(args, db_name)
    return seconds


def vacuum(args, db_name: str) -> None:
    """What autovacuum does to a database in use, done before timing anything: planner
    statistics (without them a freshly bulk-loaded database is planned as if it were empty)
    and the visibility map. Left to autovacuum, it would run during the measurements of the
    large set, on the same cores, after a million rows have just gone in."""
    import psycopg

    with psycopg.connect(
        host=HOST, port=args.pg_port, user=args.pg_user, dbname=db_name, autocommit=True
    ) as conn:
        conn.execute("VACUUM ANALYZE")


def measure(args, env: dict) -> dict:
    """Run this script again, in a process set up for the data set's database."""
    out = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, __file__, "--measure", "1", "--requests", str(args.requests)],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
    )
    sys.stderr.write(out.stderr)
    return json.loads(out.stdout)


def combine(runs: list[dict]) -> dict:
    """One set's rounds as one result: the median of each page's p50 and p95."""
    out = dict(runs[-1])
    out["pages"] = {}
    for page, last in runs[-1]["pages"].items():
        counts = {run["pages"][page]["queries"] for run in runs}
        if len(counts) != 1:
            raise RuntimeError(f"{page}: the query count changed between rounds: {counts}")
        out["pages"][page] = {
            "p50_ms": statistics.median(run["pages"][page]["p50_ms"] for run in runs),
            "p95_ms": statistics.median(run["pages"][page]["p95_ms"] for run in runs),
            "p50_ms_rounds": [run["pages"][page]["p50_ms"] for run in runs],
            "queries": last["queries"],
        }
    return out


# -- wrk ------------------------------------------------------------------------------------


def wrk_rps(args, port: int, path: str, cookie: str | None) -> float:
    command = ["wrk", "-t2", "-c8", f"-d{args.wrk_seconds}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: sessionid={cookie}"]
    command.append(f"http://{HOST}:{port}{path}")
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} failed responses on {path}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def throughput(args, env: dict, cookie: str) -> dict:
    workers = os.cpu_count() or 2
    workdir = Path(tempfile.mkdtemp(prefix="b12-bench-"))
    server = stack.Server(SimpleNamespace(workers=workers, threads=1), env, workdir)
    server.start()
    try:
        trivial = wrk_rps(args, server.port, "/health/", None)
        home = wrk_rps(args, server.port, "/", cookie)
    finally:
        server.stop()
    shutil.rmtree(workdir, ignore_errors=True)
    return {
        "workers": workers,
        "cache": "Redis" if "DJANGO_CACHE_URL" in env else "per process",
        "trivial_rps": round(trivial, 1),
        "home_rps": round(home, 1),
        "home_rps_ratio": round(home / trivial, 3),
    }


# -- the report -----------------------------------------------------------------------------


def results(args, sets: dict, wrk: dict, seeding: dict) -> dict:
    small, large = sets["small"], sets["large"]
    out = {f"{page}_p50_ms": large["pages"][page]["p50_ms"] for page in REPORTED}
    out |= {f"{page}_p95_ms": large["pages"][page]["p95_ms"] for page in REPORTED}
    out["growth"] = {
        page: round(large["pages"][page]["p50_ms"] / small["pages"][page]["p50_ms"], 2)
        for page in REPORTED
    }
    out["queries"] = {
        label: {page: data["pages"][page]["queries"] for page in REPORTED}
        for label, data in sets.items()
    }
    out["home_rps_ratio"] = wrk["home_rps_ratio"]
    out["throughput"] = wrk
    out["small"] = small
    out["large"] = large
    out["seed_seconds"] = seeding
    out["targets"] = TARGETS
    out["met"] = {
        "queries_identical": out["queries"]["small"] == out["queries"]["large"],
        "growth": max(out["growth"][page] for page in PAGES) <= TARGETS["growth_max"],
        "list_p50": out["list_p50_ms"] <= TARGETS["list_p50_ms_max"],
        "home_p50": out["home_p50_ms"] <= TARGETS["home_p50_ms_max"],
        "home_rps_ratio": out["home_rps_ratio"] >= TARGETS["home_rps_ratio_min"],
        "indexes_used": all(data["explain"]["all_use_indexes"] for data in sets.values()),
    }
    out["machine"] = {"cores": os.cpu_count(), "python": sys.version.split()[0]}
    out["run"] = {
        "patients": {"small": args.small, "large": args.large},
        "years": args.years,
        "requests": args.requests,
        "rounds": args.rounds,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    return out


def table(data: dict) -> str:
    names = {
        "home": "Patient home",
        "home_uncached": "Patient home, not cached",
        "history": "History",
        "log": "Log an injection (POST)",
        "list": "Triage list",
        "record": "Patient record",
    }
    small, large = data["small"]["pages"], data["large"]["pages"]
    lines = [
        f"Measured {data['run']['when']} on {data['machine']['cores']} cores;"
        f" {data['run']['patients']['small']:,} and {data['run']['patients']['large']:,}"
        f" patients with {data['run']['years']:g} years each; {data['run']['requests']} requests"
        f" per page in each of {data['run']['rounds']} rounds, alternating between the sets;"
        " each figure is the median of the rounds'.",
        "",
        "| Page | Small p50 | Large p50 | Large p95 | Growth | Queries (small / large) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for page in REPORTED:
        lines.append(
            f"| {names[page]} | {small[page]['p50_ms']} ms | {large[page]['p50_ms']} ms"
            f" | {large[page]['p95_ms']} ms | {data['growth'][page]}"
            f" | {small[page]['queries']} / {large[page]['queries']} |"
        )
    wrk = data["throughput"]
    lines += [
        "",
        f"Throughput under gunicorn ({wrk['workers']} sync workers, wrk, 8 connections,"
        f" cache and sessions: {wrk.get('cache', 'per process')}):"
        f" patient home {wrk['home_rps']} requests/s, trivial view {wrk['trivial_rps']}"
        f" requests/s: a ratio of {wrk['home_rps_ratio']}.",
        "",
        "Targets: "
        + ", ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in data["met"].items()),
    ]
    return "\n".join(lines)


def write_report(data: dict) -> None:
    RESULTS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    text = REPORT.read_text()
    before, rest = text.split(start, 1)
    _old, after = rest.split(end, 1)
    REPORT.write_text(f"{before}{start}\n{table(data)}\n{end}{after}")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.measure:
        from measure import run  # bench/measure.py, inside the data set's Django process

        print(json.dumps(run(args.requests)))
        return 0
    if shutil.which("wrk") is None:
        log("wrk is not installed: apt-get install -y wrk (Debian), then run again")
        return 2
    if not redis_ready(args):
        return 2
    secret = secrets.token_urlsafe(50)
    envs, seeding = {}, {}
    for cache_db, (label, patients) in enumerate(
        (("small", args.small), ("large", args.large)), start=14
    ):
        envs[label] = environment(args, f"b12_bench_{label}", secret, cache_db)
        flush_cache(envs[label])
        seeding[label] = prepare(args, label, patients, envs[label])
    manage(envs["large"], "collectstatic", "--noinput", "--verbosity", "0")
    # Rounds alternate between the sets, so that whatever else the machine is doing weighs
    # on both alike; each page's p50 and p95 are the medians of the rounds'.
    rounds = {"small": [], "large": []}
    for number in range(1, args.rounds + 1):
        for label in ("small", "large"):
            log(f"{label}: round {number} of {args.rounds}, {args.requests} requests per page")
            rounds[label].append(measure(args, envs[label]))
    sets = {label: combine(runs) for label, runs in rounds.items()}
    env = envs["large"]
    log("large: throughput under gunicorn with wrk")
    wrk = throughput(args, env, sets["large"].pop("session"))
    sets["small"].pop("session", None)
    data = results(args, sets, wrk, seeding)
    print(table(data))
    if not args.no_write:
        write_report(data)
        log(f"wrote {RESULTS.relative_to(ROOT)} and {REPORT.relative_to(ROOT)}")
    return 0 if all(data["met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
