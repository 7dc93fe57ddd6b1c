"""Template filters that put dates into words relative to the reader's today (doses/when.py).

    {{ regimen.next_due|due_in:board.today }}    due today / in 3 days / 2 days late
    {{ p.next_due|due_in:p.time_zone }}          the same, on that zone's today
    {{ dose.administered_at|relative }}          yesterday / 5 days ago, in the active zone
    {{ p.last_dose_at|relative:p.time_zone }}    the same, in that zone
    {{ row.days_since_checkin|days_ago }}        today / yesterday / 3 days ago

The optional argument says whose today: a date (the today a view already computed, so that
the words match the rest of the page), an IANA zone name, or nothing for the active zone (the
signed-in user's, or the patient's on pages that render in the patient's zone). None of them
touches the database.
"""

from datetime import date, datetime

from django import template

from doses import when

register = template.Library()


def _today(reference) -> date:
    if isinstance(reference, date) and not isinstance(reference, datetime):
        return reference
    return when.today_in(reference or None)


def _zone(reference):
    return None if isinstance(reference, date) else (reference or None)


@register.filter
def due_in(due: date | None, reference=None) -> str:
    """A due date in words on the reader's day: schedule rule 8."""
    return when.due_phrase(due, _today(reference))


@register.filter
def relative(value: date | datetime | None, reference=None) -> str:
    """When an event happened: the date of an aware datetime is taken in the same zone as
    today, so 23:30 in Los Angeles is that day whatever the date in UTC."""
    if value in (None, ""):
        return ""
    return when.relative_day(when.day_of(value, _zone(reference)), _today(reference))


@register.filter
def days_ago(days: int | None, reference=None) -> str:
    if days is None or days == "":
        return ""
    return when.days_ago(int(days), _today(reference))
