"""One data set's measurements, run by bench/perf.py in a process whose DATABASE_URL points at
that data set: server-side time and SQL queries of each page, alone and with the images it
shows, and PostgreSQL's plans for the triage list's and the record's queries. Prints nothing
itself; perf.py prints the JSON. The requests themselves are in bench/pages.py."""

from __future__ import annotations

import re
import sys
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.cache.utils import make_template_fragment_key  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone, translation  # noqa: E402
from sampling import CHANGE, HIT, HOUR, images, schedule, summary, timed  # noqa: E402

from accounts.models import User  # noqa: E402
from doses import freshness  # noqa: E402
from doses.models import DoseLog  # noqa: E402
from regimens.models import Regimen  # noqa: E402
from reminders.models import CalendarFeed  # noqa: E402

WARM_UP = 10
TAKEN_BACK = "after the last injection logged was taken back"


def people() -> tuple[User, User]:
    """The first care team's clinician and, among the first 100 patients (the same people in
    both data sets: the seed is the same), the one with the longest history and an active
    regimen, so that the small and the large set time the same patient's pages."""
    clinician = User.objects.filter(role=User.Role.CLINICIAN, email__endswith="bulk.example.org")
    clinician = clinician.order_by("pk").first()
    first = User.objects.filter(care_team__clinician=clinician).order_by("pk")[:100]
    patient = (
        User.objects.filter(pk__in=list(first.values_list("pk", flat=True)))
        .filter(regimens__status=Regimen.Status.ACTIVE)
        .annotate(doses_count=Count("doses", filter=Q(doses__deleted_at__isnull=True)))
        .order_by("-doses_count", "pk")
        .first()
    )
    return clinician, patient


def due_patient(clinician: User, fallback: User) -> User:
    """Among the same first 100 patients, the one with the longest history whose next
    injection is due (today or overdue): logging it is the usual case, an on-time dose, which
    the page records without asking anything. `fallback` if none is due."""
    first = User.objects.filter(care_team__clinician=clinician).order_by("pk")[:100]
    today = timezone.localdate()
    due = (
        User.objects.filter(pk__in=list(first.values_list("pk", flat=True)))
        .filter(regimens__status=Regimen.Status.ACTIVE, regimens__next_due__lte=today)
        .annotate(doses_count=Count("doses", filter=Q(doses__deleted_at__isnull=True)))
        .order_by("-doses_count", "pk")
        .first()
    )
    return due or fallback


def dose_form(patient: User, regimen: Regimen) -> dict:
    moment = timezone.localtime(timezone.now(), patient.zone).strftime("%Y-%m-%dT%H:%M")
    return {
        "submission_token": str(uuid.uuid4()),
        "administered_at": moment,
        "dose_mcg": regimen.current_phase.dose_mcg,
        "medication": "",
        "concentration_mcg_per_ml": "",
        "route": regimen.route,
        "site": "LD" if regimen.route == "IM" else "LLAQ",
        "lot_number": "BENCH",
        "administered_by": "self",
        "reaction_notes": "",
        # Confirmed: the warm-up's POSTs are second doses that day, which the page asks
        # about; each timed POST comes after the one before it is taken back (run()).
        "confirm_timing": "yes",
    }


def explain(request) -> dict:
    """EXPLAIN each SELECT the page makes; which indexes the plans use."""
    with CaptureQueriesContext(connection) as captured:
        request()
    queries = list(captured.captured_queries)
    plans = []
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or "django_session" in sql:
                continue
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            indexes = sorted(
                set(re.findall(r"(?:Index|Index Only) Scan (?:Backward )?using (\S+)", plan))
            )
            plans.append({"sql": sql[:300], "indexes": indexes, "plan": plan})
    return plans


class Browser:
    """A signed-in test Client that, like a browser, keeps each image's ETag and asks again
    with If-None-Match (the charts are sent `Cache-Control: private, no-cache`)."""

    def __init__(self, user: User | None):
        self.client = Client()
        if user is not None:
            self.client.force_login(user)
        self.etags: dict[str, str] = {}
        self.language = None

    def get(self, url: str, expect=(200,), revalidate: bool = True):
        headers = {"If-None-Match": self.etags[url]} if revalidate and url in self.etags else {}
        response = self.client.get(url, headers=headers)
        if response.status_code not in expect:
            raise RuntimeError(f"{url}: expected {expect}, got {response.status_code}")
        if response.has_header("ETag"):
            self.etags[url] = response["ETag"]
        self.language = response.get("Content-Language", self.language)
        return response

    def page(self, url: str, prefix: str, revalidate: bool = True) -> int:
        """The page and every chart its HTML shows, one after the other, as a browser fetches
        them (304 for an image whose ETag still holds). Returns how many requests it took."""
        html = self.get(url).content.decode()
        charts = images(html, prefix)
        if not charts:
            raise RuntimeError(f"{url} shows no chart under {prefix}")
        for src in charts:
            self.get(src, expect=(200, 304), revalidate=revalidate)
        return 1 + len(charts)


def measure(request, samples: int, plan=None, act=None) -> dict:
    """`samples` timed requests after a warm-up, and the queries of one more. `plan` (from
    sampling.schedule) says what precedes each: HIT nothing, else act[event]() untimed. The
    queries are those of a request preceded by the plan's first event other than HIT, if
    any (the miss, what the mix adds), and of a hit as well."""
    plan = plan or [HIT] * samples
    act = act or {}
    for _ in range(WARM_UP):
        request()
    counts = {}
    for event in dict.fromkeys([HIT, *plan]):
        if event != HIT:
            act[event]()
        with CaptureQueriesContext(connection) as captured:
            request()
        counts[event] = len(captured)  # read now: the next request clears the query log
    misses = [event for event in counts if event != HIT]
    out = summary(timed(request, samples, lambda i: act[plan[i]]() if plan[i] != HIT else None))
    out["queries"] = counts[misses[0]] if misses and set(plan) == {misses[0]} else counts[HIT]
    if misses:
        out["queries_by_event"] = counts
        out["mix"] = dict(Counter(plan))
    return out


def run(requests: int, mix: dict[str, float]) -> dict:
    clinician, patient = people()
    as_patient, as_clinician, anonymous = Browser(patient), Browser(clinician), Browser(None)
    record_url = reverse("patient_record", args=[patient.pk])
    charts_under = reverse("patient_chart", args=[patient.pk, "symptoms"]).rsplit("/", 1)[0]
    feed, new_feed = CalendarFeed.objects.get_or_create(user=patient)
    feed_url = reverse("calendar_feed", args=[feed.token])

    def change():
        """What a change to the record does to every cache: the patient's version raised."""
        freshness.bump(pk=patient.pk)

    def turn_hour():
        """The hour's turn: the home's keys name the hour, so the next view finds neither the
        page nor its body. The keys of this hour are removed (sessions and charts stay)."""
        patient.refresh_from_db(fields=["record_version"])
        with translation.override(as_patient.language):
            body = make_template_fragment_key("home", [freshness.home_key(patient)])
            cache.delete_many([freshness.page_key(patient), body])

    logger = due_patient(clinician, patient)
    logger_regimen = Regimen.objects.select_related("current_phase").get(
        patient=logger, status=Regimen.Status.ACTIVE
    )
    as_logger = Browser(logger)

    def take_back():
        """The injections the bench logged removed, so that each timed POST is the day's
        first dose, on time: the usual case (an early or second dose raises an alert); and
        the home the POST redirects to seen, which takes its message (messages left unread
        pile up, then spill from their cookie into the session, written on every POST)."""
        as_logger.get("/")
        DoseLog.objects.filter(patient=logger, lot_number="BENCH").delete()
        logger_regimen.refresh_schedule()

    act = {CHANGE: change, HOUR: turn_hour, TAKEN_BACK: take_back}
    mixed = schedule(requests, mix)
    uncached = [CHANGE] * requests
    as_patient.get("/")  # the language its pages are drawn in, for turn_hour
    pages = {
        # The patient's home: a hit, after a change or at the hour's turn (the mix), and the
        # same page always after a change (the cache of no use).
        "home": (lambda: as_patient.get("/"), mixed),
        "home_uncached": (lambda: as_patient.get("/"), uncached),
        "home_with_chart": (lambda: as_patient.page("/", charts_under), mixed),
        "home_with_chart_uncached": (lambda: as_patient.page("/", charts_under), uncached),
        "history": (lambda: as_patient.get(reverse("history")), None),
        "log": (
            lambda: as_logger.client.post(reverse("log_dose"), dose_form(logger, logger_regimen)),
            [TAKEN_BACK] * requests,
        ),
        "list": (lambda: as_clinician.get("/"), None),
        # The record's parts drawn from the whole history are kept under the record version
        # (clinic/record_history.py): timed under the mix and always after a change.
        "record": (lambda: as_clinician.get(record_url), mixed),
        "record_uncached": (lambda: as_clinician.get(record_url), uncached),
        "record_with_charts": (lambda: as_clinician.page(record_url, charts_under), mixed),
        "record_with_charts_uncached": (
            lambda: as_clinician.page(record_url, charts_under),
            uncached,
        ),
        "fhir": (lambda: as_patient.get(reverse("export_fhir")), None),
        # The feed is kept under the record version and the hour (reminders/feed.py); a
        # calendar app is taken to send no ETag (a 304 would be cheaper still).
        "calendar": (lambda: anonymous.get(feed_url, revalidate=False), mixed),
        "calendar_uncached": (lambda: anonymous.get(feed_url, revalidate=False), uncached),
    }
    out = {}
    for name, (request, plan) in pages.items():
        if name == "log":
            status = request().status_code
            if status != 302:
                raise RuntimeError(f"log: expected 302, got {status}")
        out[name] = measure(request, requests, plan, act)
        out[name]["requests_each"] = request() if "_with_" in name else 1
        if name.endswith("_uncached"):
            out[name]["mix"] = {CHANGE: requests}
    # Each chart alone: drawn (after a change, no ETag sent) and revalidated (304).
    home_html = as_patient.get("/").content.decode()
    record_html = as_clinician.get(record_url).content.decode()
    shown = [(as_patient, src, "compact") for src in images(home_html, charts_under)]
    shown += [(as_clinician, src, "") for src in images(record_html, charts_under)]
    for browser, src, kind in shown:
        name = "chart_" + src.rsplit("/", 1)[1].split(".")[0] + (f"_{kind}" if kind else "")
        draw = lambda browser=browser, src=src: browser.get(src, revalidate=False)  # noqa: E731
        out[name] = measure(draw, requests, uncached, act) | {"url": src}
        browser.get(src, revalidate=False)
        again = lambda browser=browser, src=src: browser.get(src, expect=(304,))  # noqa: E731
        out[f"{name}_304"] = measure(again, requests) | {"url": src}
    # The injections logged above are not part of the data set, nor is a feed made here.
    take_back()
    if new_feed:
        feed.delete()
    plans = {
        "list": explain(lambda: as_clinician.get("/")),
        "record": explain(lambda: as_clinician.get(record_url)),
    }
    big_tables = ("regimens_regimen", "doses_doselog", "doses_symptomentry", "doses_labresult")
    scans = [
        plan
        for page in plans.values()
        for plan in page
        if any(f'"{table}"' in plan["sql"] for table in big_tables)
    ]
    return {
        "pages": out,
        "session": as_patient.client.cookies["sessionid"].value,
        "patients_in_list": User.objects.filter(care_team__clinician=clinician).count(),
        "patient_doses": DoseLog.objects.filter(patient=patient).count(),
        "explain": {
            "plans": plans,
            "all_use_indexes": all(plan["indexes"] for plan in scans),
        },
    }


def sessions(count: int) -> list[tuple[int, str]]:
    """Session cookies of `count` patients (the first by id), each signed in once: the
    uncached home's throughput sends each request as another patient (bench/perf.py)."""
    patients = User.objects.filter(role=User.Role.PATIENT, is_active=True).order_by("pk")
    cookies = []
    for patient in patients[:count]:
        client = Client()
        client.force_login(patient)
        cookies.append((patient.pk, client.cookies["sessionid"].value))
    return cookies
