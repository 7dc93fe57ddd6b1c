"""Synthetic data at clinic scale, for the benchmark (`seed_demo --patients N --years Y`).

The patients' histories are made in memory (demo/histories.py); here they are written with
bulk inserts, a batch of patients at a time, in care teams of 2,000 per clinician: accounts,
care teams, regimens and phases, then injections, check-ins and labs. Nothing here runs
per-row queries.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import CareTeamMembership, User
from doses.models import DoseLog
from labs.models import LabResult
from regimens import reference, schedule
from regimens.actions import LAB_REVIEW_MONTHS
from regimens.loading import load_example_templates
from regimens.models import Phase, Regimen, RegimenChange, RegimenTemplate
from symptoms.models import SymptomEntry

from .histories import FIRST, LAST, Plan, make_plan
from .people import PASSWORD as DEMO_PASSWORD
from .rows import bulk_load_transaction, write_rows

EMAIL_DOMAIN = "bulk.example.org"
PATIENTS_PER_CLINICIAN = 2000


@dataclass
class Summary:
    patients: int = 0
    clinicians: int = 0
    doses: int = 0
    checkins: int = 0
    labs: int = 0


def _moment(day: date, zone, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), zone)


def _next_bulk_number() -> int:
    return User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").count() + 1


def seed_bulk(patients: int, years: float, *, seed: int = 0, batch: int = 500, progress=None):
    """Add `patients` synthetic patients with up to `years` of history, in care teams of 2,000
    per clinician (the first clinician has the first 2,000). Every bulk account signs in with
    the demo password. Returns a Summary; each call adds new people, numbered on."""
    load_example_templates()
    templates = list(RegimenTemplate.objects.available().prefetch_related("phases"))
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    today = timezone.localdate()
    password = make_password(DEMO_PASSWORD)  # hashed once; every bulk account shares it
    number = _next_bulk_number()
    batch = min(batch, PATIENTS_PER_CLINICIAN)
    summary = Summary()
    clinician = None
    first = 0
    while first < patients:
        # A batch never straddles two care teams.
        size = min(batch, patients - first, PATIENTS_PER_CLINICIAN - first % PATIENTS_PER_CLINICIAN)
        with transaction.atomic():
            bulk_load_transaction()
            if first % PATIENTS_PER_CLINICIAN == 0:
                clinician = User.objects.create(
                    email=f"clinician{number + first:06d}@{EMAIL_DOMAIN}",
                    name=f"Dr {rng.choice(FIRST)} {rng.choice(LAST)}",
                    role=User.Role.CLINICIAN,
                    password=password,
                    time_zone="America/New_York",
                )
                summary.clinicians += 1
            plans = [
                make_plan(
                    rng,
                    templates,
                    today,
                    years,
                    f"patient{number + first + i:06d}@{EMAIL_DOMAIN}",
                    password,
                )
                for i in range(size)
            ]
            _insert(plans, clinician, summary)
        first += size
        if progress:
            progress(summary)
    return summary


def _insert(plans: list[Plan], clinician: User, summary: Summary) -> None:
    User.objects.bulk_create([plan.user for plan in plans])
    CareTeamMembership.objects.bulk_create(
        CareTeamMembership(
            patient=plan.user,
            clinician=clinician,
            # bulk_create sends no signals: the triage list's copies are set here.
            next_due=None if plan.state.complete else plan.state.next_due,
            patient_name=plan.user.name,
        )
        for plan in plans
    )
    regimens = Regimen.objects.bulk_create(_regimen(plan, clinician) for plan in plans)
    phases = Phase.objects.bulk_create(
        Phase(regimen=regimen, **values)
        for plan, regimen in zip(plans, regimens, strict=True)
        for values in plan.phase_values
    )
    by_regimen: dict[int, list[Phase]] = {}
    for phase in phases:
        by_regimen.setdefault(phase.regimen_id, []).append(phase)
    for plan, regimen in zip(plans, regimens, strict=True):
        if plan.state.phase is not None:
            regimen.current_phase = by_regimen[regimen.pk][plan.state.phase]
    Regimen.objects.bulk_update(
        [regimen for regimen in regimens if regimen.current_phase_id], ["current_phase"]
    )
    RegimenChange.objects.bulk_create(
        RegimenChange(
            regimen=regimen,
            patient=plan.user,
            kind=RegimenChange.Kind.PRESCRIBED,
            by=clinician,
            at=_moment(plan.start, plan.user.zone, 9),
            reason="Synthetic data",
            new_values={"template": plan.template.name, "start": plan.start.isoformat()},
        )
        for plan, regimen in zip(plans, regimens, strict=True)
    )
    phase_ids = [[phase.pk for phase in by_regimen[regimen.pk]] for regimen in regimens]
    summary.doses += write_rows(DoseLog, DOSE_FIELDS, _dose_rows(plans, regimens, phase_ids))
    summary.checkins += write_rows(SymptomEntry, CHECKIN_FIELDS, _checkin_rows(plans))
    summary.labs += write_rows(LabResult, LAB_FIELDS, _lab_rows(plans))
    summary.patients += len(plans)


def _regimen(plan: Plan, clinician: User) -> Regimen:
    state = plan.state
    return Regimen(
        patient=plan.user,
        template=plan.template,
        name=plan.template.name,
        prescriber=clinician,
        start_date=plan.start,
        medication=plan.template.medication,
        concentration_mcg_per_ml=reference.product_concentration(plan.template.medication) or 1000,
        route=plan.template.default_route,
        status=Regimen.Status.COMPLETED if state.complete else Regimen.Status.ACTIVE,
        prescriber_note="Prescribed by your clinician. Your prescriber sets the dose and interval.",
        created_at=_moment(plan.start, plan.user.zone, 9),
        next_due=state.next_due,
        given_in_phase=state.given_in_phase,
        phase_entered_on=state.phase_entered_on,
        phase_first_event_on=state.phase_first_event_on,
        last_event_on=state.last_event_on,
        next_lab_review=schedule.add_months(plan.start, LAB_REVIEW_MONTHS),
        symptoms_return_early=plan.wear_off,
    )


# The big tables are written as tuples (demo/rows.py: COPY on PostgreSQL), not model objects;
# every field not named here takes its default.
DOSE_FIELDS = (
    "patient_id",
    "regimen_id",
    "phase_id",
    "status",
    "administered_at",
    "recorded_by_id",
    "created_at",
    "updated_at",
    "skip_reason",
    "dose_mcg",
    "route",
    "site",
    "lot_number",
)
CHECKIN_FIELDS = (
    "patient_id",
    "recorded_at",
    "recorded_by_id",
    *SymptomEntry.SYMPTOMS,
)
LAB_FIELDS = (
    "patient_id",
    "taken_on",
    "analyte",
    "value",
    "unit",
    "value_canonical",
    "recorded_by_id",
)
GIVEN, SKIPPED = DoseLog.Status.GIVEN.value, DoseLog.Status.SKIPPED.value


def _dose_rows(plans: list[Plan], regimens: list[Regimen], phase_ids: list[list[int]]):
    for plan, regimen, phases in zip(plans, regimens, phase_ids, strict=True):
        patient, zone, route = plan.user.pk, plan.user.zone, regimen.route
        sites = reference.sites_for_route(route)
        lot = regimen.pk * 31
        for n, (day, kind, index, mcg) in enumerate(plan.doses):
            at = datetime(day.year, day.month, day.day, 8 + n % 12, (n * 7) % 60, tzinfo=zone)
            common = (patient, regimen.pk, phases[index], GIVEN, at, patient, at, at)
            if kind == schedule.SKIPPED:
                yield (*common[:3], SKIPPED, *common[4:], "Away from home", None, "", "", "")
            else:
                site = sites[n % len(sites)]
                yield (*common, "", mcg, route, site, f"L{10000 + (lot + n) % 90000}")


def _checkin_rows(plans: list[Plan]):
    symptoms = SymptomEntry.SYMPTOMS
    for plan in plans:
        patient, zone = plan.user.pk, plan.user.zone
        for day, scores in plan.checkins:
            at = datetime(day.year, day.month, day.day, 20, tzinfo=zone)
            yield (patient, at, patient, *(scores[key] for key in symptoms))


def _lab_rows(plans: list[Plan]):
    factors = {}
    for plan in plans:
        patient = plan.user.pk
        for day, analyte, unit, value in plan.labs:
            factor = factors.get((analyte, unit))
            if factor is None:
                factor = Decimal(str(reference.lab(analyte)["units"][unit]))
                factors[analyte, unit] = factor
            canonical = (value * factor).quantize(Decimal("0.001"))
            yield (patient, day, analyte, value, unit, canonical, patient)
