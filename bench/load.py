"""Load test: many patients logging injections and browsing, against gunicorn and PostgreSQL.

Run from the project root with the project's virtualenv (docs/load.md says more):

    .venv/bin/python bench/load.py --users 40 --seconds 60
    .venv/bin/python bench/load.py --users 40 --seconds 60 --restart-db-at 20

What it does, all on 127.0.0.1:
1. creates a fresh PostgreSQL database (b12_load), migrates it, collects the static files and
   creates the patients, each with an active regimen and a little history;
2. starts gunicorn (config.wsgi, gthread workers) on a free port with production settings
   (DEBUG off, DJANGO_SECURE=false because there is no TLS here, DJANGO_CONN_MAX_AGE=60);
3. runs the simulated users for the given time: each signs in, then loops over home (with its
   chart), history, the injection form and its submission (sometimes sent again, or twice at
   the same moment, with the same form token), labs and now and then a check-in;
   a submission that fails (5xx, connection refused) is sent again with the same form, as a
   person would press reload, until it is acknowledged;
4. with --restart-db-at, restarts PostgreSQL once from a separate thread;
5. stops gunicorn, compares what the users were told was saved with the rows in the database,
   prints a JSON summary, drops the database and exits non-zero when a check failed.

Checks: every acknowledged injection and check-in is in the database with the values sent;
a repeated form added no row; the rows equal the acknowledged submissions; no server error
(5xx or a refused/reset connection) at all, or with a restart none after the recovery time;
no unexpected answer (a rejected form, a 403, being signed out).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import http.client
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess  # noqa: S404 - runs gunicorn and pg_ctlcluster, fixed argument lists
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # the only address this script talks to
PASSWORD = "load-test-pass-7291"  # noqa: S105 - throwaway accounts in a throwaway database
EMAIL = "load-patient-{:03d}@example.test"
ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Asia/Kolkata",
]
FORM_TIME = "%Y-%m-%dT%H:%M"
# The last line of a traceback: "django.db.utils.OperationalError: ..." or "KeyError: ...".
EXCEPTION_LINE = re.compile(
    r"^(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*: |^[A-Za-z_]\w*(?:Error|Exception): "
)


class HardStop(Exception):
    """The run is stopped early: its hard time limit passed, or it was sent SIGTERM."""


# ---------------------------------------------------------------------------------------------
# Command line


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=40, help="concurrent simulated users")
    parser.add_argument(
        "--patients", type=int, default=0, help="patients to create (default: one per user)"
    )
    parser.add_argument("--seconds", type=float, default=60, help="length of the run")
    parser.add_argument(
        "--think", type=float, default=0.5, help="mean pause between a user's pages, in seconds"
    )
    parser.add_argument(
        "--restart-db-at",
        type=float,
        default=None,
        metavar="SECONDS",
        help="restart PostgreSQL once, this many seconds into the run",
    )
    parser.add_argument(
        "--restart-cmd",
        default=None,
        help="command that restarts PostgreSQL (default: pg_ctlcluster for the one cluster)",
    )
    parser.add_argument(
        "--recover-seconds",
        type=float,
        default=10,
        help="server errors allowed until this long after the restart finished",
    )
    parser.add_argument(
        "--grace",
        type=float,
        default=20,
        help="after the run, time left for requests in flight and resubmissions",
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--db-name", default="b12_load", help="must start with b12_load")
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--json", type=Path, default=None, help="also write the summary here")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"b12_load\w*", args.db_name):
        parser.error("--db-name must start with b12_load: the database is dropped afterwards")
    if args.users < 1 or args.seconds <= 0:
        parser.error("--users and --seconds must be positive")
    if args.restart_db_at is not None and not 0 < args.restart_db_at < args.seconds:
        parser.error("--restart-db-at must fall inside the run")
    args.patients = args.patients or args.users
    return args


def restart_command(args) -> list[str]:
    if args.restart_cmd:
        return args.restart_cmd.split()
    versions = sorted(p.name for p in Path("/etc/postgresql").glob("*"))
    if len(versions) != 1:
        raise SystemExit(f"Found PostgreSQL clusters {versions}: pass --restart-cmd")
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[0], "main", "restart"]


# ---------------------------------------------------------------------------------------------
# The database: created, filled, counted and dropped in this process


def environment(args) -> dict[str, str]:
    url = f"postgres://{args.pg_user}@{HOST}:{args.pg_port}/{args.db_name}"
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE": "false",  # plain HTTP on 127.0.0.1: no HTTPS redirect, no secure cookies
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": url,
        "DJANGO_CONN_MAX_AGE": "60",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_ALLOW_CONSOLE_EMAIL": "true",  # the run sends no email worth delivering
        # Its clinicians sign in with the password alone: the load, not two-step sign-in.
        "DJANGO_TWO_FACTOR_REQUIRED": "false",
    }


def admin_connection(args):
    import psycopg

    return psycopg.connect(
        host=HOST, port=args.pg_port, user=args.pg_user, dbname="postgres", autocommit=True
    )


def drop_database(args) -> None:
    from psycopg import sql

    with contextlib.suppress(Exception):
        from django.db import connections

        connections.close_all()
    with admin_connection(args) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.db_name))
        )


def create_database(args) -> None:
    from psycopg import sql

    drop_database(args)
    with admin_connection(args) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(args.db_name)))


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(args) -> dict:
    """Migrate, collect static files, create the patients. Returns what the check needs."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import CareTeamMembership, User
    from doses import actions
    from doses.dashboard import site_last_used, suggest_site
    from doses.models import DoseLog, SymptomEntry
    from regimens import actions as regimen_actions
    from regimens.loading import load_example_templates
    from regimens.models import RegimenTemplate

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    load_example_templates()
    templates = list(RegimenTemplate.objects.order_by("pk"))
    rng = random.Random(args.seed)  # noqa: S311 - test data, not security
    hashed = make_password(PASSWORD)  # Argon2 is slow on purpose: hash once, share the hash
    clinician = User.objects.create(
        email="load-clinician@example.test",
        name="Dr Load",
        role=User.Role.CLINICIAN,
        password=hashed,
    )
    for number in range(args.patients):
        patient = User.objects.create(
            email=EMAIL.format(number),
            name=f"Load Patient {number}",
            role=User.Role.PATIENT,
            time_zone=ZONES[number % len(ZONES)],
            password=hashed,
        )
        CareTeamMembership.objects.create(patient=patient, clinician=clinician)
        today = patient.today()
        regimen = regimen_actions.prescribe(
            patient,
            templates[number % len(templates)],
            today - timedelta(days=rng.randint(10, 40)),
            clinician,
            reason="Load test",
        )
        # A little history: each due dose given at 09:00 local until yesterday.
        while regimen.next_due and regimen.next_due < today:
            at = timezone.make_aware(
                datetime.combine(regimen.next_due, datetime.min.time()), patient.zone
            ) + timedelta(hours=9)
            actions.log_dose(
                regimen,
                patient,
                administered_at=at,
                dose_mcg=regimen.current_phase.dose_mcg,
                route=regimen.route,
                site=suggest_site(regimen.route, site_last_used(patient, regimen.route)),
                administered_by="self",
            )
            regimen.refresh_from_db()
        for week in range(1, 4):
            actions.record_checkin(
                patient,
                patient,
                recorded_at=timezone.now() - timedelta(days=7 * week),
                **{key: rng.randint(0, 6) for key in SymptomEntry.SYMPTOMS},
            )
    return {
        "dose_pk": DoseLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        "checkin_pk": SymptomEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
        or 0,
        "doses_seeded": DoseLog.objects.count(),
    }


def stored_rows(baseline: dict) -> dict[str, dict[str, dict]]:
    """Rows created during the run: {kind: {token: {"tag": ..., "patient": ...}}}."""
    from django.db import connections

    from doses.models import DoseLog, SymptomEntry

    connections.close_all()  # the connection from before a restart is gone
    doses = DoseLog.objects.filter(pk__gt=baseline["dose_pk"]).values_list(
        "submission_token", "lot_number", "patient__email"
    )
    checkins = SymptomEntry.objects.filter(pk__gt=baseline["checkin_pk"]).values_list(
        "submission_token", "note", "patient__email"
    )
    rows = {"dose": {}, "checkin": {}}
    for kind, query in (("dose", doses), ("checkin", checkins)):
        for token, tag, email in query:
            rows[kind][str(token)] = {"tag": tag, "patient": email}
    return rows


# ---------------------------------------------------------------------------------------------
# gunicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, args, env: dict[str, str], workdir: Path, name: str = "gunicorn"):
        self.port = free_port()
        self.log_path = workdir / f"{name}.log"
        self.args, self.env = args, env
        self.proc = None

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.args.workers),
            "--threads",
            str(self.args.threads),
            "--worker-class",
            "gthread",
            "--timeout",
            "30",
            "--graceful-timeout",
            "10",
        ]
        with self.log_path.open("w") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
                command,
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as one below
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.log_path}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/accounts/login/")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 30 s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # graceful: requests in flight finish
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group this script started
            self.proc.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL to the master and its workers at once: a machine that died."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group this script started
            self.proc.wait(timeout=10)

    def log_findings(self) -> dict:
        """What the server logged: for each 500, the exception that ended the request."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        causes, last = Counter(), None
        for line in [*text.splitlines(), "Internal Server Error: (end)"]:
            if line.startswith("Internal Server Error:"):
                if last:
                    causes[last] += 1
                last = None
            elif EXCEPTION_LINE.match(line):
                last = line.strip()[:200]
        return {
            "log": str(self.log_path),
            "internal_server_errors": text.count("Internal Server Error:"),
            "worker_timeouts": text.count("WORKER TIMEOUT"),
            "causes": dict(causes.most_common(8)),
        }


# ---------------------------------------------------------------------------------------------
# The simulated browser


class FormParser(HTMLParser):
    """Every form of a page, with the values a browser would send as it stands."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        if tag == "form":
            self._form = {"action": attr.get("action") or "", "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and attr.get("name"):
            kind = (attr.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attr:
                return
            self._form["fields"].append([attr["name"], attr.get("value") or ""])
        elif tag == "select" and attr.get("name"):
            self._select = {"name": attr["name"], "options": [], "selected": None}
        elif tag == "option" and self._select is not None:
            value = attr.get("value") or ""
            self._select["options"].append(value)
            if "selected" in attr and self._select["selected"] is None:
                self._select["selected"] = value
        elif tag == "textarea" and attr.get("name"):
            self._textarea = [attr["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            select = self._select
            value = select["selected"]
            if value is None and select["options"]:
                value = select["options"][0]
            self._form["fields"].append([select["name"], value or ""])
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form["fields"].append([self._textarea[0], self._textarea[1].lstrip("\n")])
            self._textarea = None


def form_with(html: str, name: str) -> list[list[str]] | None:
    """The fields of the page's form that has a field called `name`."""
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        if any(field_name == name for field_name, _ in form["fields"]):
            return form["fields"]
    return None


def set_field(fields: list[list[str]], name: str, value: str) -> None:
    for item in fields:
        if item[0] == name:
            item[1] = value
            return
    fields.append([name, value])


def get_field(fields: list[list[str]], name: str) -> str:
    return next((value for field_name, value in fields if field_name == name), "")


@dataclass
class Answer:
    status: int | str  # an HTTP status, or "error" when no answer came
    location: str = ""
    body: str = ""
    detail: str = ""
    started: float = 0.0  # seconds into the run
    ended: float = 0.0

    @property
    def failed(self) -> bool:
        """A server error as a person sees it: a 5xx or no answer at all."""
        return self.status == "error" or self.status >= 500


@dataclass
class Submission:
    kind: str  # "dose" or "checkin"
    token: str
    tag: str  # the lot number or note sent, checked against the row
    patient: str
    acked: bool = False
    attempts: int = 0
    retried_after_error: bool = False
    acked_at: float = 0.0


@dataclass
class UserStats:
    requests: list = field(default_factory=list)  # (page, status, start s, end s)
    submissions: list = field(default_factory=list)
    unexpected: list = field(default_factory=list)  # (page, status, start s, end s, why)
    no_answer: list = field(default_factory=list)  # why a request got no answer
    unavailable: list = field(default_factory=list)  # 503s: (page, Retry-After, says unsaved)
    resubmissions: int = 0
    double_submits: int = 0
    logins: int = 0
    crash: str = ""


class User:
    """One person in one browser: a cookie jar and a loop over the patient's pages."""

    def __init__(self, number: int, run: Run):
        self.number = number
        self.run = run
        self.email = EMAIL.format(number % run.args.patients)
        self.cookies: dict[str, str] = {}
        self.cookie_lock = threading.Lock()
        self.stats = UserStats()
        self.rng = random.Random(run.args.seed * 1000 + number)  # noqa: S311 - not security
        self.sent = 0

    # -- HTTP ------------------------------------------------------------------------------

    def request(self, page: str, method: str, path: str, fields=None) -> Answer:
        headers = {"Host": f"{HOST}:{self.run.port}", "Connection": "close"}
        with self.cookie_lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode([tuple(item) for item in fields]).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        conn = http.client.HTTPConnection(HOST, self.run.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            answer = Answer(response.status, response.getheader("Location") or "", text)
            if response.status == 503:  # the database was away: was the person told so?
                self.stats.unavailable.append(
                    (page, response.getheader("Retry-After"), "nothing from this" in text)
                )
            self.keep_cookies(response.headers.get_all("Set-Cookie") or [])
        except (OSError, http.client.HTTPException) as exc:
            answer = Answer("error", detail=f"{type(exc).__name__}: {exc}")
            self.stats.no_answer.append(f"{page}: {answer.detail}"[:150])
        finally:
            conn.close()
        answer.started = started - self.run.t0
        answer.ended = time.monotonic() - self.run.t0
        self.stats.requests.append((page, answer.status, answer.started, answer.ended))
        return answer

    def keep_cookies(self, headers: list[str]) -> None:
        with self.cookie_lock:
            for header in headers:
                cookie = SimpleCookie()
                cookie.load(header)
                for name, morsel in cookie.items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value

    def unexpected(self, page: str, answer: Answer, why: str) -> None:
        self.stats.unexpected.append((page, answer.status, answer.started, answer.ended, why))

    def get(self, page: str, path: str) -> Answer:
        """A page view; a signed-out answer signs in again."""
        answer = self.request(page, "GET", path)
        if answer.status == 302 and "/accounts/login/" in answer.location:
            self.unexpected(page, answer, "signed out")
            self.login()
        elif not answer.failed and answer.status != 200:
            self.unexpected(page, answer, answer.location or "not 200")
        return answer

    # -- what a person does ----------------------------------------------------------------

    def pause(self) -> None:
        mean = self.run.args.think
        if mean > 0:
            time.sleep(self.rng.uniform(0.5 * mean, 1.5 * mean))

    def login(self) -> bool:
        while self.run.running(grace=True):
            form = self.request("login_form", "GET", "/accounts/login/")
            fields = form_with(form.body, "password") if form.status == 200 else None
            if fields:
                set_field(fields, "username", self.email)
                set_field(fields, "password", PASSWORD)
                answer = self.request("login", "POST", "/accounts/login/", fields)
                if answer.status == 302 and answer.location == "/":
                    self.stats.logins += 1
                    return True
                if not answer.failed:
                    self.unexpected("login", answer, "sign-in refused")
                    return False  # a wrong password would lock every user out: stop here
            time.sleep(0.5)
        return False

    def submit(self, page: str, path: str, fields, sub: Submission, done) -> Answer | None:
        """Send a form until the server acknowledges it (done(answer) is true) and return
        that answer. A failure is answered as a person would: the same form again (the same
        token), a little later, until the grace time after the run is over."""
        delay = 0.25
        while True:
            sub.attempts += 1
            answer = self.request(page, "POST", path, fields)
            if done(answer):
                sub.acked = True
                sub.acked_at = time.monotonic() - self.run.t0
                return answer
            if not answer.failed:
                error = re.search(
                    r'class="[^"]*(?:invalid-feedback|alert)[^"]*"[^>]*>([^<]*)<', answer.body
                )
                why = error.group(1).strip() if error else answer.location or "not acknowledged"
                self.unexpected(page, answer, why[:160])
                return None
            sub.retried_after_error = True
            if not self.run.running(grace=True):
                return None
            time.sleep(delay)
            delay = min(delay * 2, 2.0)

    def log_injection(self) -> None:
        form = self.get("log_form", "/injections/log/")
        fields = form_with(form.body, "submission_token") if form.status == 200 else None
        if not fields:
            return
        # The prefilled time is now, in the patient's zone: say it was a few minutes ago.
        shown = datetime.strptime(get_field(fields, "administered_at"), FORM_TIME)
        when = shown - timedelta(minutes=self.rng.randint(1, 30))
        set_field(fields, "administered_at", when.strftime(FORM_TIME))
        self.sent += 1
        tag = f"LT-{self.number}-{self.sent}"
        set_field(fields, "lot_number", tag)
        # Several injections a day are early or second doses: the person confirms them (the
        # "Yes, log this dose" button) with the form, as they would on the warning.
        set_field(fields, "confirm_timing", "yes")
        sub = Submission("dose", get_field(fields, "submission_token"), tag, self.email)
        self.stats.submissions.append(sub)

        def logged(answer):
            return answer.status == 302 and answer.location == "/"

        path = "/injections/log/"
        self.pause()  # filling in the form
        roll = self.rng.random()
        if roll < 0.05:
            # A double click: the same form twice at the same moment.
            self.stats.double_submits += 1
            twin = threading.Thread(
                target=self.submit, args=("log_double", path, fields, sub, logged), daemon=True
            )
            twin.start()
            self.submit("log_post", path, fields, sub, logged)
            twin.join()
        else:
            self.submit("log_post", path, fields, sub, logged)
        if sub.acked and 0.05 <= roll < 0.15 and self.run.running():
            # Back, and submit the same form again: acknowledged like the first, no new row.
            self.stats.resubmissions += 1
            self.submit("log_resubmit", path, fields, sub, logged)

    def check_in(self) -> None:
        form = self.get("checkin_form", "/checkins/new/")
        fields = form_with(form.body, "submission_token") if form.status == 200 else None
        if not fields:
            return
        for key in ("fatigue", "tingling", "numbness", "balance", "memory", "mood"):
            set_field(fields, key, str(self.rng.randint(0, 7)))
        self.sent += 1
        tag = f"CI-{self.number}-{self.sent}"
        set_field(fields, "note", tag)
        sub = Submission("checkin", get_field(fields, "submission_token"), tag, self.email)
        self.stats.submissions.append(sub)

        def saved(answer):
            return answer.status == 302 and answer.location.startswith("/checkins/")

        self.pause()
        answer = self.submit("checkin_post", "/checkins/new/", fields, sub, saved)
        if answer is not None and self.run.running():
            self.get("checkin_detail", answer.location)  # the redirect a browser follows

    def live(self) -> None:
        try:
            self.browse()
        except Exception:  # a bug in this script, not in the app: reported as such
            self.stats.crash = traceback.format_exc(limit=3)
            log(f"user {self.number} crashed:\n{self.stats.crash}")

    def browse(self) -> None:
        self.run.start_gate.wait()
        time.sleep(self.rng.uniform(0, 2))  # people do not all arrive in the same millisecond
        if not self.login():
            return
        chart = None
        loop = 0
        while self.run.running():
            loop += 1
            home = self.get("home", "/")
            if home.status == 200:
                found = re.search(r'src="(/patients/\d+/charts/symptoms\.svg[^"]*)"', home.body)
                chart = found.group(1).replace("&amp;", "&") if found else chart
                if chart:
                    self.get("chart", chart)  # the image on the home page
            self.pause()
            steps = [lambda: self.get("history", "/history/"), self.log_injection]
            if loop % 3 == 0:
                steps.append(lambda: self.get("labs", "/labs/"))
            if loop % 4 == 0:
                steps.append(self.check_in)
            for step in steps:
                if not self.run.running():
                    return
                step()
                self.pause()


# ---------------------------------------------------------------------------------------------
# The run


class Run:
    def __init__(self, args, port: int):
        self.args = args
        self.port = port
        self.start_gate = threading.Event()
        self.t0 = self.stop_at = self.grace_until = float("inf")
        self.restart: dict = {}

    def begin(self) -> None:
        self.t0 = time.monotonic()
        self.stop_at = self.t0 + self.args.seconds
        self.grace_until = self.stop_at + self.args.grace
        self.start_gate.set()

    def running(self, grace: bool = False) -> bool:
        return time.monotonic() < (self.grace_until if grace else self.stop_at)

    def restart_database(self, command: list[str]) -> None:
        time.sleep(max(0.0, self.t0 + self.args.restart_db_at - time.monotonic()))
        began = time.monotonic() - self.t0
        try:
            done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
                command, capture_output=True, text=True, timeout=60, check=False
            )
            rc, output = done.returncode, (done.stdout + done.stderr).strip()
        except (OSError, subprocess.TimeoutExpired) as exc:
            rc, output = -1, f"{type(exc).__name__}: {exc}"
        finished = time.monotonic() - self.t0
        self.restart = {
            "command": " ".join(command),
            "began_s": round(began, 2),
            "finished_s": round(finished, 2),
            "took_s": round(finished - began, 2),
            "returncode": rc,
            "output": output[-300:],
        }
        log(f"PostgreSQL restarted at {began:.1f}-{finished:.1f} s (rc {rc})")


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, math.ceil(share * len(ordered)) - 1)  # nearest rank
    return ordered[index]


def summarize(
    args, run: Run, users: list[User], baseline: dict, rows: dict, stuck: int, server: Server
) -> dict:
    requests = [item for user in users for item in user.stats.requests]
    unexpected = [item for user in users for item in user.stats.unexpected]
    window = None
    if run.restart:
        window = (run.restart["began_s"], run.restart["finished_s"] + args.recover_seconds)

    def phase(start: float, end: float) -> str:
        """When a request ran: one that overlapped the restart or the recovery time after it
        is in the outage window."""
        if window is None:
            return "no_restart"
        if end < window[0]:
            return "before_restart"
        return "outage_window" if start <= window[1] else "after_recovery"

    def outside(counter: Counter) -> int:
        return sum(n for key, n in counter.items() if key != "outage_window")

    failed = [item for item in requests if item[1] == "error" or item[1] >= 500]
    errors_by_phase = Counter(phase(start, end) for _, _, start, end in failed)
    unexpected_by_phase = Counter(phase(start, end) for _, _, start, end, _ in unexpected)

    latency = {}
    by_page = defaultdict(list)
    for page, status, start, end in requests:
        if status != "error":
            by_page[page].append((end - start) * 1000)
    for page, values in sorted(by_page.items()):
        latency[page] = {
            "n": len(values),
            "p50_ms": round(percentile(values, 0.50)),
            "p95_ms": round(percentile(values, 0.95)),
            "max_ms": round(max(values)),
        }

    kinds = {}
    for kind in ("dose", "checkin"):
        subs = {s.token: s for user in users for s in user.stats.submissions if s.kind == kind}
        acked = {token for token, s in subs.items() if s.acked}
        stored = rows[kind]
        lost = sorted(acked - stored.keys())
        wrong = sorted(
            token
            for token in acked & stored.keys()
            if (stored[token]["tag"], stored[token]["patient"])
            != (subs[token].tag, subs[token].patient)
        )
        unknown = sorted(stored.keys() - subs.keys())  # a row no form of ours made
        in_doubt = sorted((subs.keys() - acked) & stored.keys())  # saved, never acknowledged
        kinds[kind] = {
            "forms_sent": len(subs),
            "acknowledged": len(acked),
            "rows_in_db": len(stored),
            "lost": len(lost),
            "values_differ": len(wrong),
            "duplicate_rows": len(unknown),
            "saved_not_acknowledged": len(in_doubt),
            "failed_not_saved": len(subs.keys() - acked - stored.keys()),
            "retried_after_error": sum(s.retried_after_error for s in subs.values()),
            "acknowledged_after_recovery": (
                sum(1 for s in subs.values() if s.acked and s.acked_at > window[1])
                if window
                else None
            ),
            "examples": {"lost": lost[:3], "values_differ": wrong[:3], "duplicate": unknown[:3]},
        }
    doses = kinds["dose"]
    doses["resubmissions"] = sum(user.stats.resubmissions for user in users)
    doses["double_submits"] = sum(user.stats.double_submits for user in users)

    statuses = Counter(str(status) for _, status, _, _ in requests)
    duration = args.seconds
    last_error = max((end for _, _, _, end in failed), default=None)
    summary = {
        "config": {
            "users": args.users,
            "patients": args.patients,
            "seconds": args.seconds,
            "think_s": args.think,
            "gunicorn": f"{args.workers} workers x {args.threads} threads (gthread)",
            "restart_db_at_s": args.restart_db_at,
            "recover_seconds": args.recover_seconds,
            "database": args.db_name,
            "injections_seeded": baseline["doses_seeded"],
        },
        "requests": len(requests),
        "throughput_rps": round(len(requests) / duration, 1),
        "injections_per_s": round(doses["acknowledged"] / duration, 1),
        "by_status": dict(sorted(statuses.items())),
        "server_errors": {
            "total": len(failed),
            "5xx": sum(1 for item in failed if item[1] != "error"),
            "no_answer": sum(1 for item in failed if item[1] == "error"),
            **dict(errors_by_phase),
            "last_answered_at_s": round(last_error, 2) if last_error is not None else None,
            "no_answer_causes": dict(
                Counter(item for user in users for item in user.stats.no_answer).most_common(4)
            ),
        },
        "unexpected": {
            "total": len(unexpected),
            **dict(unexpected_by_phase),
            "examples": [
                [page, status, round(start, 2), why]
                for page, status, start, _, why in unexpected[:5]
            ],
        },
        "logins": sum(user.stats.logins for user in users),
        "injections": doses,
        "checkins": kinds["checkin"],
        "latency_ms": latency,
        "server_log": server.log_findings(),
    }
    if run.restart:
        finished = run.restart["finished_s"]
        ok_after = [
            start
            for _, status, start, _ in requests
            if start >= finished and status != "error" and status < 500
        ]
        summary["restart"] = {
            **run.restart,
            "outage_window_s": [round(window[0], 2), round(window[1], 2)],
            # Negative: the last error was answered before the restart had even finished.
            "last_error_after_restart_finished_s": (
                round(last_error - finished, 2) if last_error is not None else None
            ),
            "first_success_after_restart_finished_s": (
                round(min(ok_after) - finished, 2) if ok_after else None
            ),
        }

    checks = {
        "every user signed in": summary["logins"] >= args.users,
        "no acknowledged injection or check-in lost": doses["lost"] + kinds["checkin"]["lost"] == 0,
        "stored values are the ones sent": doses["values_differ"]
        + kinds["checkin"]["values_differ"]
        == 0,
        "repeated forms added no row": doses["duplicate_rows"] + kinds["checkin"]["duplicate_rows"]
        == 0,
        "rows in the database equal acknowledged submissions": all(
            k["rows_in_db"] == k["acknowledged"] for k in kinds.values()
        ),
        "every user finished in time": stuck == 0,
        "no crash in the load script": not any(user.stats.crash for user in users),
    }
    if window is None:
        checks["no server error"] = not failed
        checks["no unexpected answer"] = not unexpected
    else:
        checks[run.restart.get("check", "PostgreSQL restarted")] = run.restart["returncode"] == 0
        checks[f"no server error later than {args.recover_seconds:g} s after the restart"] = (
            outside(errors_by_phase) == 0
        )
        checks["no unexpected answer outside the outage"] = outside(unexpected_by_phase) == 0
        checks["injections acknowledged after the recovery"] = bool(
            doses["acknowledged_after_recovery"]
        )
    summary["checks"] = checks
    summary["passed"] = all(checks.values())
    return summary


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        import django  # noqa: F401
        import gunicorn  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise SystemExit(f"{exc}: run this with the project's .venv/bin/python") from exc
    restart = restart_command(args) if args.restart_db_at is not None else None
    # One run per database at a time: a second one would drop the first one's database.
    with Path(tempfile.gettempdir(), f"{args.db_name}.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(
                f"Another load run is using {args.db_name}: wait, or pass --db-name"
            ) from None
        return run_all(args, restart)


def run_all(args, restart: list[str] | None) -> int:
    env = environment(args)
    os.environ.update(env)
    workdir = Path(tempfile.mkdtemp(prefix="b12-load-"))

    def hard_stop(signum, frame):
        if signum == signal.SIGALRM:
            raise HardStop(f"the hard time limit ({limit:g} s) was reached")
        raise HardStop(f"stopped by signal {signal.Signals(signum).name}")

    limit = 240 + args.seconds + args.grace
    signal.signal(signal.SIGALRM, hard_stop)
    signal.signal(signal.SIGTERM, hard_stop)
    signal.alarm(int(limit))  # setup and run; the cleanup below has its own timeouts
    server = None
    summary = None
    try:
        log(f"creating database {args.db_name} and {args.patients} patients")
        create_database(args)
        setup_django()
        baseline = seed(args)
        server = Server(args, env, workdir)
        server.start()
        log(f"gunicorn on {HOST}:{server.port}; {args.users} users for {args.seconds:g} s")
        run = Run(args, server.port)
        users = [User(number, run) for number in range(args.users)]
        threads = [threading.Thread(target=user.live, daemon=True) for user in users]
        for thread in threads:
            thread.start()
        run.begin()
        if restart:
            threading.Thread(target=run.restart_database, args=(restart,), daemon=True).start()
        for thread in threads:
            thread.join(timeout=max(0.0, run.grace_until + 35 - time.monotonic()))
        stuck = sum(thread.is_alive() for thread in threads)
        log(f"run over after {time.monotonic() - run.t0:.1f} s; stopping gunicorn")
        server.stop()  # nothing can be saved after this: the count below is final
        rows = stored_rows(baseline)
        summary = summarize(args, run, users, baseline, rows, stuck, server)
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
                drop_database(args)
            except Exception as exc:  # noqa: BLE001 - report and go on: the summary matters
                log(f"could not drop {args.db_name}: {exc}")
    if summary is None:
        log(f"no summary; gunicorn's log is in {workdir}")
        return 2
    if summary["passed"]:
        shutil.rmtree(workdir, ignore_errors=True)
        summary["server_log"]["log"] = "removed: the run passed"
    text = json.dumps(summary, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    for name, ok in summary["checks"].items():
        log(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
