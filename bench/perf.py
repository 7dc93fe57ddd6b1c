"""Page speed at two data sizes, on PostgreSQL: `make bench` runs this.

    .venv/bin/python bench/perf.py                 # 100 and 10,000 patients, 3 years each
    .venv/bin/python bench/perf.py --reuse         # keep the seeded databases from a last run
    .venv/bin/python bench/perf.py --reuse --requests 200 --wrk-seconds 10   # the large run
    .venv/bin/python bench/perf.py --small 50 --large 2000 --requests 20   # a quick look
    .venv/bin/python bench/perf.py --reuse --large 100000 --large-db b12_bench_100k --no-write

The last is the 100,000-patient set (docs/scale.md): seeded once into its own database (23
minutes on a busy machine, an estimated 8 to 10 on a quiet one: seed_demo writes the big tables
with PostgreSQL's COPY), then reused by every run with --reuse; --no-write keeps
docs/performance.md's 10,000-patient tables.

For each data set (a fresh database b12_bench_small / b12_bench_large, or --small-db /
--large-db, seeded with
`seed_demo --patients N --years Y`; the first clinician cares for 2,000 patients, or all of
them when there are fewer) it measures, in a Django process with production settings talking
to PostgreSQL (bench/measure.py):

- the server-side time of each page, --requests timed requests after a warm-up, p50, p95 and
  mean, in --rounds rounds alternating between the sets, medians of the rounds: the patient's
  home, alone and with its chart, the history, logging an injection (the form's POST), the
  triage list, one patient's record, alone and with its charts, the FHIR export and the
  calendar feed; each chart alone, drawn after a change and answered 304;
- the cached pages (the home, and the charts a page shows) under a cache mix: --after-change
  of the requests follow a change to the record, --hour-turn are the first of their hour, the
  rest find the cache filled (bench/sampling.py's MIX); and again all after a change;
- the SQL queries each page makes;
- PostgreSQL's plans (EXPLAIN) for the triage list's and the record's queries, and which
  indexes they use.

The PostgreSQL server is the one on 127.0.0.1:5432 (user postgres), or the one DATABASE_URL
names on this machine; the databases are created there and kept for --reuse.

On the large set it then starts gunicorn (gthread workers, one thread each, one worker per
core) and measures throughput, p50 and p99 with wrk in --rounds rounds, each running in turn
a trivial view (/health/), the cached home and the uncached home (each request another of
--sessions signed-in patients, bench/rotate.lua).

It writes bench/results.json and the tables in docs/performance.md (between the markers),
through bench/report.py, and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
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

import report  # noqa: E402 - bench/report.py: targets, verdicts, results.json, the docs' table
import sampling  # noqa: E402
import stack  # noqa: E402 - bench/stack.py: the database and gunicorn, shared with the load test

HOST = stack.HOST
WORKER = {"class": "gthread", "threads": 1}  # what stack.Server is started with here
# Each wrk request of the uncached run is another patient's first view: bench/rotate.lua.
ROTATE = ROOT / "bench" / "rotate.lua"


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=100, help="patients in the small set")
    parser.add_argument("--large", type=int, default=10_000, help="patients in the large set")
    parser.add_argument("--years", type=float, default=3, help="years of history each")
    parser.add_argument("--small-db", default="b12_bench_small", help="the small set's database")
    parser.add_argument("--large-db", default="b12_bench_large", help="the large set's database")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each set")
    parser.add_argument("--wrk-seconds", type=int, default=5, help="each wrk run, 3 per round")
    parser.add_argument(
        "--after-change",
        type=float,
        default=sampling.MIX[sampling.CHANGE],
        help="share of a cached page's requests made just after a change to the record",
    )
    parser.add_argument(
        "--hour-turn",
        type=float,
        default=sampling.MIX[sampling.HOUR],
        help="share of the home's requests that are the first of their hour",
    )
    parser.add_argument(
        "--sessions",
        type=int,
        default=2000,
        help="patients signed in for the uncached home's throughput, one request each",
    )
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
    parser.add_argument("--sign-in", type=int, help=argparse.SUPPRESS)  # internal: sessions
    args = parser.parse_args(argv)
    args.mix = {sampling.CHANGE: args.after_change, sampling.HOUR: args.hour_turn}
    return args


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
    db_name = getattr(args, f"{label}_db")
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
        [
            *(sys.executable, __file__, "--measure", "1", "--requests", str(args.requests)),
            *("--after-change", str(args.after_change), "--hour-turn", str(args.hour_turn)),
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
    )
    sys.stderr.write(out.stderr)
    return json.loads(out.stdout)


# -- wrk ------------------------------------------------------------------------------------


def wrk(args, port: int, path: str, cookie: str | None = None, script=None) -> dict:
    """One wrk run: 2 threads, 8 connections, --wrk-seconds; requests/s, p50 and p99."""
    command = ["wrk", "-t2", "-c8", f"-d{args.wrk_seconds}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: sessionid={cookie}"]
    if script:
        command += ["-s", str(script[0])]
    command.append(f"http://{HOST}:{port}{path}")
    if script:
        command += ["--", "2", str(script[1]), path]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    figures = sampling.wrk_figures(out)
    if figures["failed"]:
        raise RuntimeError(f"wrk saw {figures['failed']} failed responses on {path}:\n{out}")
    return figures


def bump(args, env: dict, ids: list[int]) -> None:
    """The signed-in patients' homes made stale, as a change to each record would."""
    import psycopg

    db_name = urlparse(env["DATABASE_URL"]).path.lstrip("/")
    with psycopg.connect(
        host=HOST, port=args.pg_port, user=args.pg_user, dbname=db_name, autocommit=True
    ) as conn:
        conn.execute(
            "UPDATE accounts_user SET record_version = record_version + 1 WHERE id = ANY(%s)",
            [ids],
        )


def sign_in(args, env: dict) -> list[tuple[int, str]]:
    out = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, __file__, "--sign-in", str(args.sessions)],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def throughput(args, env: dict, cookie: str) -> dict:
    """In --rounds rounds, each in turn: the trivial view, the cached home (one patient, every
    request a hit) and the uncached home (each request another patient's first view)."""
    workers = os.cpu_count() or 2
    workdir = Path(tempfile.mkdtemp(prefix="b12-bench-"))
    signed_in = sign_in(args, env)
    cookies = workdir / "cookies.txt"
    cookies.write_text("".join(f"{session}\n" for _pk, session in signed_in))
    lua = ROTATE
    server = stack.Server(SimpleNamespace(workers=workers, threads=WORKER["threads"]), env, workdir)
    if server.command[server.command.index("--worker-class") + 1] != WORKER["class"]:
        raise RuntimeError(f"stack.Server no longer starts {WORKER['class']} workers")
    runs = {"trivial": [], "home": [], "home_uncached": []}
    server.start()
    try:
        for number in range(1, args.rounds + 1):
            log(f"large: throughput round {number} of {args.rounds}")
            bump(args, env, [pk for pk, _session in signed_in])
            runs["trivial"].append(wrk(args, server.port, "/health/"))
            runs["home"].append(wrk(args, server.port, "/", cookie))
            runs["home_uncached"].append(wrk(args, server.port, "/", script=(lua, cookies)))
    finally:
        server.stop()
    shutil.rmtree(workdir, ignore_errors=True)

    def median(name, key):
        return round(statistics.median(run[key] for run in runs[name]), 2)

    def ratio(name):
        pairs = zip(runs[name], runs["trivial"], strict=True)
        return round(statistics.median(a["rps"] / b["rps"] for a, b in pairs), 3)

    labels = {
        "trivial": "Trivial view (/health/)",
        "home": "Patient home, cached (one patient)",
        "home_uncached": "Patient home, uncached (each request another patient)",
    }
    cache = "Redis" if "DJANGO_CACHE_URL" in env else "per process"
    return {
        "workers": workers,
        "worker_class": WORKER["class"],
        "threads": WORKER["threads"],
        "cache": cache,
        "description": (
            f"Throughput under gunicorn ({workers} workers of class {WORKER['class']}, one"
            f" thread each), wrk on the same machine (2 threads, 8 connections,"
            f" {args.wrk_seconds} s a run), {args.rounds} rounds each running the three in turn;"
            f" cache and sessions: {cache}. Requests/s, p50 and p99 are medians of the rounds';"
            f" a ratio is the median of the rounds' ratios. The uncached home is each request"
            f" another of {len(signed_in):,} signed-in patients, their pages made stale before"
            f" each round ({sum(run['repeats'] for run in runs['home_uncached'])} repeats)."
        ),
        "rounds": runs,
        "figures": {
            labels[name]: {
                "requests": sum(run["requests"] for run in runs[name]),
                **{key: median(name, key) for key in ("rps", "p50_ms", "p99_ms")},
            }
            for name in runs
        },
        "samples": {
            name: f"{sum(run['requests'] for run in runs[name])} requests, {args.rounds} rounds"
            + (
                f", {sum(run['repeats'] for run in runs[name])} of them repeats"
                if name == "home_uncached"
                else ""
            )
            for name in runs
        },
        "home_rps_ratio": ratio("home"),
        "home_uncached_rps_ratio": ratio("home_uncached"),
        "uncached_repeats": sum(run["repeats"] for run in runs["home_uncached"]),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.measure:
        from measure import run  # bench/measure.py, inside the data set's Django process

        print(json.dumps(run(args.requests, args.mix)))
        return 0
    if args.sign_in:
        from measure import sessions

        print(json.dumps(sessions(args.sign_in)))
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
        envs[label] = environment(args, getattr(args, f"{label}_db"), secret, cache_db)
        flush_cache(envs[label])
        seeding[label] = prepare(args, label, patients, envs[label])
    manage(envs["large"], "collectstatic", "--noinput", "--verbosity", "0")
    # Rounds alternate between the sets, so that whatever else the machine is doing weighs
    # on both alike; each page's p50 and p95 are the medians of the rounds'.
    rounds = {"small": [], "large": []}
    reference = {"start": sampling.reference_ms()}  # the machine's speed, start and end
    for number in range(1, args.rounds + 1):
        for label in ("small", "large"):
            log(f"{label}: round {number} of {args.rounds}, {args.requests} requests per page")
            rounds[label].append(measure(args, envs[label]))
    sets = {label: report.combine(runs) for label, runs in rounds.items()}
    env = envs["large"]
    log("large: throughput under gunicorn with wrk")
    wrk = throughput(args, env, sets["large"].pop("session"))
    sets["small"].pop("session", None)
    reference["end"] = sampling.reference_ms()
    data = report.results(args, sets, wrk, seeding, reference)
    print(report.table(data))
    if not args.no_write:
        report.write_report(data)
        log(f"wrote {report.RESULTS.relative_to(ROOT)} and {report.REPORT.relative_to(ROOT)}")
    return 0 if data["all_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
