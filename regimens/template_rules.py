"""The rules a regimen template must keep, so that an admin cannot publish one that makes no
sense by accident (issue 14, section 3).

Pure functions on the phases' field values (dicts with PHASE_FIELDS' names), so that the admin's
inline formset, PhaseTemplate.clean() and the loader of the reference templates all call the
same rules:

- `check_template`: across phases: at least one phase; kinds in order (repletion, then
  stabilization, then maintenance; several phases may share a kind); no phase that can never
  be reached (one after an open-ended phase, unless the template says a clinician advances
  open phases: schedule.md rule 6).
- `check_phase`: within one phase: the label does not contradict the schedule or the end rule
  ("Daily" on an every-2-weeks phase, "for 1 week" on an open one); the dose is inside the
  usual range for the medication (reference `dose_ranges_mcg`) unless marked as intended.

What a label says, and the label written from the schedule when it is left empty (which
`check_phase` always accepts), are regimens/phase_labels.py's. The label check reads English
words only: a label in other words is not checked.
"""

import re
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import reference, schedule
from .phase_labels import label_durations, label_frequencies, schedule_frequencies, schedule_words

KIND_ORDER = ("repletion", "stabilization", "maintenance")
KIND_WORDS = {
    "repletion": ("loading", "repletion", "initial"),
    "stabilization": ("stabilization", "stabilisation"),
    "maintenance": ("maintenance",),
}
KIND_NAMES = {
    "repletion": gettext_lazy("repletion"),
    "stabilization": gettext_lazy("stabilization"),
    "maintenance": gettext_lazy("maintenance"),
}
MEDICATION_NAMES = {
    "cyanocobalamin": gettext_lazy("cyanocobalamin"),
    "hydroxocobalamin": gettext_lazy("hydroxocobalamin"),
    "methylcobalamin": gettext_lazy("methylcobalamin"),
}


@dataclass(frozen=True)
class Problem:
    """What is wrong, and where: `index` is the phase's position (None: the whole template),
    `field` the field to show it beside (None: the phase or template as a whole)."""

    index: int | None
    field: str | None
    message: str


# Template rules -------------------------------------------------------------------------------


def check_template(phases: list[dict], *, clinician_advances: bool) -> list[Problem]:
    """Problems across the phases (in their order); an empty list when the template holds."""
    if not phases:
        return [Problem(None, None, _("A template needs at least one phase."))]
    problems = []
    for index in range(1, len(phases)):
        before, kind = phases[index - 1]["kind"], phases[index]["kind"]
        known = kind in KIND_ORDER and before in KIND_ORDER
        if known and KIND_ORDER.index(kind) < KIND_ORDER.index(before):
            problems.append(
                Problem(
                    index,
                    "kind",
                    _(
                        "Phases go in this order: repletion, then stabilization, then "
                        "maintenance. Phase %(n)s (%(kind)s) cannot come after a "
                        "%(before)s phase."
                    )
                    % {"n": index + 1, "kind": KIND_NAMES[kind], "before": KIND_NAMES[before]},
                )
            )
    if not clinician_advances:
        for index, values in enumerate(phases[:-1]):
            if values["end_rule"] == schedule.OPEN:
                problems.append(
                    Problem(
                        index,
                        "end_rule",
                        _(
                            "Phase %(n)s is open-ended, so the phases after it are never "
                            "reached. Give it an end, or tick “a clinician advances open "
                            "phases” on the template."
                        )
                        % {"n": index + 1},
                    )
                )
    return problems


def open_before_last(phases: list[dict]) -> bool:
    """Does a phase before the last run until a clinician advances it (rule 6)?"""
    return any(values["end_rule"] == schedule.OPEN for values in phases[:-1])


# Dose range -----------------------------------------------------------------------------------


def dose_problem(dose_mcg, medication: str) -> str | None:
    usual = reference.dose_range(medication)
    if dose_mcg is None or usual is None or usual[0] <= dose_mcg <= usual[1]:
        return None
    low, high = (number_format(n, force_grouping=True) for n in usual)
    span = low if low == high else _("%(low)s to %(high)s") % {"low": low, "high": high}
    return _(
        "%(dose)s mcg is outside the usual dose of %(medication)s (%(span)s mcg per "
        "injection). Tick “this dose is intended” if it is."
    ) % {
        "dose": number_format(dose_mcg, force_grouping=True),
        "medication": MEDICATION_NAMES.get(medication, medication),
        "span": span,
    }


# The label against the phase ------------------------------------------------------------------


def _rule(values: dict) -> schedule.PhaseRule:
    if values["schedule_unit"] == schedule.WEEKDAYS:
        sched = schedule.Schedule(
            schedule.WEEKDAYS, days=schedule.parse_weekdays(values["schedule_weekdays"])
        )
    else:
        sched = schedule.Schedule(values["schedule_unit"], values.get("schedule_every") or 1)
    return schedule.PhaseRule(sched, values["end_rule"], values.get("end_value"))


def _describe(values: dict) -> str:
    return schedule_words(values).lower()


def label_problems(values: dict) -> list[str]:
    """How the label contradicts the phase's kind, schedule or end, if it does."""
    label = values.get("label") or ""
    problems = []
    try:
        rule = _rule(values)
    except (ValueError, TypeError, KeyError):
        return []  # the schedule itself is wrong: PhaseFields.clean() says so
    hint = _("Change the label to match, or leave it empty to have it written from the schedule.")
    text = label.lower()
    for kind, words in KIND_WORDS.items():
        word = next((w for w in words if re.search(r"\b" + w + r"\b", text)), None)
        if word and kind != values["kind"]:
            problems.append(
                _("The label says “%(words)s” but the phase is %(kind)s.")
                % {"words": word, "kind": KIND_NAMES.get(values["kind"], values["kind"])}
                + " "
                + hint
            )
    said = schedule_frequencies(values)
    for words, (kind, low, high) in label_frequencies(label):
        if not any(kind == k and low <= n <= high for k, n in said):
            problems.append(
                _("The label says “%(words)s” but the schedule is %(schedule)s.")
                % {"words": words, "schedule": _describe(values)}
                + " "
                + hint
            )
    spans, counts = label_durations(label)
    interval = schedule.interval_days(rule.schedule)
    end, count = values["end_rule"], values.get("end_value")
    if end == schedule.OPEN:
        for words, _value in spans + counts:
            problems.append(
                _("The label says “%(words)s” but the phase is open-ended.") % {"words": words}
                + " "
                + hint
            )
        return problems
    if end == schedule.AFTER_DOSES:
        length, doses = count * interval, count
    else:
        length, doses = count, count / interval
    for words, days in spans:
        if abs(days - length) > interval:
            problems.append(_wrong_end(words, values) + " " + hint)
    for words, number in counts:
        if abs(number - doses) > (0 if end == schedule.AFTER_DOSES else 1):
            problems.append(_wrong_end(words, values) + " " + hint)
    return problems


def _wrong_end(words: str, values: dict) -> str:
    count = values["end_value"]
    if values["end_rule"] == schedule.AFTER_DOSES:
        end = ngettext("%(n)s dose", "%(n)s doses", count) % {"n": count}
    else:
        end = ngettext("%(n)s day", "%(n)s days", count) % {"n": count}
    return _("The label says “%(words)s” but the phase ends after %(end)s.") % {
        "words": words,
        "end": end,
    }


def check_phase(values: dict, *, medication: str, dose_intended: bool) -> dict[str, list[str]]:
    """Problems within one phase, by field: the label against the schedule, the dose against
    the medication's usual range."""
    problems: dict[str, list[str]] = {}
    if values.get("label"):
        label = label_problems(values)
        if label:
            problems["label"] = label
    if not dose_intended:
        dose = dose_problem(values.get("dose_mcg"), medication)
        if dose:
            problems["dose_mcg"] = [dose]
    return problems


# Preview --------------------------------------------------------------------------------------


def preview(start, phases: list[dict], count: int = 10) -> list[tuple]:
    """The first `count` due dates from `start`, each dose given on time (rule 9), as
    (date, phase index)."""
    rules = [_rule(values) for values in phases]
    return schedule.upcoming(schedule.start_state(start, rules), rules, count)
