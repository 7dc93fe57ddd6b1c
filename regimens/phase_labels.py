"""Phase labels in English words: what a label says about how often and how long ("every 2
weeks", "3 times a week", "for 7 days", "10 doses"), the phase's schedule in the same terms,
and the label written from the schedule ("Every 4 weeks", "Daily for 7 days"). Pure functions
on the phases' field values; regimens/template_rules.py compares the two.

A label in other words than these is not read.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import schedule

WEEKDAY_NAMES = (
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
)

NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "once": 1,
    "two": 2,
    "twice": 2,
    "three": 3,
    "thrice": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
NUM = r"(\d+|" + "|".join(NUMBER_WORDS) + r")"
UNIT = r"(day|week|fortnight|month|year)s?"


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS[text]


def _interval(unit: str, low: int, high: int | None = None):
    """A frequency as ("days"|"months", low, high): weeks count as 7 days, years as 12 months."""
    high = low if high is None else high
    days = {"day": 1, "week": 7, "fortnight": 14}
    if unit in days:
        return ("days", low * days[unit], high * days[unit])
    factor = 12 if unit == "year" else 1
    return ("months", low * factor, high * factor)


WORD_FREQUENCIES = {
    "daily": ("days", 1, 1),
    "nightly": ("days", 1, 1),
    "weekly": ("days", 7, 7),
    "fortnightly": ("days", 14, 14),
    "biweekly": ("days", 14, 14),
    "monthly": ("months", 1, 1),
    "bimonthly": ("months", 2, 2),
    "quarterly": ("months", 3, 3),
    "yearly": ("months", 12, 12),
    "annually": ("months", 12, 12),
}


def label_frequencies(label: str) -> list[tuple[str, tuple]]:
    """Each frequency the label names, as (the words, (kind, low, high)); `kind` is "days",
    "months" or "per_week" / "per_day" / "per_month" (so many times a week, day or month)."""
    text = label.lower()
    found = []
    taken = []  # spans already read, so "every other day" is not read again as "every day"

    def add(match, value):
        if not any(s < match.end() and match.start() < e for s, e in taken):
            taken.append(match.span())
            found.append((match.group(0), value))

    for match in re.finditer(r"\b(?:every\s+other|alternate)\s+" + UNIT, text):
        add(match, _interval(match.group(1), 2))
    every = r"\bevery\s+" + NUM + r"(?:\s*(?:-|–|to|or)\s*" + NUM + r")?\s+" + UNIT
    for match in re.finditer(every, text):
        low = _number(match.group(1))
        high = _number(match.group(2)) if match.group(2) else None
        add(match, _interval(match.group(3), low, high))
    for match in re.finditer(r"\b(?:every|each)\s+" + UNIT, text):
        add(match, _interval(match.group(1), 1))
    per = r"\b" + NUM + r"(?:\s+times?)?\s+(?:a|per|each|every)\s+(day|week|month)\b"
    for match in re.finditer(per, text):
        count = _number(match.group(1))
        unit = match.group(2)
        add(match, _interval(unit, 1) if count == 1 else (f"per_{unit}", count, count))
    for match in re.finditer(r"\b(" + "|".join(WORD_FREQUENCIES) + r")\b", text):
        add(match, WORD_FREQUENCIES[match.group(1)])
    return found


def label_durations(label: str) -> tuple[list[tuple[str, float]], list[tuple[str, int]]]:
    """What the label says about the phase's end: ("for 2 weeks", 14.0) spans in days and
    ("7 doses", 7) counts."""
    text = label.lower()
    spans = [
        (
            m.group(0),
            _number(m.group(1))
            * {"day": 1, "week": 7, "fortnight": 14}.get(
                m.group(2), 30.44 if m.group(2) == "month" else 365.25
            ),
        )
        for m in re.finditer(r"\bfor\s+" + NUM + r"\s+" + UNIT, text)
    ]
    counts = [
        (m.group(0), _number(m.group(1)))
        for m in re.finditer(
            r"\b" + NUM + r"\s+(?:loading\s+)?(?:doses|injections|dose|injection)\b", text
        )
    ]
    return spans, counts


def schedule_frequencies(values: dict) -> list[tuple]:
    """The phase's schedule in the same terms as label_frequencies: every way to say it."""
    unit, every = values["schedule_unit"], values.get("schedule_every") or 1
    if unit == schedule.WEEKDAYS:
        count = len(schedule.parse_weekdays(values.get("schedule_weekdays") or ""))
        said = [("per_week", count)]
        if count == 7:
            said.append(("days", 1))
        if count == 1:
            said.append(("days", 7))
        return said
    if unit == schedule.MONTH:
        return [("months", every)]
    return [("days", every * (7 if unit == schedule.WEEK else 1))]


def schedule_words(values: dict) -> str:
    """The schedule in words, as in a label: "Daily", "Every 4 weeks", "3 times a week (Mon,
    Wed, Fri)"."""
    unit, every = values["schedule_unit"], values.get("schedule_every") or 1
    if unit == schedule.WEEKDAYS:
        days = schedule.parse_weekdays(values.get("schedule_weekdays") or "")
        names = ", ".join(str(WEEKDAY_NAMES[d]) for d in days)
        if len(days) == 7:
            return _("Daily")
        if len(days) == 1:
            return _("Weekly (%(days)s)") % {"days": names}
        return _("%(n)s times a week (%(days)s)") % {"n": len(days), "days": names}
    if every == 1:
        return {
            schedule.DAY: _("Daily"),
            schedule.WEEK: _("Weekly"),
            schedule.MONTH: _("Monthly"),
        }[unit]
    if unit == schedule.DAY:
        return ngettext("Every %(n)s day", "Every %(n)s days", every) % {"n": every}
    if unit == schedule.WEEK:
        return ngettext("Every %(n)s week", "Every %(n)s weeks", every) % {"n": every}
    return ngettext("Every %(n)s month", "Every %(n)s months", every) % {"n": every}


def _span_words(count: int, unit: str) -> str:
    if unit == schedule.DAY:
        if count % 7 == 0 and count >= 14:
            return ngettext("for %(n)s week", "for %(n)s weeks", count // 7) % {"n": count // 7}
        return ngettext("for %(n)s day", "for %(n)s days", count) % {"n": count}
    if unit == schedule.WEEK:
        return ngettext("for %(n)s week", "for %(n)s weeks", count) % {"n": count}
    return ngettext("for %(n)s month", "for %(n)s months", count) % {"n": count}


def default_label(values: dict) -> str:
    """A label written from the schedule and end: "Daily for 7 days", "Every 2 days, 7 doses",
    "Every 3 days for 3 weeks", "Every 4 weeks"."""
    frequency = schedule_words(values)
    end, count = values["end_rule"], values.get("end_value")
    unit, every = values["schedule_unit"], values.get("schedule_every") or 1
    if end == schedule.AFTER_DOSES:
        if unit != schedule.WEEKDAYS and every == 1:
            return f"{frequency} {_span_words(count, unit)}"
        doses = ngettext("%(n)s dose", "%(n)s doses", count) % {"n": count}
        return f"{frequency}, {doses}"
    if end == schedule.AFTER_DAYS:
        return f"{frequency} {_span_words(count, schedule.DAY)}"
    return frequency
