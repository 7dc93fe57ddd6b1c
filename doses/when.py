"""Dates in words, relative to a person's today: "due today", "in 3 days", "2 days late",
"yesterday", "5 days ago", "in 2 weeks".

Pure functions: each takes the day to describe and the reader's today, both calendar dates,
and returns the words, translated (ngettext, so that plurals translate too). The template
filters in doses/templatetags/friendly_time.py find today in the right time zone and call
these; the page shows the absolute date next to the words.

The scale: days up to 13, then weeks (rounded to the nearest) up to 8 weeks, then calendar
months (rounded to the nearest) up to a year, then years. A late dose always counts in days:
"20 days late" is what a patient or a clinician acts on, and it matches schedule rule 8.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import dates
from regimens.schedule import add_months

DAYS_UP_TO = 13  # "in 13 days"; 14 days is "in 2 weeks"
WEEKS_BELOW = 60  # days: "in 8 weeks" at most, then months


def months_apart(earlier: date, later: date) -> int:
    """Whole calendar months from `earlier` to `later`, rounded to the nearest: a month
    counts from a day to the same day of the next month, clamped at a short month's end
    (31 January to 28 February is one month)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if add_months(earlier, months) > later:
        months -= 1
    rest = (later - add_months(earlier, months)).days
    following = (add_months(earlier, months + 1) - add_months(earlier, months)).days
    return months + (1 if 2 * rest >= following else 0)


def _span(earlier: date, later: date) -> tuple[str, int]:
    """How far apart two dates are, on the scale above: ("days" | "weeks" | "months" |
    "years", count)."""
    days = (later - earlier).days
    if days <= DAYS_UP_TO:
        return "days", days
    if days < WEEKS_BELOW:
        return "weeks", (days + 3) // 7
    months = months_apart(earlier, later)
    if months < 12:
        return "months", months
    return "years", (months + 6) // 12


def _ahead(unit: str, count: int) -> str:
    if unit == "days":
        return ngettext("in %(count)d day", "in %(count)d days", count) % {"count": count}
    if unit == "weeks":
        return ngettext("in %(count)d week", "in %(count)d weeks", count) % {"count": count}
    if unit == "months":
        return ngettext("in %(count)d month", "in %(count)d months", count) % {"count": count}
    return ngettext("in %(count)d year", "in %(count)d years", count) % {"count": count}


def _behind(unit: str, count: int) -> str:
    if unit == "days":
        return ngettext("%(count)d day ago", "%(count)d days ago", count) % {"count": count}
    if unit == "weeks":
        return ngettext("%(count)d week ago", "%(count)d weeks ago", count) % {"count": count}
    if unit == "months":
        return ngettext("%(count)d month ago", "%(count)d months ago", count) % {"count": count}
    return ngettext("%(count)d year ago", "%(count)d years ago", count) % {"count": count}


def relative_day(day: date, today: date) -> str:
    """When something happened (or will): "today", "yesterday", "5 days ago", "tomorrow",
    "in 2 weeks", "3 months ago"."""
    day, today = dates.clamp(day), dates.clamp(today)
    if day == today:
        return _("today")
    if day == today - timedelta(days=1):
        return _("yesterday")
    if day == today + timedelta(days=1):
        return _("tomorrow")
    if day > today:
        return _ahead(*_span(today, day))
    return _behind(*_span(day, today))


def due_phrase(due: date | None, today: date) -> str:
    """Schedule rule 8 in words: "due today", "due tomorrow", "in 3 days", "in 2 weeks",
    "1 day late", "20 days late"; "nothing due" without a due date."""
    if due is None:
        return _("nothing due")
    due, today = dates.clamp(due), dates.clamp(today)
    if due == today:
        return _("due today")
    if due == today + timedelta(days=1):
        return _("due tomorrow")
    if due > today:
        return _ahead(*_span(today, due))
    late = (today - due).days
    return ngettext("%(count)d day late", "%(count)d days late", late) % {"count": late}


def in_days(day: date, today: date) -> str:
    """A coming day counted in days, as an email's subject says it: "today", "tomorrow",
    "in 9 days" (the date is beside it)."""
    days = (dates.clamp(day) - dates.clamp(today)).days
    if days == 0:
        return _("today")
    if days == 1:
        return _("tomorrow")
    return ngettext("in %(count)d day", "in %(count)d days", days) % {"count": days}


def status_phrase(status: tuple[str, int]) -> str:
    """Schedule rule 8's status (regimens.schedule.status) in days, as the status badges say
    it: "tomorrow", "in 3 days", "due today", "2 days late", "nothing due"."""
    kind, days = status
    if kind == "upcoming":
        if days == 1:
            return _("tomorrow")
        return ngettext("in %(count)d day", "in %(count)d days", days) % {"count": days}
    if kind == "due_today":
        return _("due today")
    if kind == "overdue":
        return ngettext("%(count)d day late", "%(count)d days late", days) % {"count": days}
    return _("nothing due")


def days_ago(days: int, today: date) -> str:
    """`days` days before `today`, in words: "today", "yesterday", "3 days ago"."""
    return relative_day(today - timedelta(days=days), today)


def zone_of(zone: str | ZoneInfo | None):
    """A time zone from its IANA name; None means the active one (the reader's, set by
    accounts.middleware.UserTimeZoneMiddleware, or the patient's on a record)."""
    if zone is None or zone == "":
        return timezone.get_current_timezone()
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)


def today_in(zone: str | ZoneInfo | None = None) -> date:
    """Today's date in a time zone (the active one by default)."""
    return timezone.localdate(timezone.now(), zone_of(zone))


def day_of(value: date | datetime, zone: str | ZoneInfo | None = None) -> date:
    """The calendar date of a date, or of an aware datetime in a time zone (schedule rule 1)."""
    if isinstance(value, datetime):
        return timezone.localdate(dates.clamp(value), zone_of(zone))
    return dates.clamp(value)
