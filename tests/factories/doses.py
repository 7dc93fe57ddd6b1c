"""Injections: logged through the real action (give), or written as rows (DoseLogFactory)."""

from datetime import date, datetime, time, timedelta

import factory
from django.utils import timezone

from doses import actions
from doses.models import DoseLog

from .base import bulk

IM_SITES = ["LD", "RD", "LVL", "RVL", "LVG", "RVG"]


def at(patient, day: date, hour: int = 9, minute: int = 0) -> datetime:
    """An aware datetime at a local wall-clock time in the patient's zone."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), patient.zone)


class DoseLogFactory(factory.django.DjangoModelFactory):
    """A given 1000 mcg injection in the left deltoid, as stored; pass `regimen` and
    `administered_at`. The regimen's stored schedule is not refreshed."""

    class Meta:
        model = DoseLog

    patient = factory.SelfAttribute("regimen.patient")
    recorded_by = factory.SelfAttribute("patient")
    dose_mcg = 1000
    route = "IM"
    site = "LD"


def give(regimen, day: date, hour: int = 9, *, site=None, dose=None, **extra):
    """Log a given dose through the real action, on `day` at `hour` in the patient's zone."""
    patient = regimen.patient
    dose, _ = actions.log_dose(
        regimen,
        patient,
        administered_at=at(patient, day, hour),
        dose_mcg=dose or regimen.current_phase.dose_mcg,
        route=regimen.route,
        site=site or ("LD" if regimen.route == "IM" else "LLAQ"),
        **extra,
    )
    regimen.refresh_from_db()
    return dose


def add_injections(regimen, count: int, first_day: date) -> None:
    """`count` daily injections, written in one query; then the stored schedule is refreshed."""
    patient = regimen.patient
    bulk(
        DoseLogFactory,
        (
            {
                "regimen": regimen,
                "administered_at": at(patient, first_day + timedelta(days=n)),
                "site": IM_SITES[n % len(IM_SITES)],
            }
            for n in range(count)
        ),
    )
    actions.refresh_regimen(regimen)
