"""The demo data set behind `make run`: six accounts and a believable history, dated relative
to today so that the demo always looks current. Loading it twice adds nothing."""

import io
import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from accounts.models import CareTeamMembership, User
from doses import actions, alerts
from doses.dashboard import site_last_used, suggest_site
from doses.models import Alert, DoseLog
from labs.models import LabResult
from regimens import actions as regimen_actions
from regimens.loading import load_example_templates
from regimens.models import Regimen, RegimenTemplate
from sharing import actions as sharing
from supplies import actions as supply_actions
from supplies import labels

PASSWORD = "b12-demo-pass"  # noqa: S105 - demo accounts only, printed by `make run`

ACCOUNTS = [
    ("patient@example.com", "Pat Morgan", User.Role.PATIENT, "America/New_York"),
    ("patient2@example.com", "Sam Okafor", User.Role.PATIENT, "Europe/London"),
    ("clinician@example.com", "Dr Alex Rivera", User.Role.CLINICIAN, "America/New_York"),
    ("clinician2@example.com", "Dr Jo Lindqvist", User.Role.CLINICIAN, "Europe/London"),
    ("pharmacist@example.com", "Priya Shah", User.Role.PHARMACIST, "America/New_York"),
    ("carer@example.com", "Chris Morgan", User.Role.CARER, "America/New_York"),
    ("admin@example.com", "Site Admin", User.Role.ADMIN, "UTC"),
]

US_TEMPLATE = "Cyanocobalamin 1000 mcg, common US practice"
UK_TEMPLATE = "Hydroxocobalamin, no neurological involvement (UK)"


def _at(user, day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), user.zone)


def _account(email, name, role, zone) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    if user:
        return user, False
    extra = {"is_staff": True, "is_superuser": True} if role == User.Role.ADMIN else {}
    return User.objects.create_user(
        email, PASSWORD, name=name, role=role, time_zone=zone, **extra
    ), True


def _label_picture() -> SimpleUploadedFile:
    """A plain picture standing in for a photo of a vial's label."""
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (235, 235, 225)).save(out, "JPEG")
    return SimpleUploadedFile("label.jpg", out.getvalue(), content_type="image/jpeg")


def _supply_with_label(patient, regimen, today) -> None:
    supply, _ = supply_actions.add_supply(
        patient,
        patient,
        medication=regimen.medication,
        concentration_mcg_per_ml=regimen.concentration_mcg_per_ml,
        container_ml=Decimal("1"),
        count=10,
        expires_on=today + timedelta(days=400),
        lot_number="LOT-2417A",
        received_on=today - timedelta(days=20),
    )
    labels.attach_photo(supply, patient, _label_picture())


def _give_until(regimen, patient, rng, stop_before, *, late_every=4, skip_at=None):
    """Log each due dose, now and then a day or few late, until the due date reaches
    `stop_before`. Returns the number of events."""
    count = 0
    while regimen.next_due and regimen.next_due < stop_before:
        count += 1
        if count == skip_at:
            actions.skip_dose(regimen, patient, "Away on holiday, no supplies with me")
        else:
            late = rng.choice([1, 2, 3]) if count % late_every == 0 else 0
            day = min(regimen.next_due + timedelta(days=late), stop_before - timedelta(days=1))
            route = regimen.route
            actions.log_dose(
                regimen,
                patient,
                administered_at=_at(patient, day, rng.randint(7, 20)),
                dose_mcg=regimen.current_phase.dose_mcg,
                route=route,
                site=suggest_site(route, site_last_used(patient, route)),
                administered_by="self",
                lot_number=f"L{rng.randint(10000, 99999)}",
            )
        regimen.refresh_from_db()
    return count


def _checkins(patient, rng, first_day, last_day, maintenance_from=None):
    """Weekly check-ins improving with treatment; in maintenance, tiredness and tingling creep
    back in the last week before each injection (the pattern the wear-off view looks for)."""
    given = sorted(
        at.astimezone(patient.zone).date()
        for at in DoseLog.objects.filter(patient=patient, status=DoseLog.Status.GIVEN).values_list(
            "administered_at", flat=True
        )
    )
    day, week = first_day, 0
    while day <= last_day:
        base = max(1, 7 - week)
        before = [d for d in given if d <= day]
        late = bool(
            maintenance_from
            and before
            and before[-1] >= maintenance_from
            and (day - before[-1]).days >= 20
        )
        scores = {
            key: max(0, min(10, base + rng.randint(-1, 1) - offset))
            for key, offset in [
                ("fatigue", 0),
                ("tingling", 1),
                ("numbness", 2),
                ("balance", 2),
                ("memory", 1),
                ("mood", 2),
            ]
        }
        if late:
            scores["fatigue"] = min(10, scores["fatigue"] + 3)
            scores["tingling"] = min(10, scores["tingling"] + 3)
        last = day + timedelta(days=7) > last_day
        actions.record_checkin(
            patient,
            patient,
            recorded_at=_at(patient, day, 19),
            **scores,
            # The latest check-in tells of a sore injection site: an alert for the clinician.
            side_effects=["Pain, redness or swelling where injected"] if last else [],
            note="Sore and red where I injected."
            if last
            else ""
            if week % 5
            else ("Feeling a bit more like myself."),
        )
        day += timedelta(days=7)
        week += 1


def _labs(patient, start):
    rows = [
        (start - timedelta(days=6), "b12", "148", "pg/mL"),
        (start - timedelta(days=6), "hemoglobin", "10.9", "g/dL"),
        (start - timedelta(days=6), "mma", "512", "nmol/L"),
        (start + timedelta(days=90), "b12", "655", "pg/mL"),
        (start + timedelta(days=90), "hemoglobin", "13.1", "g/dL"),
        (start + timedelta(days=90), "mma", "190", "nmol/L"),
    ]
    for day, analyte, value, unit in rows:
        lab = LabResult(
            patient=patient,
            taken_on=day,
            analyte=analyte,
            value=Decimal(value),
            unit=unit,
            recorded_by=patient,
        )
        lab.full_clean()
        lab.save()


@transaction.atomic
def load_demo() -> list[tuple[str, str, bool]]:
    """Create the demo accounts and their data if they are missing. Returns
    (email, role, created) for each account."""
    load_example_templates()
    rng = random.Random(12)  # noqa: S311 - the same demo every time, not security
    users, report = {}, []
    for email, name, role, zone in ACCOUNTS:
        users[email], created = _account(email, name, role, zone)
        report.append((email, role, created))
    created = {email for email, _, was_new in report if was_new}
    pat, pat2 = users["patient@example.com"], users["patient2@example.com"]
    doc, doc2 = users["clinician@example.com"], users["clinician2@example.com"]
    pharmacist, carer = users["pharmacist@example.com"], users["carer@example.com"]
    # Chris Morgan gives both patients their injections: the switch between them shows.
    team = [(pat, doc), (pat2, doc2), (pat, pharmacist), (pat, carer), (pat2, carer)]
    for patient, clinician in team:
        CareTeamMembership.objects.get_or_create(patient=patient, clinician=clinician)

    if "patient@example.com" in created:
        today = pat.today()
        start = today - timedelta(days=190)
        regimen = regimen_actions.prescribe(
            pat,
            RegimenTemplate.objects.get(name=US_TEMPLATE),
            start,
            doc,
            reason="Pernicious anaemia confirmed; B12 148 pg/mL",
        )
        # Prescribed the day before the first dose, with a blood test due in a couple of weeks.
        regimen.changes.update(at=_at(doc, start - timedelta(days=1), 16))
        Regimen.objects.filter(pk=regimen.pk).update(next_lab_review=today + timedelta(days=12))
        _give_until(regimen, pat, rng, today - timedelta(days=1), skip_at=14)
        regimen.refresh_from_db()
        _checkins(
            pat,
            rng,
            start + timedelta(days=2),
            today - timedelta(days=2),
            maintenance_from=regimen.phase_first_event_on,
        )
        _labs(pat, start)
        # Dr Rivera saw the older alerts at the clinic: only the last fortnight's are open.
        seen_before = _at(pat, today - timedelta(days=14), 0)
        for alert in Alert.objects.open().filter(patient=pat, raised_at__lt=seen_before):
            alerts.acknowledge(alert, doc, "Reviewed at the clinic visit.")
        # A box of ampoules, with a photo of its label for Priya Shah, the pharmacist, to check.
        _supply_with_label(pat, regimen, today)
        # Dr Lindqvist entered a share code Pat made: Pat has a request to approve or decline.
        _, code = sharing.create_code(pat)
        sharing.enter_code(doc2, code)
    if "patient2@example.com" in created:
        today = pat2.today()
        regimen = Regimen.from_template(
            RegimenTemplate.objects.get(name=UK_TEMPLATE), pat2, today - timedelta(days=6)
        )
        # Sam entered it from the prescription: Dr Lindqvist sees it flagged to confirm.
        Regimen.objects.filter(pk=regimen.pk).update(entered_by=pat2)
        _give_until(regimen, pat2, rng, today, late_every=99)
    return report
