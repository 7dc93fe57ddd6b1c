"""A patient's private calendar feed: the active regimen's next injections as iCalendar events.

Each upcoming injection is an all-day event on its due date (a calendar date in the patient's
zone, schedule rule 1), with an alarm at the patient's reminder hour on that day. Its UID names
the regimen and the dose's number in it (recorded doses, given or skipped, plus its place among
the upcoming ones), so an event keeps its identity when the schedule floats; CalendarEntry
remembers the date last published for each number, and SEQUENCE rises whenever it moves.

The feed carries no name or email: whoever holds the address sees dates and doses only.
"""

import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from django.core.cache import cache
from django.db.models import Case, Count, DateField, F, Q, Value, When
from django.utils import timezone
from icalendar import Alarm, Calendar, Event, vDuration

from accounts.language import in_source_language
from regimens.models import Phase, Regimen

from .models import CalendarEntry, ReminderSettings

UPCOMING_COUNT = 12
REFRESH = timedelta(hours=4)  # how often calendar apps are asked to fetch the feed again
PRODID = "-//B12 log//Injection calendar//EN"
CALENDAR_NAME = "B12 injections"


def active_regimen(patient) -> Regimen | None:
    """The active regimen, with `recorded`: its doses recorded and not deleted, given or
    skipped (one query, whatever the history's size)."""
    return (
        Regimen.objects.filter(patient=patient, status=Regimen.Status.ACTIVE)
        .annotate(recorded=Count("doses", filter=Q(doses__deleted_at__isnull=True)))
        .first()
    )


@dataclass(frozen=True)
class Injection:
    """One upcoming injection as the feed publishes it."""

    regimen: Regimen
    number: int
    due_on: date
    phase: Phase
    entry: CalendarEntry

    @property
    def uid(self) -> str:
        return f"regimen-{self.regimen.pk}-dose-{self.number}@b12-log"


def upcoming_injections(regimen: Regimen, count: int = UPCOMING_COUNT) -> list[Injection]:
    """The next `count` injections (rule 9), numbered on from the doses already recorded, each
    with the entry that records the date published for its number."""
    dated = [
        (regimen.recorded + k, day, phase)
        for k, (day, phase) in enumerate(regimen.upcoming(count), start=1)
    ]
    entries = publish(regimen, {number: day for number, day, _ in dated})
    return [Injection(regimen, number, day, phase, entries[number]) for number, day, phase in dated]


def publish(regimen: Regimen, dates: dict[int, date]) -> dict[int, CalendarEntry]:
    """Record `dates` ({dose number: due date}) as published, and return the entries.

    When nothing moved this is one SELECT. Otherwise each write is a single statement that is
    safe when two fetches race, with no lock held across them: the INSERT skips numbers another
    fetch has just added (the unique constraint), and the UPDATE only touches rows whose date
    still differs, so a fetch that waited on another's row lock finds the date already moved
    and does not raise the SEQUENCE a second time. The entries are then read back as stored.
    """
    if not dates:
        return {}
    entries = stored_entries(regimen, dates)
    missing = [number for number in dates if number not in entries]
    moved = {
        number: day
        for number, day in dates.items()
        if number in entries and entries[number].due_on != day
    }
    if not missing and not moved:
        return entries
    now = timezone.now()
    if missing:
        CalendarEntry.objects.bulk_create(
            [
                CalendarEntry(regimen=regimen, number=n, due_on=dates[n], changed_at=now)
                for n in missing
            ],
            ignore_conflicts=True,
        )
    if moved:
        new_date = Case(
            *[When(number=number, then=Value(day)) for number, day in moved.items()],
            output_field=DateField(),
        )
        CalendarEntry.objects.filter(regimen=regimen, number__in=moved).exclude(
            due_on=new_date
        ).update(due_on=new_date, sequence=F("sequence") + 1, changed_at=now)
    return stored_entries(regimen, dates)


def stored_entries(regimen: Regimen, numbers) -> dict[int, CalendarEntry]:
    rows = CalendarEntry.objects.filter(regimen=regimen, number__in=list(numbers))
    return {entry.number: entry for entry in rows}


def alarm_time(day: date, hour: int, zone) -> datetime:
    """`hour` o'clock on `day` in the patient's zone, as a UTC instant. An hour that a DST
    change skips counts as the hour after it (02:00 on a spring-forward day is 03:00)."""
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def summary(injection: Injection, today: date) -> str:
    text = f"B12 injection, {injection.phase.dose_mcg} mcg"
    return f"{text} (overdue)" if injection.due_on < today else text


def description(injection: Injection, log_url: str) -> str:
    regimen, phase = injection.regimen, injection.phase
    dose = phase.dose_mcg
    return "\n".join(
        [
            f"Phase: {phase.label} ({phase.get_kind_display().lower()})",
            f"Dose: {dose} mcg",
            f"Product: {regimen.get_medication_display()}, "
            f"{regimen.concentration_mcg_per_ml} mcg/mL",
            f"Route: {regimen.get_route_display()}",
            f"Volume to draw: {regimen.volume_ml(dose):g} mL",
            "Your prescriber sets the dose and interval.",
            f"Log it when done: {log_url}",
        ]
    )


def event(injection: Injection, *, today: date, alarm_hour: int, zone, log_url: str) -> Event:
    entry = injection.entry
    # No METHOD on the calendar, so DTSTAMP is when the event last changed (RFC 5545
    # 3.8.7.2): the same as LAST-MODIFIED, which keeps an unchanged event byte-for-byte equal.
    changed = entry.changed_at.astimezone(UTC)
    title = summary(injection, today)
    item = Event()
    item.add("uid", injection.uid)
    item.add("dtstamp", changed)
    item.add("last-modified", changed)
    item.add("sequence", entry.sequence)
    item.add("dtstart", injection.due_on)
    item.add("dtend", injection.due_on + timedelta(days=1))
    item.add("summary", title)
    item.add("description", description(injection, log_url))
    item.add("url", log_url)
    item.add("transp", "TRANSPARENT")  # a reminder, not a busy time
    trigger = alarm_time(injection.due_on, alarm_hour, zone)
    # A trigger already past would only pop up stale alerts in apps that fire missed ones.
    if trigger > timezone.now():
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", title)
        alarm.add("trigger", trigger, parameters={"VALUE": "DATE-TIME"})
        item.add_component(alarm)
    return item


@in_source_language
def build_calendar(patient, *, log_url: str) -> Calendar:
    """The patient's feed, in the source language like its own wording (the choice labels it
    shows are marked for the pages). Queries: the active regimen with its recorded dose count;
    its phases; the published entries (plus, when dates are new or moved, an INSERT and/or an
    UPDATE and the entries read back). The reminder settings come with `patient` if the caller
    select_related them, else one more query."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("x-wr-caldesc", "Upcoming B12 injections from your B12 log.")
    calendar.add("x-wr-timezone", patient.time_zone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    regimen = active_regimen(patient)
    if regimen is None:
        return calendar
    today = patient.today()
    hour = ReminderSettings.of(patient).send_hour
    for injection in upcoming_injections(regimen):
        calendar.add_component(
            event(injection, today=today, alarm_hour=hour, zone=patient.zone, log_url=log_url)
        )
    return calendar


KEPT_SECONDS = 60 * 60 * 24


@functools.cache
def feed_code() -> str:
    """This module as deployed: a release that changes the feed makes new keys."""
    return hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8).hexdigest()


def feed_key(patient, *, log_url: str) -> str:
    """What the feed is made from, named: the patient's record version (raised by every change
    to the regimen, its phases and doses: doses/freshness.py), their zone and the hour in it (the
    day says which injection is overdue, the hour which alarms are past), their reminder hour,
    the address to log a dose and this code. The dose numbers' published dates (CalendarEntry)
    follow from these; so does the whole feed."""
    hour = patient.local_now().strftime("%Y-%m-%dT%H")
    send_hour = ReminderSettings.of(patient).send_hour
    parts = [patient.pk, patient.record_version, patient.time_zone, hour, send_hour, log_url]
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"calendar:{digest}:{feed_code()}"


def feed_ical(patient, key: str, *, log_url: str) -> bytes:
    """The feed as iCalendar bytes, kept under `key` (feed_key): built (and its dates
    published) once per change, hour or reminder setting, not on every fetch."""
    body = cache.get(key)
    if body is None:
        body = build_calendar(patient, log_url=log_url).to_ical()
        cache.set(key, body, KEPT_SECONDS)
    return body
