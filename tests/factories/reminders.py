"""Reminder and digest settings, the ledger of what was sent, calendar feeds."""

import factory

from reminders.models import CalendarFeed, DigestSettings, ReminderSent, ReminderSettings

from .accounts import ClinicianFactory, PatientFactory


class ReminderSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderSettings

    user = factory.SubFactory(PatientFactory)


class ReminderSentFactory(factory.django.DjangoModelFactory):
    """A line of the reminder ledger: claimed (not yet sent) unless `status` says so."""

    class Meta:
        model = ReminderSent

    user = factory.SubFactory(PatientFactory)
    kind = ReminderSent.Kind.DUE_TODAY
    key = factory.Sequence(lambda n: f"key-{n}")


class DigestSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DigestSettings

    user = factory.SubFactory(ClinicianFactory)
    frequency = "daily"


class CalendarFeedFactory(factory.django.DjangoModelFactory):
    """A person's calendar feed: the one they have, or a new one."""

    class Meta:
        model = CalendarFeed
        django_get_or_create = ("user",)

    user = factory.SubFactory(PatientFactory)
