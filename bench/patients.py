"""The load test's patients: seeded before the run, their new rows read after it.

No Django import at module level: bench/locustfile.py reads the accounts' names from here.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

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
