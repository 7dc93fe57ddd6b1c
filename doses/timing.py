"""Is a given dose about to be logged at a moment a clinician would want to know about?

Two moments are unusual enough that the injection form stops and asks before saving:
- **early**: the dose's day is before the on-time window of the due date it answers (the
  window adherence uses: regimens/adherence.py, 10% of the prescribed interval);
- **second**: another given dose is already recorded on the same day in the patient's zone.

The check replays the schedule with the new dose in place (schedule.md rule 4: an early dose
moves every later date earlier), so the person is told what will happen before it does. A
confirmed dose keeps that it was confirmed (DoseLog.confirmed_early / confirmed_second).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from regimens import adherence, schedule

from .models import DoseLog

PREVIEW_DATES = 3  # how many of the next due dates the warning compares


@dataclass
class TimingCheck:
    day: date
    due: date | None = None
    window_days: int = 0
    early: bool = False
    second_after: datetime | None = None  # the time of the dose already given that day
    before: list[date] = field(default_factory=list)
    after: list[date] = field(default_factory=list)

    @property
    def second(self) -> bool:
        return self.second_after is not None

    @property
    def unusual(self) -> bool:
        return self.early or self.second

    @property
    def window_opens(self) -> date | None:
        return self.due - timedelta(days=self.window_days) if self.due else None

    def messages(self) -> list[str]:
        """What is unusual and what logging it will do, in plain words."""
        lines = []
        if self.early:
            lines.append(
                _(
                    "The next injection is due %(due)s; a dose counts as on time from "
                    "%(opens)s. %(day)s is %(days)s days before it is due."
                )
                % {
                    "due": date_format(self.due, "l j F"),
                    "opens": date_format(self.window_opens, "l j F"),
                    "day": date_format(self.day, "l j F"),
                    "days": (self.due - self.day).days,
                }
            )
        if self.second:
            lines.append(
                _("An injection is already recorded on %(day)s at %(time)s.")
                % {
                    "day": date_format(self.day, "l j F"),
                    "time": date_format(timezone.localtime(self.second_after), "H:i"),
                }
            )
        if self.before != self.after:
            lines.append(
                _("Logging this dose moves the next dates from %(before)s … to %(after)s …")
                % {"before": _dates(self.before), "after": _dates(self.after)}
            )
        return lines


def _dates(days: list[date]) -> str:
    return ", ".join(date_format(day, "j M") for day in days) or "–"


def doses_given_on(patient_id, day: date, zone):
    """The patient's given doses on `day` in their zone, whatever the regimen, earliest first."""
    since = timezone.make_aware(datetime.combine(day, time()), zone)
    until = timezone.make_aware(datetime.combine(day + timedelta(days=1), time()), zone)
    return DoseLog.objects.filter(
        patient_id=patient_id,
        status=DoseLog.Status.GIVEN,
        deleted_at__isnull=True,
        administered_at__gte=since,
        administered_at__lt=until,
    ).order_by("administered_at")


def check_dose(regimen, administered_at: datetime, inputs, second_after) -> TimingCheck:
    """How a given dose at `administered_at` would sit in the regimen's schedule, from its
    schedule inputs (Regimen.schedule_inputs) and the time of a dose already given that day
    (doses_given_on), both read by the caller under the regimen's lock. No query."""
    day = schedule.local_date(administered_at, regimen.patient.zone)
    initial, events = inputs
    new = schedule.Event(day, schedule.GIVEN)
    with_new = schedule.insert_event(events, new)
    rows, final, rules = schedule.annotate(regimen.start_date, initial, with_new)
    due = rule = None
    for event, answered, _index, in_force in rows:
        if event is new:
            due, rule = answered, in_force
    before, before_rules = schedule.replay_with_rules(regimen.start_date, initial, events)
    return _check(day, second_after, due, rule, (before, before_rules), (final, rules))


def check_next_dose(regimen, administered_at: datetime, rules, second_after):
    """The same check for a dose after every event of the regimen (a later day than any dose
    or skip, a later moment than any change to its plan): one step from the stored state,
    whose rules in force are the phases' as they stand (`rules`), instead of a replay. Returns
    the check and the state after the dose."""
    day = schedule.local_date(administered_at, regimen.patient.zone)
    before = regimen.stored_state
    after = schedule.apply(before, schedule.Event(day, schedule.GIVEN), rules)
    rule = rules[before.phase] if before.phase is not None else None
    due = before.next_due if rule is not None else None
    return _check(day, second_after, due, rule, (before, rules), (after, rules)), after


def _check(day, second_after, due, rule, before, after) -> TimingCheck:
    check = TimingCheck(day=day, second_after=second_after)
    if rule is not None:
        check.due = due
        check.window_days = adherence.tolerance_days(schedule.interval_days(rule.schedule))
        check.early = due is not None and day < due - timedelta(days=check.window_days)
    check.before = [d for d, _i in schedule.upcoming(*before, PREVIEW_DATES)]
    check.after = [d for d, _i in schedule.upcoming(*after, PREVIEW_DATES)]
    return check
