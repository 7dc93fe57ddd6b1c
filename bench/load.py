"""Load test: many patients logging injections and browsing, against gunicorn and PostgreSQL.

Run from the project root with the project's virtualenv (docs/load.md says more):

    .venv/bin/python bench/load.py --users 40 --seconds 60
    .venv/bin/python bench/load.py --users 40 --seconds 60 --restart-db-at 20

What it does, all on 127.0.0.1:
1. creates a fresh PostgreSQL database (b12_load), migrates it, collects the static files and
   creates the patients, each with an active regimen and a little history (bench/patients.py);
2. starts gunicorn (config.wsgi, gthread workers) on a free port with production settings
   (DEBUG off, DJANGO_SECURE=false because there is no TLS here, DJANGO_CONN_MAX_AGE=60);
3. runs the simulated users with Locust, headless (bench/locustfile.py), for the given time;
4. with --restart-db-at, restarts PostgreSQL once, from a separate thread;
5. stops gunicorn, compares what the users were told was saved with the rows in the database
   (bench/summary.py), prints a JSON summary, drops the database and exits non-zero when a
   check failed.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess  # noqa: S404 - runs locust and the restart command, fixed argument lists
import sys
import tempfile
import threading
import time
from pathlib import Path

import patients
import stack
import summary as verdict
from stack import HOST, log

# Not imported here: Locust patches the standard library (gevent) when it is imported.
MODULES = ("django", "gunicorn", "locust", "psycopg")


class HardStop(Exception):
    """The run is stopped early: its hard time limit passed, or it was sent SIGTERM."""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--users", type=int, default=40, help="concurrent simulated users")
    add("--patients", type=int, default=0, help="patients to create (default: one per user)")
    add("--seconds", type=float, default=60, help="length of the run")
    add("--think", type=float, default=0.5, help="mean pause between a user's pages, in seconds")
    add(
        "--restart-db-at",
        type=float,
        default=None,
        metavar="SECONDS",
        help="restart PostgreSQL once, this many seconds into the run",
    )
    add(
        "--restart-cmd",
        default=None,
        help="command that restarts PostgreSQL (default: pg_ctlcluster for the one cluster)",
    )
    add(
        "--recover-seconds",
        type=float,
        default=10,
        help="server errors allowed until this long after the restart finished",
    )
    add(
        "--grace",
        type=float,
        default=20,
        help="after the run, time left for requests in flight and resubmissions",
    )
    add("--workers", type=int, default=os.cpu_count() or 2)
    add("--threads", type=int, default=4, help="gunicorn threads per worker")
    add("--db-name", default="b12_load", help="must start with b12_load")
    add("--pg-user", default="postgres")
    add("--pg-port", type=int, default=5432)
    add("--keep-db", action="store_true", help="do not drop the database")
    add("--seed", type=int, default=12)
    add("--json", type=Path, default=None, help="also write the summary here")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"b12_load\w*", args.db_name):
        parser.error("--db-name must start with b12_load: the database is dropped afterwards")
    if args.users < 1 or args.seconds < 1:
        parser.error("--users and --seconds must be positive")
    if args.restart_db_at is not None and not 0 < args.restart_db_at < args.seconds:
        parser.error("--restart-db-at must fall inside the run")
    args.patients = args.patients or args.users
    return args


# ---------------------------------------------------------------------------------------------
# The run: Locust's users, and a fault at a given time


def run_command(command: list[str]):
    """A fault action: run a command; its return code and the end of its output."""
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            command, capture_output=True, text=True, timeout=60, check=False
        )
        return done.returncode, (done.stdout + done.stderr).strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        return -1, f"{type(exc).__name__}: {exc}"


def fault_thread(t0: float, at: float, check: str, action, record: dict) -> None:
    """Run action() once, `at` seconds into the run, and note in `record` when it began and
    finished: the outage window is that, plus --recover-seconds. action() returns
    (return code, output) or raises."""

    def go():
        time.sleep(max(0.0, t0 + at - time.time()))
        began = time.time() - t0
        try:
            rc, output = action()
        except Exception as exc:  # noqa: BLE001 - reported as a failed check
            rc, output = -1, f"{type(exc).__name__}: {exc}"
        finished = time.time() - t0
        record.update(
            check=check,
            began_s=round(began, 2),
            finished_s=round(finished, 2),
            took_s=round(finished - began, 2),
            returncode=rc,
            output=str(output)[-300:],
        )
        log(f"{check}: {began:.1f}-{finished:.1f} s (rc {rc})")

    threading.Thread(target=go, daemon=True).start()


def swarm(args, port: int, workdir: Path, fault=None) -> tuple[dict, dict]:
    """Run Locust headless against the server on `port`. `fault` is (at, check, action).
    Returns the users' ledger, its times in seconds into the run, and the fault's record."""
    ledger_path = workdir / "ledger.json"
    command = [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py"))]
    command += ["--headless", "--only-summary", "--host", f"http://{HOST}:{port}"]
    command += ["--users", str(args.users), "--spawn-rate", str(max(1, args.users / 2))]
    command += [
        "--run-time",
        f"{round(args.seconds)}s",
        "--stop-timeout",
        f"{round(args.grace) + 30}s",
    ]
    command += ["--exit-code-on-error", "0", "--think", str(args.think), "--grace", str(args.grace)]
    command += ["--patients", str(args.patients), "--seed", str(args.seed)]
    command += ["--ledger", str(ledger_path)]
    record: dict = {}
    # Locust's own log and table go to standard error, with this script's progress.
    proc = subprocess.Popen(command, cwd=stack.ROOT, stdout=sys.stderr, start_new_session=True)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        t0 = None
        while t0 is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Locust did not start its users")
            with contextlib.suppress(OSError, ValueError):
                t0 = json.loads(ledger_path.read_text())["started"]
            time.sleep(0.1)
        if fault:
            fault_thread(t0, *fault, record)
        proc.wait(timeout=args.seconds + args.grace + 90)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the group this script started
            proc.wait(timeout=10)
    ledger = json.loads(ledger_path.read_text())
    for item in (*ledger["requests"], *ledger["unexpected"]):
        item[2], item[3] = item[2] - t0, item[3] - t0
    for sub in ledger["submissions"]:
        sub["acked_at"] = sub["acked_at"] - t0 if sub["acked"] else 0
    return ledger, record


# ---------------------------------------------------------------------------------------------
# Start to end


@contextlib.contextmanager
def one_run_per_database(db_name: str):
    """A second run on the same database would drop the first one's: refuse it."""
    with Path(tempfile.gettempdir(), f"{db_name}.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(f"Another run is using {db_name}: wait, or pass --db-name") from None
        yield


def hard_limit(seconds: float) -> None:
    """SIGALRM after `seconds`, and SIGTERM, stop the run with HardStop (cleanup follows)."""

    def stop(signum, frame):
        if signum == signal.SIGALRM:
            raise HardStop(f"the hard time limit ({seconds:g} s) was reached")
        raise HardStop(f"stopped by signal {signal.Signals(signum).name}")

    signal.signal(signal.SIGALRM, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.alarm(int(seconds))


def report(summary: dict | None, json_path: Path | None, workdir: Path | None) -> int:
    """Print the summary (stdout, and json_path) and a PASS/FAIL line for each check. The
    logs in workdir are removed when every check passed."""
    if summary is None:
        log(f"no summary; the logs are in {workdir}")
        return 2
    if summary["passed"] and workdir:
        shutil.rmtree(workdir, ignore_errors=True)
        if "server_log" in summary:
            summary["server_log"]["log"] = "removed: the run passed"
    elif workdir:
        log(f"logs kept in {workdir}")
    text = json.dumps(summary, indent=2, default=str)
    print(text)
    if json_path:
        json_path.write_text(text + "\n")
    for name, ok in summary["checks"].items():
        log(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if summary["passed"] else 1


def run_all(args, restart: list[str] | None) -> int:
    env = stack.environment(args)
    os.environ.update(env)
    workdir = Path(tempfile.mkdtemp(prefix="b12-load-"))
    hard_limit(240 + args.seconds + args.grace)  # setup and run; cleanup has its own timeouts
    server = summary = None
    try:
        log(f"creating database {args.db_name} and {args.patients} patients")
        stack.create_database(args)
        stack.setup_django()
        baseline = patients.seed(args)
        server = stack.Server(args, env, workdir)
        server.start()
        log(f"gunicorn on {HOST}:{server.port}; {args.users} users for {args.seconds:g} s")
        fault = None
        if restart:
            fault = (args.restart_db_at, "PostgreSQL restarted", lambda: run_command(restart))
        ledger, record = swarm(args, server.port, workdir, fault)
        if restart:
            record["command"] = " ".join(restart)
        log("run over; stopping gunicorn")
        server.stop()  # nothing can be saved after this: the count below is final
        rows = patients.stored_rows(baseline)
        summary = verdict.summarize(args, ledger, rows, record, baseline, server)
    except (HardStop, KeyboardInterrupt) as exc:
        log(f"{exc or 'interrupted'}: cleaning up")
    finally:
        signal.alarm(0)
        if server is not None:
            server.stop()
        if args.keep_db:
            log(f"kept database {args.db_name}")
        else:
            try:
                stack.drop_database(args)
            except Exception as exc:  # noqa: BLE001 - report and go on: the summary matters
                log(f"could not drop {args.db_name}: {exc}")
    return report(summary, args.json, workdir)


def main(argv=None) -> int:
    args = parse_args(argv)
    missing = [name for name in MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise SystemExit(f"{', '.join(missing)} missing: run this with the project's .venv")
    restart = stack.restart_command(args) if args.restart_db_at is not None else None
    with one_run_per_database(args.db_name):
        return run_all(args, restart)


if __name__ == "__main__":
    sys.exit(main())
