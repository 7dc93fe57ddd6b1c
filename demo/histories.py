"""Synthetic patients' histories, made in memory for the bulk seed (demo/bulk.py).

Each patient gets a regimen from one of the example templates, started up to Y years ago, and
a history that follows the schedule rules: most give their injections on time, some are often
late, some stopped a while ago (so they are overdue now), a few have just started. They check
in every week or two, some with symptoms that come back before each maintenance injection, and
have labs at the start and every few months.

The schedule is walked with the pure rules (regimens/schedule.py) as the history is made, so
the stored schedule state written with each regimen is exactly what a replay gives. Nothing
here touches the database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from math import exp

from accounts.models import User
from regimens import schedule
from regimens.models import PhaseKind, RegimenTemplate, rule_from_values
from symptoms.models import SymptomEntry
from symptoms.wearoff import analyse

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
    # rng.uniform(-1, 1) is -1 + 2 * rng.random(): written out, the same numbers, faster.
    draw = rng.random
    shifts = [(key, (offset % 3) * 0.5) for offset, key in enumerate(SymptomEntry.SYMPTOMS)]
    intervals = {}  # a phase's interval in days, by its index
    while day < today:
        weeks = (day - plan.start).days / 7
        base = settled + (severity - settled) * exp(-weeks / 8)
        scores = {}
        for key, shift in shifts:
            noise = -1 + 2 * draw() - shift
            scores[key] = max(0, min(10, round(base + noise)))
        while last_given + 1 < len(given) and given[last_given + 1][0] <= day:
            last_given += 1
        if wears_off and given and given[last_given][0] <= day:
            since = (day - given[last_given][0]).days
            index = given[last_given][1]
            if index not in intervals:
                rule = rule_from_values(plan.phase_values[index])
                intervals[index] = schedule.interval_days(rule.schedule)
            interval = intervals[index]
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


def make_plan(rng, templates, today, years, email, password) -> Plan:
    """One synthetic patient, with their regimen's template and history, not yet saved."""
    template = rng.choice(templates)
    country = "UK" if "(UK)" in template.name or "UK" in template.name.split() else "US"
    zone = rng.choice(UK_ZONES if country == "UK" else US_ZONES)
    user = User(
        email=email,
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
