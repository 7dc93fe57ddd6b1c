"""Fault suite: the load test (bench/load.py) with one fault injected mid-run, and a backup drill.

Run from the project root with the project's virtualenv, as root (docs/load.md says more):

    .venv/bin/python bench/faults.py postgres   # PostgreSQL restarted 20 s into the run
    .venv/bin/python bench/faults.py redis      # the Redis cache stopped for 10 s, then back
    .venv/bin/python bench/faults.py proxy      # two gunicorns behind HAProxy; one SIGKILLed
    .venv/bin/python bench/faults.py backup     # pg_dump, restore into a scratch database, compare
    make faults                                 # all four, one after the other

Everything runs on 127.0.0.1. The load scenarios create and drop the database b12_load, as
bench/load.py does. `redis` starts its own redis-server on a free port (the one on 6379 is not
touched); `proxy` needs HAProxy (`apt-get install haproxy`). `postgres` restarts the local
PostgreSQL cluster with pg_ctlcluster.

Checks, on top of bench/load.py's (nothing acknowledged lost, nothing doubled, every row
acknowledged): no 500 at all; every 503 carries Retry-After and says nothing was saved; and per
scenario: `redis`, no error and no sign-out at all, and Redis holding and serving entries again
after it is back; `proxy`, the killed server is gone and the survivor answers everything after
the recovery time. Exit status 0 when every check passed, 1 otherwise, 2 when stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import fcntl
import http.client
import io
import json
import os
import shutil
import signal
import subprocess  # noqa: S404 - fixed argument lists: redis-server, haproxy, pg_dump
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402 - bench/load.py, next to this file

HOST = load.HOST
SCENARIOS = ("postgres", "redis", "proxy", "backup")


def log(message: str) -> None:
    print(f"[faults] {message}", file=sys.stderr, flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=SCENARIOS)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--fault-at", type=float, default=20, help="seconds into the run")
    parser.add_argument(
        "--down-seconds", type=float, default=10, help="redis: how long Redis stays stopped"
    )
    parser.add_argument(
        "--recover-seconds",
        type=float,
        default=10,
        help="errors other than 500 allowed until this long after the fault ended",
    )
    parser.add_argument(
        "--source-db",
        default=None,
        help="backup: drill on this existing database instead of a freshly seeded one",
    )
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--json", type=Path, default=None, help="also write the summary here")
    args, rest = parser.parse_known_args(argv)
    load_argv = [
        "--users",
        str(args.users),
        "--seconds",
        str(args.seconds),
        "--recover-seconds",
        str(args.recover_seconds),
        "--pg-user",
        args.pg_user,
        "--pg-port",
        str(args.pg_port),
        *rest,  # any other bench/load.py option: --think, --workers, --seed...
    ]
    if args.scenario == "postgres":
        load_argv += ["--restart-db-at", str(args.fault_at)]
    if args.scenario == "proxy":
        load_argv += ["--workers", "1"]  # two servers of one worker each on the 2 cores
    if args.scenario == "backup":
        load_argv += ["--db-name", "b12_load_backup"]
    return args, load.parse_args(load_argv)


# ---------------------------------------------------------------------------------------------
# Processes this script starts and stops


class Process:
    """A server started in its own process group, stopped by its id."""

    def __init__(self, name: str, command: list[str], workdir: Path):
        self.name, self.command = name, command
        self.log_path = workdir / f"{name}.log"
        self.proc = None

    def start(self, ready) -> None:
        with self.log_path.open("a") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
                self.command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.log_path}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if ready():
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start within 15 s: see {self.log_path}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def need(program: str, package: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise SystemExit(f"{program} not found: install it with `apt-get install {package}`")
    return path


class Redis(Process):
    def __init__(self, workdir: Path):
        self.port = load.free_port()
        # No persistence: a restarted cache starts empty, as a cache may.
        command = [need("redis-server", "redis-server"), "--port", str(self.port)]
        command += ["--bind", HOST, "--save", "", "--appendonly", "no"]
        super().__init__("redis", command, workdir)

    def client(self):
        import redis

        return redis.Redis(host=HOST, port=self.port, socket_connect_timeout=1)

    def start(self) -> None:
        super().start(lambda: self.client().ping())

    def stats(self) -> dict:
        info = self.client().info()
        return {
            "keys": self.client().dbsize(),
            "hits": info.get("keyspace_hits", 0),
            "misses": info.get("keyspace_misses", 0),
        }


HAPROXY_CONFIG = """\
global
    maxconn 2000

defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    # A request whose server refused the connection or died before answering is sent to the
    # other server (safe here: every form carries a submission token).
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout

frontend web
    bind {host}:{port}
    default_backend app

backend app
    balance roundrobin
    # A busy server answers its health check late but is not down: a patient check. A dead
    # one is taken out at its first refused connection (observe layer4), without waiting.
    option httpchk
    http-check send meth GET uri /health/ ver HTTP/1.1 hdr Host {host}
    timeout check 10s
    timeout queue 30s
    default-server check inter 1s fall 3 rise 2 observe layer4 error-limit 1 on-error mark-down
    server a {host}:{port_a}
    server b {host}:{port_b}

listen stats
    bind {host}:{stats_port}
    stats enable
    stats uri /stats
"""


class HAProxy(Process):
    def __init__(self, workdir: Path, port_a: int, port_b: int):
        self.port, self.stats_port = load.free_port(), load.free_port()
        config = workdir / "haproxy.cfg"
        config.write_text(
            HAPROXY_CONFIG.format(
                host=HOST,
                port=self.port,
                port_a=port_a,
                port_b=port_b,
                stats_port=self.stats_port,
            )
        )
        super().__init__("haproxy", [need("haproxy", "haproxy"), "-db", "-f", str(config)], workdir)

    def start(self) -> None:
        def ready():
            return all(row["status"] == "UP" for row in self.servers().values())

        super().start(ready)

    def servers(self) -> dict[str, dict]:
        conn = http.client.HTTPConnection(HOST, self.stats_port, timeout=2)
        try:
            conn.request("GET", "/stats;csv")
            text = conn.getresponse().read().decode()
        finally:
            conn.close()
        rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
        return {
            row["svname"]: row
            for row in rows
            if row["pxname"] == "app" and row["svname"] in ("a", "b")
        }


# ---------------------------------------------------------------------------------------------
# The load scenarios


def fault_thread(run: load.Run, at: float, check: str, action) -> threading.Thread:
    """Run action() once, `at` seconds into the run, and record when, as bench/load.py does
    for its restart (its outage window is the fault's time plus --recover-seconds)."""

    def go():
        time.sleep(max(0.0, run.t0 + at - time.monotonic()))
        began = time.monotonic() - run.t0
        try:
            output, rc = action() or "", 0
        except Exception as exc:  # noqa: BLE001 - reported as a failed check
            output, rc = f"{type(exc).__name__}: {exc}", -1
        finished = time.monotonic() - run.t0
        run.restart = {
            "check": check,
            "began_s": round(began, 2),
            "finished_s": round(finished, 2),
            "took_s": round(finished - began, 2),
            "returncode": rc,
            "output": str(output)[-300:],
        }
        log(f"{check}: {began:.1f}-{finished:.1f} s (rc {rc})")

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    return thread


def load_scenario(opts, args) -> int:
    env = load.environment(args)
    workdir = Path(tempfile.mkdtemp(prefix=f"b12-faults-{opts.scenario}-"))
    redis_server = None
    if opts.scenario == "redis":
        redis_server = Redis(workdir)
        env["DJANGO_CACHE_URL"] = f"redis://{HOST}:{redis_server.port}/0"
    os.environ.update(env)

    def hard_stop(signum, frame):
        raise load.HardStop(f"stopped by {signal.Signals(signum).name}")

    signal.signal(signal.SIGALRM, hard_stop)
    signal.signal(signal.SIGTERM, hard_stop)
    signal.alarm(int(240 + args.seconds + args.grace))
    servers, proxy, summary, extra = [], None, None, {}
    try:
        log(f"{opts.scenario}: creating {args.db_name} with {args.patients} patients")
        load.create_database(args)
        load.setup_django()
        baseline = load.seed(args)
        if redis_server:
            redis_server.start()
        names = ["gunicorn-a", "gunicorn-b"] if opts.scenario == "proxy" else ["gunicorn"]
        servers = [load.Server(args, env, workdir, name) for name in names]
        for server in servers:
            server.start()
        port = servers[0].port
        if opts.scenario == "proxy":
            proxy = HAProxy(workdir, servers[0].port, servers[1].port)
            proxy.start()
            port = proxy.port
        log(f"{args.users} users for {args.seconds:g} s on {HOST}:{port}")
        run = load.Run(args, port)
        users = [load.User(number, run) for number in range(args.users)]
        threads = [threading.Thread(target=user.live, daemon=True) for user in users]
        for thread in threads:
            thread.start()
        run.begin()

        if opts.scenario == "postgres":
            threading.Thread(
                target=run.restart_database, args=(load.restart_command(args),), daemon=True
            ).start()
        elif opts.scenario == "redis":

            def outage():
                redis_server.stop()
                extra["redis_stopped_for_s"] = opts.down_seconds
                time.sleep(opts.down_seconds)
                redis_server.start()
                return "redis-server stopped (SIGTERM) and started again"

            fault_thread(run, opts.fault_at, "Redis stopped and started again", outage)
        elif opts.scenario == "proxy":

            def kill():
                extra["before_kill"] = {
                    name: int(row["stot"]) for name, row in proxy.servers().items()
                }
                servers[0].kill()
                return f"SIGKILL to gunicorn-a's process group (port {servers[0].port})"

            fault_thread(run, opts.fault_at, "gunicorn-a killed with SIGKILL", kill)

        for thread in threads:
            thread.join(timeout=max(0.0, run.grace_until + 35 - time.monotonic()))
        stuck = sum(thread.is_alive() for thread in threads)
        if redis_server:
            extra["redis_after_restart"] = redis_server.stats()
        if proxy:
            extra["haproxy"] = {
                name: {
                    key: row[key]
                    for key in (
                        "status",
                        "stot",
                        "hrsp_2xx",
                        "hrsp_3xx",
                        "hrsp_5xx",
                        "wretr",
                        "wredis",
                    )
                }
                for name, row in proxy.servers().items()
            }
        log(f"run over after {time.monotonic() - run.t0:.1f} s; stopping the servers")
        for server in servers:
            server.stop()
        rows = load.stored_rows(baseline)
        summary = load.summarize(args, run, users, baseline, rows, stuck, servers[-1])
        add_fault_checks(opts, summary, users, run, extra, servers)
    except (load.HardStop, KeyboardInterrupt) as exc:
        log(f"{exc or 'interrupted'}: cleaning up")
    finally:
        signal.alarm(0)
        if proxy:
            proxy.stop()
        for server in servers:
            server.stop()
        if redis_server:
            redis_server.stop()
        try:
            load.drop_database(args)
        except Exception as exc:  # noqa: BLE001 - report and go on
            log(f"could not drop {args.db_name}: {exc}")
    if summary is None:
        log(f"no summary; the logs are in {workdir}")
        return 2
    return report(opts, summary, workdir)


def add_fault_checks(opts, summary, users, run, extra, servers) -> None:
    requests = [item for user in users for item in user.stats.requests]
    unavailable = [item for user in users for item in user.stats.unavailable]
    checks = summary["checks"]
    summary["scenario"] = opts.scenario
    summary["fault"] = extra
    summary["server_logs"] = [server.log_findings() for server in servers]
    summary["unavailable_503"] = {
        "total": len(unavailable),
        "with_retry_after": sum(1 for _, retry, _ in unavailable if retry),
        "saying_nothing_was_saved": sum(1 for _, _, says in unavailable if says),
    }
    checks["no 500 at all"] = not any(status == 500 for _, status, _, _ in requests)
    checks["every 503 has Retry-After and says nothing was saved"] = all(
        retry and says for _, retry, says in unavailable
    )
    if opts.scenario == "redis":
        errors = summary["server_errors"]["total"]
        checks["no server error at all, Redis stopped or not"] = errors == 0
        checks["no one signed out or refused"] = summary["unexpected"]["total"] == 0
        after = extra.get("redis_after_restart", {})
        checks["Redis used again after it was back"] = (
            after.get("keys", 0) > 0 and after.get("hits", 0) > 0
        )
    if opts.scenario == "proxy":
        checks["gunicorn-a is dead"] = servers[0].proc.poll() is not None
        before = extra.get("before_kill", {})
        checks["both servers had traffic before the kill"] = all(
            before.get(name, 0) > 0 for name in ("a", "b")
        )
    if not run.restart:
        checks["the fault happened"] = False
    summary["passed"] = all(checks.values())


def report(opts, summary, workdir: Path) -> int:
    if summary["passed"]:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        log(f"logs kept in {workdir}")
    text = json.dumps(summary, indent=2, default=str)
    print(text)
    if opts.json:
        opts.json.write_text(text + "\n")
    for name, ok in summary["checks"].items():
        log(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if summary["passed"] else 1


# ---------------------------------------------------------------------------------------------
# The backup drill


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


PATIENT_TABLES = ("accounts_", "doses_", "regimens_", "reminders_", "sharing_")


def records_checksum(facts: dict[str, tuple[int, str]]) -> str:
    """One checksum of the patients' records: every table of the app's own models."""
    import hashlib

    joined = "\n".join(
        f"{name}:{count}:{digest}"
        for name, (count, digest) in sorted(facts.items())
        if name.startswith(PATIENT_TABLES)
    )
    return hashlib.md5(joined.encode()).hexdigest()  # noqa: S324 - a checksum, not security


def backup_drill(opts, args) -> int:
    from psycopg import sql

    pg_dump = need("pg_dump", "postgresql-client")
    pg_restore = need("pg_restore", "postgresql-client")
    workdir = Path(tempfile.mkdtemp(prefix="b12-faults-backup-"))
    source = opts.source_db or args.db_name
    scratch = "b12_restore_check"
    connection = ["--host", HOST, "--port", str(args.pg_port), "--username", args.pg_user]
    summary = {"scenario": "backup", "source": source, "scratch": scratch}
    try:
        if not opts.source_db:
            log(f"creating {source} with {args.patients} patients")
            os.environ.update(load.environment(args))
            load.create_database(args)
            load.setup_django()
            load.seed(args)
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
        with load.admin_connection(args) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(scratch)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
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
        with contextlib.suppress(Exception), load.admin_connection(args) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch))
            )
        if not opts.source_db:
            with contextlib.suppress(Exception):
                load.drop_database(args)
        shutil.rmtree(workdir, ignore_errors=True)
    return report(opts, summary, workdir)


def main(argv=None) -> int:
    opts, args = parse_args(argv)
    try:
        import django  # noqa: F401
        import gunicorn  # noqa: F401
        import psycopg  # noqa: F401
        import redis  # noqa: F401
    except ImportError as exc:
        raise SystemExit(f"{exc}: run this with the project's .venv/bin/python") from exc
    with Path(tempfile.gettempdir(), f"{args.db_name}.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(f"Another run is using {args.db_name}: wait") from None
        if opts.scenario == "backup":
            return backup_drill(opts, args)
        return load_scenario(opts, args)


if __name__ == "__main__":
    sys.exit(main())
