"""One data set's measurements, run by bench/perf.py in a process whose DATABASE_URL points at
that data set: server-side time and SQL queries of each page, and PostgreSQL's plans for the
triage list's and the record's queries. Prints nothing itself; perf.py prints the JSON."""

from __future__ import annotations

import re
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from load import percentile  # noqa: E402

from accounts.models import User  # noqa: E402
from doses.models import DoseLog  # noqa: E402
from regimens.models import Regimen  # noqa: E402

WARM_UP = 10


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
        # Confirmed: every timed POST after the first is a second dose that day, and the
        # first may come early; the page asks before recording either.
        "confirm_timing": "yes",
    }


def timed(request, count: int, expect: int, before=None) -> tuple[list[float], int]:
    """`count` timed requests after a warm-up, and the queries of one of them; `before`
    runs untimed ahead of each request."""
    before = before or (lambda: None)
    for _ in range(WARM_UP):
        before()
        request()
    before()
    with CaptureQueriesContext(connection) as queries:
        status = request().status_code
    count = len(queries)  # read now: the next request clears the connection's query log
    if status != expect:
        raise RuntimeError(f"expected {expect}, got {status}")
    times = []
    for _ in range(count):
        before()
        began = time.perf_counter()
        request()
        times.append((time.perf_counter() - began) * 1000)
    return times, count


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


def run(requests: int) -> dict:
    clinician, patient = people()
    regimen = Regimen.objects.select_related("current_phase").get(
        patient=patient, status=Regimen.Status.ACTIVE
    )
    as_patient, as_clinician = Client(), Client()
    as_patient.force_login(patient)
    as_clinician.force_login(clinician)
    record_url = reverse("patient_record", args=[patient.pk])
    pages = {
        "home": (lambda: as_patient.get("/"), 200),
        # The same page built from nothing (the cache emptied before each request): what the
        # first view after a change costs.
        "home_uncached": (lambda: as_patient.get("/"), 200, cache.clear),
        "history": (lambda: as_patient.get(reverse("history")), 200),
        "log": (lambda: as_patient.post(reverse("log_dose"), dose_form(patient, regimen)), 302),
        "list": (lambda: as_clinician.get("/"), 200),
        "record": (lambda: as_clinician.get(record_url), 200),
    }
    out = {}
    for name, (request, expect, *before) in pages.items():
        times, queries = timed(request, requests, expect, *before)
        out[name] = {
            "p50_ms": round(percentile(times, 0.5), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "queries": queries,
        }
    # The injections logged above are not part of the data set.
    DoseLog.objects.filter(patient=patient, lot_number="BENCH").delete()
    regimen.refresh_schedule()
    plans = {"list": explain(pages["list"][0]), "record": explain(pages["record"][0])}
    big_tables = ("regimens_regimen", "doses_doselog", "doses_symptomentry", "doses_labresult")
    scans = [
        plan
        for page in plans.values()
        for plan in page
        if any(f'"{table}"' in plan["sql"] for table in big_tables)
    ]
    session = as_patient.cookies["sessionid"].value
    return {
        "pages": out,
        "session": session,
        "patients_in_list": User.objects.filter(care_team__clinician=clinician).count(),
        "patient_doses": DoseLog.objects.filter(patient=patient).count(),
        "explain": {
            "plans": plans,
            "all_use_indexes": all(plan["indexes"] for plan in scans),
        },
    }
