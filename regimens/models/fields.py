"""What templates and regimens share: the choices, the dose bound, and a phase's fields and
rules (PhaseFields)."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import schedule

MAX_DOSE_MCG = 10_000


def validate_dose_mcg(value) -> None:
    """One rule for every dose, prescribed or given: a whole number of mcg, 1 to 10,000."""
    if value is not None and not 1 <= value <= MAX_DOSE_MCG:
        raise ValidationError(
            gettext("Enter a dose from 1 to %(max)s mcg."), params={"max": f"{MAX_DOSE_MCG:,}"}
        )


def weekdays_error() -> str:
    """What a person is told when schedule.parse_weekdays refuses their weekdays."""
    return gettext("weekdays are written as %(codes)s") % {
        "codes": ", ".join(schedule.WEEKDAY_CODES)
    }


class Medication(models.TextChoices):
    CYANOCOBALAMIN = "cyanocobalamin", _("Cyanocobalamin")
    HYDROXOCOBALAMIN = "hydroxocobalamin", _("Hydroxocobalamin")
    METHYLCOBALAMIN = "methylcobalamin", _("Methylcobalamin")


class Route(models.TextChoices):
    IM = "IM", _("Intramuscular")
    SC = "SC", _("Subcutaneous (deep)")


class PhaseKind(models.TextChoices):
    REPLETION = "repletion", _("Repletion")
    STABILIZATION = "stabilization", _("Stabilization")
    MAINTENANCE = "maintenance", _("Maintenance")


class ScheduleUnit(models.TextChoices):
    DAY = schedule.DAY, _("day(s)")
    WEEK = schedule.WEEK, _("week(s)")
    MONTH = schedule.MONTH, _("month(s)")
    WEEKDAYS = schedule.WEEKDAYS, _("on weekdays")


class EndRule(models.TextChoices):
    AFTER_DOSES = schedule.AFTER_DOSES, _("after N doses")
    AFTER_DAYS = schedule.AFTER_DAYS, _("after N days")
    OPEN = schedule.OPEN, _("open (until a clinician advances it)")


PHASE_FIELDS = (
    "order",
    "kind",
    "label",
    "dose_mcg",
    "schedule_unit",
    "schedule_every",
    "schedule_weekdays",
    "end_rule",
    "end_value",
)


def rule_from_values(values: dict) -> schedule.PhaseRule:
    """The schedule rules' view of a phase's field values."""
    if values["schedule_unit"] == ScheduleUnit.WEEKDAYS:
        sched = schedule.Schedule(
            schedule.WEEKDAYS, days=schedule.parse_weekdays(values["schedule_weekdays"])
        )
    else:
        sched = schedule.Schedule(values["schedule_unit"], values["schedule_every"] or 1)
    return schedule.PhaseRule(sched, values["end_rule"], values["end_value"])


class PhaseFields(models.Model):
    """A phase's kind, dose, schedule and end rule; shared by templates and regimens, with one
    set of validation rules used by the admin, the forms and the loaders."""

    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=PhaseKind.choices)
    label = models.CharField(max_length=120)
    # A plain IntegerField so that validate_dose_mcg is the only rule and message.
    dose_mcg = models.IntegerField(validators=[validate_dose_mcg])
    schedule_unit = models.CharField(max_length=10, choices=ScheduleUnit.choices)
    schedule_every = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("Repeat every N days, weeks or months."),
    )
    schedule_weekdays = models.CharField(
        max_length=27, blank=True, help_text=_("For weekday schedules, for example MO,WE,FR.")
    )
    end_rule = models.CharField(max_length=12, choices=EndRule.choices)
    end_value = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("N doses or N days; empty for an open phase."),
    )

    class Meta:
        abstract = True
        ordering = ["order"]

    def clean(self):
        errors = {}
        if self.schedule_unit == ScheduleUnit.WEEKDAYS:
            try:
                if not schedule.parse_weekdays(self.schedule_weekdays):
                    errors["schedule_weekdays"] = gettext(
                        "Pick at least one weekday, for example MO,WE,FR."
                    )
            except ValueError:
                errors["schedule_weekdays"] = weekdays_error()
            if self.schedule_every:
                errors["schedule_every"] = gettext("A weekday schedule has no 'every N'.")
        elif self.schedule_unit:
            if not self.schedule_every:
                errors["schedule_every"] = gettext("Say how often: every N days, weeks or months.")
            if self.schedule_weekdays:
                errors["schedule_weekdays"] = gettext("Weekdays only go with a weekday schedule.")
        if self.end_rule in (EndRule.AFTER_DOSES, EndRule.AFTER_DAYS) and not self.end_value:
            errors["end_value"] = gettext("Say after how many doses or days this phase ends.")
        if self.end_rule == EndRule.OPEN and self.end_value:
            errors["end_value"] = gettext("An open phase has no count; leave it empty.")
        if errors:
            raise ValidationError(errors)
        if self.schedule_unit == ScheduleUnit.WEEKDAYS:
            self.schedule_weekdays = schedule.weekday_codes(
                schedule.parse_weekdays(self.schedule_weekdays)
            )

    @property
    def is_open(self) -> bool:
        """Runs until a clinician advances it (schedule.md rule 6)."""
        return self.end_rule == EndRule.OPEN

    @property
    def rule(self) -> schedule.PhaseRule:
        return rule_from_values(self.phase_values())

    @property
    def schedule_text(self) -> str:
        if self.schedule_unit == ScheduleUnit.WEEKDAYS:
            days = ", ".join(
                schedule.WEEKDAY_CODES[d].title()
                for d in schedule.parse_weekdays(self.schedule_weekdays)
            )
            return gettext("on %(days)s") % {"days": days}
        unit, every = self.schedule_unit, self.schedule_every
        if every == 1:
            return {
                "day": gettext("daily"),
                "week": gettext("weekly"),
                "month": gettext("monthly"),
            }[unit]
        if unit == ScheduleUnit.DAY:
            text = ngettext("every %(n)s day", "every %(n)s days", every)
        elif unit == ScheduleUnit.WEEK:
            text = ngettext("every %(n)s week", "every %(n)s weeks", every)
        else:
            text = ngettext("every %(n)s month", "every %(n)s months", every)
        return text % {"n": every}

    @property
    def end_text(self) -> str:
        count = self.end_value
        if self.end_rule == EndRule.AFTER_DOSES:
            return ngettext("%(n)s dose", "%(n)s doses", count) % {"n": count}
        if self.end_rule == EndRule.AFTER_DAYS:
            return ngettext("%(n)s day", "%(n)s days", count) % {"n": count}
        return gettext("until a clinician advances it")

    def phase_values(self) -> dict:
        return {name: getattr(self, name) for name in PHASE_FIELDS}

    @classmethod
    def values_from_reference(cls, order: int, data: dict) -> dict:
        """Fields from a phase in regimens.json's shape."""
        sched, ends = data["schedule"], data["ends"]
        values = {
            "order": order,
            "kind": data["kind"],
            "label": data["label"],
            "dose_mcg": data["dose_mcg"],
            "schedule_every": None,
            "schedule_weekdays": "",
            "end_value": None,
        }
        if "weekdays" in sched:
            values.update(
                schedule_unit=ScheduleUnit.WEEKDAYS, schedule_weekdays=",".join(sched["weekdays"])
            )
        else:
            values.update(schedule_unit=sched["unit"], schedule_every=sched["every"])
        for rule in (EndRule.AFTER_DOSES, EndRule.AFTER_DAYS):
            if rule in ends:
                values.update(end_rule=rule, end_value=ends[rule])
        values.setdefault("end_rule", EndRule.OPEN)
        return values
