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
import importlib.util
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import backup_drill
import load
import patients
import stack
import summary as verdict
from stack import HOST, log

SCENARIOS = ("postgres", "redis", "proxy", "backup")
HAPROXY_COLUMNS = ("status", "stot", "hrsp_2xx", "hrsp_3xx", "hrsp_5xx", "wretr", "wredis")


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
    load_argv = ["--users", str(args.users), "--seconds", str(args.seconds)]
    load_argv += ["--recover-seconds", str(args.recover_seconds)]
    load_argv += ["--pg-user", args.pg_user, "--pg-port", str(args.pg_port)]
    load_argv += rest  # any other bench/load.py option: --think, --workers, --seed...
    if args.scenario == "postgres":
        load_argv += ["--restart-db-at", str(args.fault_at)]
    if args.scenario == "proxy":
        load_argv += ["--workers", "1"]  # two servers of one worker each on the 2 cores
    if args.scenario == "backup":
        load_argv += ["--db-name", "b12_load_backup"]
    return args, load.parse_args(load_argv)


def fault(opts, args, servers, proxy, redis_server, extra: dict):
    """The scenario's fault for load.swarm: (seconds into the run, check, action)."""
    if opts.scenario == "postgres":
        command = stack.restart_command(args)
        extra["command"] = " ".join(command)
        return opts.fault_at, "PostgreSQL restarted", lambda: load.run_command(command)
    if opts.scenario == "redis":

        def outage():
            redis_server.stop()
            extra["redis_stopped_for_s"] = opts.down_seconds
            time.sleep(opts.down_seconds)
            redis_server.start()
            return 0, "redis-server stopped (SIGTERM) and started again"

        return opts.fault_at, "Redis stopped and started again", outage

    def kill():
        extra["before_kill"] = {name: int(row["stot"]) for name, row in proxy.servers().items()}
        servers[0].kill()
        return 0, f"SIGKILL to gunicorn-a's process group (port {servers[0].port})"

    return opts.fault_at, "gunicorn-a killed with SIGKILL", kill


def load_scenario(opts, args) -> int:
    env = stack.environment(args)
    workdir = Path(tempfile.mkdtemp(prefix=f"b12-faults-{opts.scenario}-"))
    redis_server = None
    if opts.scenario == "redis":
        redis_server = stack.Redis(workdir)
        env["DJANGO_CACHE_URL"] = f"redis://{HOST}:{redis_server.port}/0"
    os.environ.update(env)
    load.hard_limit(240 + args.seconds + args.grace)
    servers, proxy, summary, extra = [], None, None, {}
    try:
        log(f"{opts.scenario}: creating {args.db_name} with {args.patients} patients")
        stack.create_database(args)
        stack.setup_django()
        baseline = patients.seed(args)
        if redis_server:
            redis_server.start()
        names = ["gunicorn-a", "gunicorn-b"] if opts.scenario == "proxy" else ["gunicorn"]
        servers = [stack.Server(args, env, workdir, name) for name in names]
        for server in servers:
            server.start()
        port = servers[0].port
        if opts.scenario == "proxy":
            proxy = stack.HAProxy(workdir, servers[0].port, servers[1].port)
            proxy.start()
            port = proxy.port
        log(f"{args.users} users for {args.seconds:g} s on {HOST}:{port}")
        the_fault = fault(opts, args, servers, proxy, redis_server, extra)
        ledger, record = load.swarm(args, port, workdir, the_fault)
        if "command" in extra:
            record["command"] = extra.pop("command")
        if redis_server:
            extra["redis_after_restart"] = redis_server.stats()
        if proxy:
            extra["haproxy"] = {
                name: {key: row[key] for key in HAPROXY_COLUMNS}
                for name, row in proxy.servers().items()
            }
        log("run over; stopping the servers")
        for server in servers:
            server.stop()
        rows = patients.stored_rows(baseline)
        summary = verdict.summarize(args, ledger, rows, record, baseline, servers[-1])
        add_fault_checks(opts, summary, ledger, record, extra, servers)
    except (load.HardStop, KeyboardInterrupt) as exc:
        log(f"{exc or 'interrupted'}: cleaning up")
    finally:
        signal.alarm(0)
        for process in [proxy, *servers, redis_server]:
            if process:
                process.stop()
        try:
            stack.drop_database(args)
        except Exception as exc:  # noqa: BLE001 - report and go on
            log(f"could not drop {args.db_name}: {exc}")
    return load.report(summary, opts.json, workdir)


def add_fault_checks(opts, summary, ledger, record, extra, servers) -> None:
    unavailable = ledger["unavailable"]
    checks = summary["checks"]
    summary["scenario"] = opts.scenario
    summary["fault"] = extra
    summary["server_logs"] = [server.log_findings() for server in servers]
    summary["unavailable_503"] = {
        "total": len(unavailable),
        "with_retry_after": sum(1 for _, retry, _ in unavailable if retry),
        "saying_nothing_was_saved": sum(1 for _, _, says in unavailable if says),
    }
    checks["no 500 at all"] = not any(item[1] == 500 for item in ledger["requests"])
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
    if not record:
        checks["the fault happened"] = False
    summary["passed"] = all(checks.values())


def main(argv=None) -> int:
    opts, args = parse_args(argv)
    missing = [name for name in (*load.MODULES, "redis") if importlib.util.find_spec(name) is None]
    if missing:
        raise SystemExit(f"{', '.join(missing)} missing: run this with the project's .venv")
    with load.one_run_per_database(args.db_name):
        if opts.scenario == "backup":
            return load.report(backup_drill.drill(opts, args), opts.json, None)
        return load_scenario(opts, args)


if __name__ == "__main__":
    sys.exit(main())
