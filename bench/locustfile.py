"""The load test's simulated patients, for Locust (docs/load.md).

bench/load.py runs this with `locust --headless` against its own gunicorn and freshly seeded
patients (bench/patients.py), then checks the ledger it writes (--ledger) against the database.

Each user is one person in one browser. It signs in, then loops: home and its symptom chart,
history, the injection form and its submission (sometimes sent again, or twice at the same
moment, with the same form token), labs every third loop and a check-in every fourth. A
submission that fails (5xx, no answer) is sent again with the same form, as a person would
press reload, until it is acknowledged or the grace time after the run is over.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import time
from datetime import datetime, timedelta

import gevent
from bs4 import BeautifulSoup
from locust import HttpUser, events, task
from locust.exception import StopUser
from patients import EMAIL, PASSWORD  # bench/patients.py, next to this file

FORM_TIME = "%Y-%m-%dT%H:%M"
SYMPTOMS = ("fatigue", "tingling", "numbness", "balance", "memory", "mood")
CHART = re.compile(r'src="(/patients/\d+/charts/symptoms\.svg[^"]*)"')
FORM_ERROR = re.compile(r'class="[^"]*(?:invalid-feedback|alert)[^"]*"[^>]*>([^<]*)<')

# What the users sent and were told, written to --ledger when the run stops. Times are epoch
# seconds. requests: [page, status or "error", start, end].
LEDGER = {
    "started": None,
    "requests": [],
    "submissions": [],
    "unexpected": [],  # [page, status, start, end, why]
    "no_answer": [],  # why a request got no answer
    "unavailable": [],  # 503s: [page, Retry-After, says nothing was saved]
    "logins": 0,
    "resubmissions": 0,
    "double_submits": 0,
}
NUMBERS = itertools.count()


@events.init_command_line_parser.add_listener
def options(parser):
    parser.add_argument("--think", type=float, default=0.5, help="mean pause between pages, s")
    parser.add_argument("--patients", type=int, default=40, help="patients seeded")
    parser.add_argument("--seed", type=int, default=12, help="seeds each user's choices")
    parser.add_argument("--grace", type=float, default=20, help="resubmissions after the run, s")
    parser.add_argument("--ledger", default="", help="write the users' ledger here (JSON)")


@events.test_start.add_listener
def started(environment, **kwargs):
    LEDGER["started"] = time.time()
    write_ledger(environment)  # bench/load.py times its faults from this


@events.request.add_listener
def record(name, response, exception, start_time, response_time, **kwargs):
    status = getattr(response, "status_code", 0) or "error"
    LEDGER["requests"].append([name, status, start_time, start_time + response_time / 1000])
    if status == "error":
        LEDGER["no_answer"].append(f"{name}: {type(exception).__name__}: {exception}"[:150])
    elif status == 503:  # the database was away: was the person told so?
        says = "nothing from this" in response.text
        LEDGER["unavailable"].append([name, response.headers.get("Retry-After"), says])


@events.test_stop.add_listener
def stopped(environment, **kwargs):
    stats = environment.runner.stats
    LEDGER["latency_ms"] = {
        entry.name: {
            "n": entry.num_requests,
            "p50_ms": round(entry.get_response_time_percentile(0.5)),
            "p95_ms": round(entry.get_response_time_percentile(0.95)),
            "max_ms": round(entry.max_response_time or 0),
        }
        for entry in sorted(stats.entries.values(), key=lambda entry: entry.name)
    }
    LEDGER["crashes"] = [error["traceback"] for error in environment.runner.exceptions.values()]
    write_ledger(environment)


def write_ledger(environment) -> None:
    if environment.parsed_options and environment.parsed_options.ledger:
        with open(environment.parsed_options.ledger, "w") as out:
            json.dump(LEDGER, out)


def form_fields(html: str, name: str) -> list[list[str]] | None:
    """The fields a browser would send, as the page stands, for its form with a field `name`."""
    for form in BeautifulSoup(html, "html.parser").find_all("form"):
        fields = []
        for element in form.find_all(["input", "select", "textarea"]):
            key = element.get("name")
            kind = (element.get("type") or "text").lower()
            if not key or kind in ("submit", "button", "image", "reset"):
                continue
            if element.name == "input":
                if kind in ("checkbox", "radio") and not element.has_attr("checked"):
                    continue
                fields.append([key, element.get("value") or ""])
            elif element.name == "select":
                options = element.find_all("option")
                chosen = next((o for o in options if o.has_attr("selected")), None)
                chosen = chosen or (options[0] if options else None)
                fields.append([key, chosen.get("value", "") if chosen else ""])
            else:
                fields.append([key, element.text.lstrip("\n")])
        if any(key == name for key, _ in fields):
            return fields
    return None


def set_field(fields: list[list[str]], name: str, value: str) -> None:
    for item in fields:
        if item[0] == name:
            item[1] = value
            return
    fields.append([name, value])


def get_field(fields: list[list[str]], name: str) -> str:
    return next((value for key, value in fields if key == name), "")


class Patient(HttpUser):
    """One person in one browser: a cookie jar and a loop over the patient's pages."""

    def on_start(self):
        self.number = next(NUMBERS)
        opts = self.environment.parsed_options
        self.email = EMAIL.format(self.number % opts.patients)
        self.rng = random.Random(opts.seed * 1000 + self.number)  # noqa: S311 - not security
        self.sent = self.loop = 0
        self.chart = None
        if not self.login():
            raise StopUser()  # refused, or no answer until the end: this person goes home

    def wait_time(self):
        mean = self.environment.parsed_options.think
        return self.rng.uniform(0.5 * mean, 1.5 * mean)

    def fill_in(self) -> None:
        """The pause while a person fills in a form. Not Locust's wait(): a user stopped
        there could be killed as it sends the form; this way a form begun is always sent."""
        gevent.sleep(self.wait_time())

    def grace_over(self) -> bool:
        opts = self.environment.parsed_options
        if not opts.run_time:  # run by hand without --run-time: retry until stopped
            return False
        return time.time() > LEDGER["started"] + opts.run_time + opts.grace

    # -- HTTP ------------------------------------------------------------------------------

    def request(self, page: str, method: str, path: str, fields=None):
        # A new connection each time, as the earlier client did: no race with gunicorn closing
        # an idle kept-alive connection just as a request goes out on it.
        started = time.time()
        answer = self.client.request(
            method,
            path,
            name=page,
            data=fields and [tuple(item) for item in fields],
            headers={"Connection": "close"},
            allow_redirects=False,
            timeout=30,
        )
        answer.started, answer.ended = started, time.time()
        return answer

    def unexpected(self, page: str, answer, why: str) -> None:
        LEDGER["unexpected"].append([page, answer.status_code, answer.started, answer.ended, why])

    def get(self, page: str, path: str):
        """A page view; a signed-out answer signs in again."""
        answer = self.request(page, "GET", path)
        location = answer.headers.get("Location", "") if answer.status_code else ""
        if answer.status_code == 302 and "/accounts/login/" in location:
            self.unexpected(page, answer, "signed out")
            self.login()
        elif 0 < answer.status_code < 500 and answer.status_code != 200:
            self.unexpected(page, answer, location or "not 200")
        return answer

    # -- what a person does ----------------------------------------------------------------

    def login(self) -> bool:
        while not self.grace_over():
            form = self.request("login_form", "GET", "/accounts/login/")
            fields = form_fields(form.text, "password") if form.status_code == 200 else None
            if fields:
                set_field(fields, "username", self.email)
                set_field(fields, "password", PASSWORD)
                answer = self.request("login", "POST", "/accounts/login/", fields)
                if answer.status_code == 302 and answer.headers.get("Location") == "/":
                    LEDGER["logins"] += 1
                    return True
                if 0 < answer.status_code < 500:
                    self.unexpected("login", answer, "sign-in refused")
                    return False  # a wrong password would lock every user out: stop here
            gevent.sleep(0.5)
        return False

    def submit(self, page: str, fields, sub: dict, done) -> bool:
        """Send a form until the server acknowledges it (done(answer) is true). A failure is
        answered as a person would: the same form again (the same token), a little later,
        until the grace time after the run is over."""
        delay = 0.25
        while True:
            sub["attempts"] += 1
            answer = self.request(page, "POST", sub["path"], fields)
            if done(answer):
                sub["acked"], sub["acked_at"] = True, time.time()
                sub["location"] = answer.headers.get("Location", "")
                sub["settled"] = True
                return True
            if 0 < answer.status_code < 500:
                error = FORM_ERROR.search(answer.text)
                why = error.group(1).strip() if error else answer.headers.get("Location", "")
                self.unexpected(page, answer, (why or "not acknowledged")[:160])
                sub["settled"] = True
                return False
            sub["retried_after_error"] = True
            if self.grace_over():
                sub["settled"] = True
                return False
            gevent.sleep(delay)
            delay = min(delay * 2, 2.0)

    def new_submission(self, kind: str, path: str, fields, tag: str) -> dict:
        sub = {"kind": kind, "path": path, "token": get_field(fields, "submission_token")}
        sub.update(tag=tag, patient=self.email, acked=False, acked_at=0, settled=False, attempts=0)
        sub["retried_after_error"] = False
        LEDGER["submissions"].append(sub)
        return sub

    @task
    def visit(self):
        self.loop += 1
        home = self.get("home", "/")
        if home.status_code == 200:
            found = CHART.search(home.text)
            self.chart = found.group(1).replace("&amp;", "&") if found else self.chart
            if self.chart:
                self.get("chart", self.chart)  # the image on the home page
        self.wait()  # Locust's pause; a stopped run ends here, not in the middle of a form
        self.get("history", "/history/")
        self.wait()
        self.log_injection()
        if self.loop % 3 == 0:
            self.wait()
            self.get("labs", "/labs/")
        if self.loop % 4 == 0:
            self.wait()
            self.check_in()

    def log_injection(self) -> None:
        form = self.get("log_form", "/injections/log/")
        fields = form_fields(form.text, "submission_token") if form.status_code == 200 else None
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
        self.fill_in()
        sub = self.new_submission("dose", "/injections/log/", fields, tag)

        def logged(answer):
            return answer.status_code == 302 and answer.headers.get("Location") == "/"

        roll = self.rng.random()
        if roll < 0.05:
            # A double click: the same form twice at the same moment.
            LEDGER["double_submits"] += 1
            twin = gevent.spawn(self.submit, "log_double", fields, sub, logged)
            self.submit("log_post", fields, sub, logged)
            twin.join()
        else:
            self.submit("log_post", fields, sub, logged)
        if sub["acked"] and 0.05 <= roll < 0.15:
            # Back, and submit the same form again: acknowledged like the first, no new row.
            LEDGER["resubmissions"] += 1
            self.submit("log_resubmit", fields, sub, logged)

    def check_in(self) -> None:
        form = self.get("checkin_form", "/checkins/new/")
        fields = form_fields(form.text, "submission_token") if form.status_code == 200 else None
        if not fields:
            return
        for key in SYMPTOMS:
            set_field(fields, key, str(self.rng.randint(0, 7)))
        self.sent += 1
        tag = f"CI-{self.number}-{self.sent}"
        set_field(fields, "note", tag)

        def saved(answer):
            return answer.status_code == 302 and answer.headers.get("Location", "").startswith(
                "/checkins/"
            )

        self.fill_in()
        sub = self.new_submission("checkin", "/checkins/new/", fields, tag)
        if self.submit("checkin_post", fields, sub, saved):
            self.get("checkin_detail", sub["location"])  # the redirect a browser follows
