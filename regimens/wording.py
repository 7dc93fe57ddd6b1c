"""A phase in plain words, as set-up and the prescribing page say it: "1,000 mcg every day,
for 7 doses"."""

from datetime import date, timedelta

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import schedule
from .models import EndRule, ScheduleUnit


def describe_schedule(values: dict) -> str:
    unit, every = values["schedule_unit"], values["schedule_every"] or 1
    if unit == ScheduleUnit.WEEKDAYS:
        names = [
            date_format(date(2024, 1, 1) + timedelta(days=d), "l")  # 1 Jan 2024 was a Monday
            for d in schedule.parse_weekdays(values["schedule_weekdays"])
        ]
        return _("every %(days)s") % {"days": ", ".join(names)}
    if unit == ScheduleUnit.DAY:
        return ngettext("every day", "every %(n)d days", every) % {"n": every}
    if unit == ScheduleUnit.WEEK:
        return ngettext("every week", "every %(n)d weeks", every) % {"n": every}
    return ngettext("every month", "every %(n)d months", every) % {"n": every}


def describe_end(values: dict) -> str:
    count = values["end_value"]
    if values["end_rule"] == EndRule.AFTER_DOSES:
        return ngettext("for %(n)d dose", "for %(n)d doses", count) % {"n": count}
    if values["end_rule"] == EndRule.AFTER_DAYS:
        return ngettext("for %(n)d day", "for %(n)d days", count) % {"n": count}
    return _("until your clinician moves you on")


def describe_phase(values: dict) -> str:
    """A phase in plain words: "1,000 mcg every day, for 7 doses"."""
    return _("%(dose)s mcg %(schedule)s, %(end)s") % {
        "dose": number_format(values["dose_mcg"], force_grouping=True),
        "schedule": describe_schedule(values),
        "end": describe_end(values),
    }
