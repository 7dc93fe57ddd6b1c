"""Synthetic data at clinic scale, for the benchmark (`seed_demo --patients N --years Y`).

Each patient gets a regimen from one of the example templates, started up to Y years ago, and
a history that follows the schedule rules: most give their injections on time, some are often
late, some stopped a while ago (so they are overdue now), a few have just started. They check
in every week or two, some with symptoms that come back before each maintenance injection, and
have labs at the start and every few months.

The schedule is walked with the pure rules (regimens/schedule.py) as the history is made, so
the stored schedule state written with each regimen is exactly what a replay gives. Rows go in
with bulk inserts, a batch of patients at a time; nothing here runs per-row queries.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from math import exp

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import CareTeamMembership, User
from doses.models import DoseLog
from labs.models import LabResult
from regimens import reference, schedule
from regimens.actions import LAB_REVIEW_MONTHS
from regimens.loading import load_example_templates
from regimens.models import (
    Phase,
    PhaseKind,
    Regimen,
    RegimenChange,
    RegimenTemplate,
    rule_from_values,
)
from symptoms.models import SymptomEntry
from symptoms.wearoff import analyse

from .people import PASSWORD as DEMO_PASSWORD

EMAIL_DOMAIN = "bulk.example.org"
PATIENTS_PER_CLINICIAN = 2000

FIRST = [
    "Ada",
    "Ben",
    "Cara",
    "Dev",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivo",
    "Jun",
    "Kai",
    "Lea",
    "Max",
    "Nia",
    "Oli",
    "Pia",
    "Raf",
    "Sol",
    "Tam",
    "Uma",
]
LAST = [
    "Abbott",
    "Byrne",
    "Chen",
    "Diaz",
    "Evans",
    "Fox",
    "Gill",
    "Hale",
    "Iqbal",
    "Jones",
    "Khan",
    "Lowe",
    "Moss",
    "Nunez",
    "Owen",
]
US_ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
UK_ZONES = ["Europe/London"]

# Behaviour of a patient over their history, with how common it is.
PROFILES = (("steady", 55), ("late", 25), ("lapsed", 15), ("new", 5))

# (analyte, unit, value before treatment, value once replete) for US and UK labs.
LABS = {
    "US": [
        ("b12", "pg/mL", (110, 190), (380, 900)),
        ("hemoglobin", "g/dL", (9.4, 11.6), (12.4, 15.2)),
    ],
    "UK": [("b12", "ng/L", (100, 180), (350, 850)), ("hemoglobin", "g/L", (94, 116), (124, 152))],
}
SECOND_LINE = [
    ("mma", "nmol/L", (420, 1300), (90, 260)),
    ("homocysteine", "umol/L", (18, 45), (6, 14)),
]


@dataclass
class Plan:
    """One patient's generated history, before it has database ids."""

    user: User
    template: RegimenTemplate
    start: date
    phase_values: list[dict]
    doses: list[tuple[date, str, int, int]] = field(default_factory=list)  # day, kind, phase, mcg
    checkins: list[tuple[date, dict]] = field(default_factory=list)
    labs: list[tuple[date, str, str, Decimal]] = field(default_factory=list)
    state: schedule.State | None = None
    wear_off: bool = False


@dataclass
class Summary:
    patients: int = 0
    clinicians: int = 0
    doses: int = 0
    checkins: int = 0
    labs: int = 0


def _profile(rng: random.Random) -> str:
    return rng.choices([name for name, _ in PROFILES], [weight for _, weight in PROFILES])[0]


def _delay(rng: random.Random, profile: str) -> int:
    """Days after the due date that an injection is given."""
    if profile == "late":
        return rng.choice([0, 0, 1, 2, 3, 4, 5, 7, 10])
    return rng.choice([0] * 14 + [1, 1, 2, 3, 5])


def _walk(plan: Plan, rng: random.Random, today: date, profile: str) -> None:
    """Give or skip each due dose, following the rules, until today (or the lapse)."""
    rules = [rule_from_values(values) for values in plan.phase_values]
    stop = today
    if profile == "lapsed":
        stop = today - timedelta(days=rng.randint(30, 200))
    state = schedule.start_state(plan.start, rules)
    while state.next_due is not None and state.next_due < stop:
        day = state.next_due + timedelta(days=_delay(rng, profile))
        if day >= stop:
            break
        kind = schedule.SKIPPED if rng.random() < 0.02 else schedule.GIVEN
        index = state.phase
        plan.doses.append((day, kind, index, plan.phase_values[index]["dose_mcg"]))
        state = schedule.apply(state, schedule.Event(on=day, kind=kind), rules)
    plan.state = state


def _checkins(plan: Plan, rng: random.Random, today: date, wears_off: bool) -> None:
    """Scores that fall with treatment; for some, tiredness and tingling rise in the last
    quarter before each maintenance injection."""
    given = [
        (day, index)
        for day, kind, index, _ in plan.doses
        if kind == schedule.GIVEN and plan.phase_values[index]["kind"] == PhaseKind.MAINTENANCE
    ]
    severity = rng.uniform(4, 8)
    settled = rng.uniform(0, 2.5)
    every = rng.choice([7, 7, 10, 14])
    day = plan.start + timedelta(days=rng.randint(0, 3))
    last_given = 0
    while day < today:
        weeks = (day - plan.start).days / 7
        base = settled + (severity - settled) * exp(-weeks / 8)
        scores = {}
        for offset, key in enumerate(SymptomEntry.SYMPTOMS):
            noise = rng.uniform(-1, 1) - (offset % 3) * 0.5
            scores[key] = max(0, min(10, round(base + noise)))
        while last_given + 1 < len(given) and given[last_given + 1][0] <= day:
            last_given += 1
        if wears_off and given and given[last_given][0] <= day:
            since = (day - given[last_given][0]).days
            interval = schedule.interval_days(
                rule_from_values(plan.phase_values[given[last_given][1]]).schedule
            )
            if 0.75 * interval <= since <= interval:
                scores["fatigue"] = min(10, scores["fatigue"] + 3)
                scores["tingling"] = min(10, scores["tingling"] + 3)
        plan.checkins.append((day, scores))
        day += timedelta(days=every + rng.randint(-1, 2))


def _labs(plan: Plan, rng: random.Random, today: date, country: str) -> None:
    panels = LABS[country] + (SECOND_LINE if rng.random() < 0.5 else [])
    day = plan.start - timedelta(days=rng.randint(3, 14))
    first = True
    while day <= today:
        for analyte, unit, low, replete in panels:
            span = low if first else replete
            value = Decimal(str(round(rng.uniform(*span), 1)))
            plan.labs.append((day, analyte, unit, value))
        first = False
        day += timedelta(days=rng.choice([90, 120, 180, 180]))


def _wear_off_flag(plan: Plan) -> bool:
    """The flag the app would store: the same analysis, on the generated history."""
    injections = [
        (day, schedule.interval_days(rule_from_values(plan.phase_values[index]).schedule))
        for day, kind, index, _ in plan.doses
        if kind == schedule.GIVEN and plan.phase_values[index]["kind"] == PhaseKind.MAINTENANCE
    ]
    if not injections:
        return False
    return analyse(injections, plan.checkins, SymptomEntry.SYMPTOMS).symptoms_return


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
                _plan(rng, templates, today, years, number + first + i, password)
                for i in range(size)
            ]
            _insert(plans, clinician, summary)
        first += size
        if progress:
            progress(summary)
    return summary


def _plan(rng, templates, today, years, n, password) -> Plan:
    template = rng.choice(templates)
    country = "UK" if "(UK)" in template.name or "UK" in template.name.split() else "US"
    zone = rng.choice(UK_ZONES if country == "UK" else US_ZONES)
    user = User(
        email=f"patient{n:06d}@{EMAIL_DOMAIN}",
        name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        role=User.Role.PATIENT,
        time_zone=zone,
        password=password,
    )
    profile = _profile(rng)
    longest = max(21, int(years * 365))
    if profile == "new":
        start = today - timedelta(days=rng.randint(0, 20))
    else:
        start = today - timedelta(days=rng.randint(min(60, longest), longest))
    values = [phase.phase_values() for phase in template.phases.all()]
    plan = Plan(user, template, start, values)
    _walk(plan, rng, today, profile)
    wears_off = rng.random() < 0.15
    _checkins(plan, rng, today, wears_off)
    _labs(plan, rng, today, country)
    plan.wear_off = _wear_off_flag(plan)
    return plan


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
    doses = [
        dose
        for plan, regimen in zip(plans, regimens, strict=True)
        for dose in _doses(plan, regimen, by_regimen[regimen.pk])
    ]
    DoseLog.objects.bulk_create(doses, batch_size=2000)
    entries = [
        SymptomEntry(
            patient=plan.user,
            recorded_at=_moment(day, plan.user.zone, 20),
            recorded_by=plan.user,
            **scores,
        )
        for plan in plans
        for day, scores in plan.checkins
    ]
    SymptomEntry.objects.bulk_create(entries, batch_size=2000)
    labs = [_lab(plan, *row) for plan in plans for row in plan.labs]
    LabResult.objects.bulk_create(labs, batch_size=2000)
    summary.patients += len(plans)
    summary.doses += len(doses)
    summary.checkins += len(entries)
    summary.labs += len(labs)


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


def _doses(plan: Plan, regimen: Regimen, phases: list[Phase]):
    zone = plan.user.zone
    sites = reference.sites_for_route(regimen.route)
    for n, (day, kind, index, mcg) in enumerate(plan.doses):
        at = _moment(day, zone, 8 + n % 12, (n * 7) % 60)
        common = {
            "patient": plan.user,
            "regimen": regimen,
            "phase": phases[index],
            "administered_at": at,
            "recorded_by": plan.user,
            "created_at": at,
            "updated_at": at,
        }
        if kind == schedule.SKIPPED:
            yield DoseLog(status=DoseLog.Status.SKIPPED, skip_reason="Away from home", **common)
        else:
            yield DoseLog(
                status=DoseLog.Status.GIVEN,
                dose_mcg=mcg,
                route=regimen.route,
                site=sites[n % len(sites)],
                lot_number=f"L{10000 + (regimen.pk * 31 + n) % 90000}",
                **common,
            )


def _lab(plan: Plan, day: date, analyte: str, unit: str, value: Decimal) -> LabResult:
    factor = Decimal(str(reference.lab(analyte)["units"][unit]))
    return LabResult(
        patient=plan.user,
        taken_on=day,
        analyte=analyte,
        value=value,
        unit=unit,
        value_canonical=(value * factor).quantize(Decimal("0.001")),
        recorded_by=plan.user,
    )
