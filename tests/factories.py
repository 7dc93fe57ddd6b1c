"""One factory per model; regimens come from the example templates, as in the product."""

from datetime import date, datetime, time, timedelta

import factory
from django.utils import timezone

from accounts.models import CareTeamMembership, User
from doses import actions
from doses.models import DoseLog
from regimens.loading import load_example_templates
from regimens.models import Regimen, RegimenTemplate

PASSWORD = "correct-horse-battery"

US_TEMPLATE = "Cyanocobalamin 1000 mcg, common US practice"
UK_TEMPLATE = "Hydroxocobalamin, no neurological involvement (UK)"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Sequence(lambda n: f"User {n}")
    role = User.Role.PATIENT
    time_zone = "America/New_York"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PatientFactory(UserFactory):
    role = User.Role.PATIENT


class ClinicianFactory(UserFactory):
    role = User.Role.CLINICIAN


class AdminFactory(UserFactory):
    role = User.Role.ADMIN
    is_staff = True
    is_superuser = True


class CareTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareTeamMembership

    patient = factory.SubFactory(PatientFactory)
    clinician = factory.SubFactory(ClinicianFactory)


def template(name: str = US_TEMPLATE) -> RegimenTemplate:
    load_example_templates()
    return RegimenTemplate.objects.get(name=name)


def regimen_for(patient, start: date, name: str = US_TEMPLATE, **kwargs) -> Regimen:
    return Regimen.from_template(template(name), patient, start, **kwargs)


def at(patient, day: date, hour: int = 9, minute: int = 0) -> datetime:
    """An aware datetime at a local wall-clock time in the patient's zone."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), patient.zone)


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


IM_SITES = ["LD", "RD", "LVL", "RVL", "LVG", "RVG"]


def add_injections(regimen, count: int, first_day: date) -> None:
    """`count` daily injections, written in one query; then the stored schedule is refreshed."""
    patient = regimen.patient
    DoseLog.objects.bulk_create(
        DoseLog(
            patient=patient,
            regimen=regimen,
            recorded_by=patient,
            administered_at=at(patient, first_day + timedelta(days=n)),
            dose_mcg=1000,
            route="IM",
            site=IM_SITES[n % len(IM_SITES)],
        )
        for n in range(count)
    )
    regimen.refresh_schedule()
