"""A phase as it was at any moment, so that a later change never rewrites the past.

A clinician's change "from now on" (schedule.md rule 7) edits the Phase row and keeps the old
and new values in a RegimenChange. What was in force at a moment is therefore the phase's
values now with every change made after that moment undone, newest first. Every page, the
report and the exports show a dose, a skip or a check-in with the phase as it was then (label,
dose, schedule, on-time window), and adherence judges it the same way (regimens/adherence.py,
through schedule.annotate).

`values_at` is pure; `PhaseHistory` reads the changes of some regimens in one query.
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.utils.translation import gettext as _

from . import adherence, schedule
from .models import Phase, RegimenChange, rule_from_values


def values_at(current: dict, changes: list[tuple[datetime, dict]], moment: datetime) -> dict:
    """A phase's values at `moment`: `current` with each change after it undone. `changes`
    are (at, old values) in time order; a change at exactly `moment` is already in force."""
    values = dict(current)
    for _at, old in reversed(changes[bisect_right([at for at, _old in changes], moment) :]):
        values.update(old)
    return values


@dataclass(frozen=True)
class PhaseThen:
    """What a phase said at one moment."""

    phase: Phase  # an unsaved copy holding the values then
    changed_since: bool  # the phase has changed since that moment

    @property
    def label(self) -> str:
        return self.phase.label

    @property
    def dose_mcg(self) -> int:
        return self.phase.dose_mcg

    @property
    def schedule_text(self) -> str:
        return self.phase.schedule_text

    @property
    def window_days(self) -> int:
        return adherence.tolerance_days(schedule.interval_days(self.phase.rule.schedule))

    @cached_property  # PhaseHistory.at hands out one PhaseThen for each phase and state
    def summary(self) -> str:
        """ "Every 4 weeks · 1000 mcg · on time ±3 days": the label names the schedule (a
        change relabels the phase, regimens/actions.py)."""
        window = self.window_days
        on_time = (
            _("on time ±%(days)s days") % {"days": window} if window else _("on time that day")
        )
        return _("%(label)s · %(dose)s mcg · %(on_time)s") % {
            "label": self.label,
            "dose": self.dose_mcg,
            "on_time": on_time,
        }


class PhaseHistory:
    """The phase changes of some regimens, read once; `at(phase, moment)` answers for any."""

    def __init__(self, rows):
        self._changes: dict[int, list[tuple[datetime, dict]]] = {}
        for phase_id, at, old in rows:
            self._changes.setdefault(phase_id, []).append((at, old))
        self._times = {pk: [at for at, _old in rows] for pk, rows in self._changes.items()}
        # One PhaseThen for each phase and each of its states (how many of its changes are in
        # force): an export or a page asks for the same few states hundreds of times.
        self._then: dict[tuple[int, int], PhaseThen] = {}

    @classmethod
    def for_regimens(cls, regimen_ids) -> "PhaseHistory":
        """One query: every phase change of these regimens, oldest first."""
        rows = (
            RegimenChange.objects.filter(
                regimen_id__in=list(regimen_ids),
                kind=RegimenChange.Kind.PHASE_CHANGED,
                phase__isnull=False,
            )
            .order_by("at", "pk")
            .values_list("phase_id", "at", "old_values")
        )
        return cls(rows)

    def at(self, phase: Phase | None, moment: datetime) -> PhaseThen | None:
        if phase is None:
            return None
        in_force = bisect_right(self._times.get(phase.pk, []), moment)
        known = self._then.get((phase.pk, in_force))
        if known is not None:
            return known
        changes = self._changes.get(phase.pk, [])
        then = values_at(phase.phase_values(), changes, moment)
        copy = Phase(pk=phase.pk, regimen_id=phase.regimen_id, **then)
        known = PhaseThen(copy, changed_since=bool(changes) and changes[-1][0] > moment)
        self._then[(phase.pk, in_force)] = known
        return known

    def label_for(self, phase: Phase, rule: schedule.PhaseRule) -> str:
        """The label the phase had while `rule` was its schedule (the newest such), or its
        label now if it never had that schedule."""
        values = phase.phase_values()
        for _at, old in reversed(self._changes.get(phase.pk, [])):
            if rule_from_values(values) == rule:
                return values["label"]
            values = {**values, **old}
        return values["label"] if rule_from_values(values) == rule else phase.label


def label_adherence(regimen, result) -> None:
    """Give each row of an adherence table (regimens/adherence.py) its phase, the label that
    phase had under the row's schedule, and the on-time window; `earlier` marks a row for a
    schedule the phase no longer has. One query (the regimen's phase changes) when there are
    rows."""
    if not result.phases:
        return
    history = PhaseHistory.for_regimens([regimen.pk])
    for row in result.phases:
        row.phase = regimen.ordered_phases[row.index]
        row.earlier = row.rule is not None and row.rule != row.phase.rule
        row.label = history.label_for(row.phase, row.rule) if row.earlier else row.phase.label
        row.tolerance = adherence.tolerance_days(row.prescribed_days)


def attach_phases_then(doses, changes=(), checkins=()) -> None:
    """Give each dose, regimen change and check-in `phase_then`: its phase as it was at that
    moment (regimens/history.py), so that a later change never relabels the past. One query
    when there is anything to label (check-ins need their phase loaded with them)."""
    timed = [
        *((dose, dose.administered_at) for dose in doses),
        *((change, change.at) for change in changes),
        *((entry, entry.recorded_at) for entry in checkins),
    ]
    regimen_ids = {obj.phase.regimen_id for obj, _at in timed if obj.phase_id}
    history = PhaseHistory.for_regimens(regimen_ids) if regimen_ids else None
    for obj, at in timed:
        obj.phase_then = history.at(obj.phase, at) if obj.phase_id else None
