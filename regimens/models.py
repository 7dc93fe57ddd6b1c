"""Regimen templates (edited by admins) and each patient's own regimen copied from one.

A Regimen stores a copy of its schedule state (current phase, next due date...) computed by
the pure rules in regimens/schedule.py, so that lists can sort and filter on it with one indexed
query. `Regimen.refresh_schedule()` recomputes it and is called in the same transaction as every
event (doses/actions.py) and every regimen change.
"""

from dataclasses import replace
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.dates import PLANNED, BoundedDates

from . import reference, schedule, template_rules

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


class TemplateQuerySet(models.QuerySet):
    def available(self):
        """The templates patients and clinicians may choose: published and active."""
        return self.filter(active=True, status=RegimenTemplate.Status.PUBLISHED)


class RegimenTemplate(BoundedDates, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft: only admins see it")
        PUBLISHED = "published", _("Published: patients and clinicians may choose it")

    name = models.CharField(max_length=160, unique=True)
    medication = models.CharField(max_length=20, choices=Medication.choices)
    default_route = models.CharField(max_length=2, choices=Route.choices, default=Route.IM)
    source = models.TextField(blank=True, help_text=_("Where the example comes from."))
    is_example = models.BooleanField(
        default=True, help_text=_("An example from public sources: the prescriber confirms.")
    )
    active = models.BooleanField(default=True)
    # Schedule rule 6: an open-ended phase before the last is reached past only when a
    # clinician advances it; without this, the phases after it could never be reached.
    clinician_advances = models.BooleanField(
        _("a clinician advances open phases"),
        default=False,
        help_text=_(
            "Tick when a phase before the last is open-ended: a clinician moves the patient "
            "on to the next phase."
        ),
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = TemplateQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("regimen templates")

    def __str__(self):
        return self.name

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def clean_phases(self, phases: list[dict]) -> None:
        """The rules across phases (template_rules.check_template) for these phases' values,
        in order; raises ValidationError listing every problem. The admin's inline formset and
        the loader call it with the phases about to be saved."""
        problems = template_rules.check_template(phases, clinician_advances=self.clinician_advances)
        if problems:
            raise ValidationError([problem.message for problem in problems])

    def snapshot(self) -> dict:
        """The template's and its phases' values as stored, for RegimenTemplateVersion."""
        fields = [
            "name",
            "medication",
            "default_route",
            "source",
            "is_example",
            "active",
            "clinician_advances",
            "status",
        ]
        return {
            **{name: getattr(self, name) for name in fields},
            "phases": [
                {**p.phase_values(), "dose_intended": p.dose_intended}
                for p in self.phases.order_by("order")
            ],
        }


class PhaseTemplate(BoundedDates, PhaseFields):
    template = models.ForeignKey(RegimenTemplate, on_delete=models.CASCADE, related_name="phases")
    # A dose outside the medication's usual range (reference dose_ranges_mcg) is saved only
    # when an admin says it is intended; who said so and when are kept.
    dose_intended = models.BooleanField(
        _("this dose is intended"),
        default=False,
        help_text=_("Tick to keep a dose outside the medication's usual range."),
    )
    dose_intended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    dose_intended_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(PhaseFields.Meta):
        verbose_name_plural = _("phase templates")
        constraints = [
            models.UniqueConstraint(fields=["template", "order"], name="phase_template_order")
        ]

    def __str__(self):
        return self.label

    def _medication(self) -> str:
        try:
            return self.template.medication
        except RegimenTemplate.DoesNotExist:  # not attached yet: no range to check
            return ""

    def clean(self):
        """PhaseFields' rules, then: an empty label is written from the schedule, a given
        label must not contradict it, and a dose outside the usual range must be intended."""
        super().clean()
        if not self.label:
            self.label = template_rules.default_label(self.phase_values())
        problems = template_rules.check_phase(
            self.phase_values(), medication=self._medication(), dose_intended=self.dose_intended
        )
        if problems:
            raise ValidationError(problems)

    def mark_dose_intended(self, by) -> None:
        """Keep who ticked "this dose is intended", and when (before saving)."""
        if self.dose_intended:
            self.dose_intended_by, self.dose_intended_at = by, timezone.now()
        else:
            self.dose_intended_by = self.dose_intended_at = None


class RegimenTemplateVersion(BoundedDates, models.Model):
    """A template's values before an admin's change: who changed it, when, and the old
    template and phase values."""

    template = models.ForeignKey(RegimenTemplate, on_delete=models.CASCADE, related_name="versions")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    previous = models.JSONField(help_text=_("The template and its phases before the change."))

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name_plural = _("regimen template versions")

    def __str__(self):
        return f"{self.template} before {self.changed_at:%Y-%m-%d %H:%M}"


class Regimen(BoundedDates, models.Model):
    """One patient's prescribed course, with its schedule state stored for sorting."""

    # A lab review may be planned years ahead (tests/accounts/test_access.py plans one in
    # 2031): only the app's bounds.
    DATE_KINDS = {"start_date": PLANNED}

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        ENDED = "ended", _("Ended by a clinician")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="regimens"
    )
    template = models.ForeignKey(
        RegimenTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=160)
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    start_date = models.DateField()
    medication = models.CharField(max_length=20, choices=Medication.choices)
    concentration_mcg_per_ml = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text=_("Product strength in mcg per mL, to show the volume to draw."),
    )
    route = models.CharField(max_length=2, choices=Route.choices, default=Route.IM)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    prescriber_note = models.TextField(
        blank=True,
        default="Example regimen: your prescriber confirms the dose and interval.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Stored schedule state: always equal to recompute_state(); see refresh_schedule().
    current_phase = models.ForeignKey(
        "Phase", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    next_due = models.DateField(null=True, blank=True, db_index=True)
    given_in_phase = models.PositiveIntegerField(default=0)
    phase_entered_on = models.DateField(null=True, blank=True)
    phase_first_event_on = models.DateField(null=True, blank=True)
    last_event_on = models.DateField(null=True, blank=True)
    # Stored like the schedule state, for the clinician's list: see doses/wearoff.py.
    symptoms_return_early = models.BooleanField(default=False)
    next_lab_review = models.DateField(
        null=True, blank=True, help_text=_("When the prescriber wants the next blood test.")
    )
    # The size of each vial or ampoule, as the patient entered it (regimens/setup.py).
    container_ml = models.DecimalField(
        _("vial or ampoule size (mL)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("100"))],
    )
    # A regimen the patient entered from their prescription (regimens/setup.py) stays marked
    # until a clinician on their care team confirms it; a prescribed one has no entered_by.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The setup form's token: a second submission of the same form finds this regimen.
    setup_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(status="active"),
                name="one_active_regimen_per_patient",
            )
        ]
        indexes = [models.Index(fields=["status", "next_due"], name="regimen_status_due")]

    def __str__(self):
        return f"{self.name} for {self.patient}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def needs_confirmation(self) -> bool:
        """Entered by the patient and not yet confirmed by a clinician on their care team."""
        return self.entered_by_id is not None and self.confirmed_at is None

    def phase_id_at(self, moment) -> int | None:
        """The phase a moment fell in: that of the first injection or skip recorded at or
        after it (the interval it belongs to ends there), or the current phase when nothing
        is recorded after it yet. One query, through the reverse relation."""
        later = (
            self.doses.filter(deleted_at__isnull=True, administered_at__gte=moment)
            .order_by("administered_at", "pk")
            .values_list("phase_id", flat=True)
            .first()
        )
        return later if later is not None else self.current_phase_id

    @cached_property
    def ordered_phases(self) -> list["Phase"]:
        return list(self.phases.order_by("order"))

    def schedule_inputs(self) -> tuple[list[schedule.PhaseRule], list[schedule.Event]]:
        """What the pure rules replay: each phase's rule as it was at the start, and the
        events in time order as dates in the patient's zone (rule 1): given and skipped doses,
        a clinician advancing an open phase (rule 6) or changing a phase (rule 7)."""
        phases = self.ordered_phases
        position = {phase.pk: i for i, phase in enumerate(phases)}
        values = [phase.phase_values() for phase in phases]
        changes = list(
            self.changes.filter(
                kind__in=[RegimenChange.Kind.ADVANCED, RegimenChange.Kind.PHASE_CHANGED]
            )
            .order_by("at", "pk")
            .values_list("at", "kind", "phase_id", "old_values", "new_values")
        )
        edits = [row for row in changes if row[1] == RegimenChange.Kind.PHASE_CHANGED]
        for _at, _kind, phase_id, old, _new in reversed(edits):
            values[position[phase_id]].update(old)  # undo, newest first: the rules at start
        initial = [rule_from_values(v) for v in values]
        timed = [
            (at, schedule.Event(on=None, kind=status))
            for at, status in self.doses.filter(deleted_at__isnull=True).values_list(
                "administered_at", "status"
            )
        ]
        for at, kind, phase_id, _old, new in changes:
            if kind == RegimenChange.Kind.ADVANCED:
                timed.append((at, schedule.Event(on=None, kind=schedule.ADVANCE)))
            else:
                index = position[phase_id]
                values[index].update(new)
                rule = rule_from_values(values[index])
                timed.append((at, schedule.Event(None, schedule.CHANGE, index, rule)))
        timed.sort(key=lambda row: row[0])
        zone = self.patient.zone
        events = [replace(ev, on=schedule.local_date(at, zone)) for at, ev in timed]
        return initial, events

    def wear_off(self, inputs=None):
        """Do symptoms come back before the next maintenance injection (doses/wearoff.py)?"""
        from doses.wearoff import for_regimen  # doses depends on regimens, not the reverse

        return for_regimen(self, inputs)

    def refresh_wear_off(self) -> None:
        """After a check-in: recompute the stored wear-off flag."""
        self.symptoms_return_early = self.wear_off().symptoms_return
        self.save(update_fields=["symptoms_return_early"])

    def phase_rules(self) -> list[schedule.PhaseRule]:
        """Each phase's rule as it stands now."""
        return [phase.rule for phase in self.ordered_phases]

    def events(self) -> list[schedule.Event]:
        return self.schedule_inputs()[1]

    def recompute_state(self) -> schedule.State:
        initial, events = self.schedule_inputs()
        return schedule.replay(self.start_date, initial, events)

    def refresh_schedule(self) -> schedule.State:
        """Recompute and store the schedule state. Call inside the event's transaction."""
        inputs = self.schedule_inputs()
        state = schedule.replay(self.start_date, *inputs)
        if self.status == self.Status.ENDED:
            state = schedule.State(None, None, last_event_on=state.last_event_on)
        phases = self.ordered_phases
        self.current_phase = phases[state.phase] if state.phase is not None else None
        self.next_due = state.next_due
        self.given_in_phase = state.given_in_phase
        self.phase_entered_on = state.phase_entered_on
        self.phase_first_event_on = state.phase_first_event_on
        self.last_event_on = state.last_event_on
        if state.complete and self.status == self.Status.ACTIVE:
            self.status = self.Status.COMPLETED
        elif (
            not state.complete
            and self.status == self.Status.COMPLETED
            and not self.patient.regimens.filter(status=self.Status.ACTIVE).exists()
        ):
            # A correction re-opened a finished course (and no newer one has begun).
            self.status = self.Status.ACTIVE
        self.symptoms_return_early = self.wear_off(inputs).symptoms_return
        self.save(
            update_fields=[
                "symptoms_return_early",
                "current_phase",
                "next_due",
                "given_in_phase",
                "phase_entered_on",
                "phase_first_event_on",
                "last_event_on",
                "status",
            ]
        )
        return state

    @property
    def stored_state(self) -> schedule.State:
        index = None
        if self.current_phase_id is not None:
            index = next(
                i for i, p in enumerate(self.ordered_phases) if p.pk == self.current_phase_id
            )
        return schedule.State(
            index,
            self.next_due,
            self.given_in_phase,
            self.phase_entered_on,
            self.phase_first_event_on,
            self.last_event_on,
        )

    def upcoming(self, count: int = 5) -> list[tuple]:
        """The next `count` (date, Phase) pairs, each dose assumed given on time (rule 9)."""
        phases = self.ordered_phases
        dates = schedule.upcoming(self.stored_state, [p.rule for p in phases], count)
        return [(day, phases[index]) for day, index in dates]

    def volume_ml(self, dose_mcg: int) -> float:
        return round(dose_mcg / self.concentration_mcg_per_ml, 2)

    @classmethod
    def from_template(
        cls,
        template: RegimenTemplate,
        patient,
        start_date,
        *,
        prescriber=None,
        concentration=None,
        route=None,
    ) -> "Regimen":
        """Copy a template's phases into a new regimen for `patient`. Later edits to the
        template never reach this regimen."""
        regimen = cls.objects.create(
            patient=patient,
            template=template,
            name=template.name,
            prescriber=prescriber,
            start_date=start_date,
            medication=template.medication,
            concentration_mcg_per_ml=(
                concentration or reference.product_concentration(template.medication) or 1000
            ),
            route=route or template.default_route,
        )
        Phase.objects.bulk_create(
            Phase(regimen=regimen, **phase.phase_values()) for phase in template.phases.all()
        )
        regimen.refresh_schedule()
        return regimen


class Phase(PhaseFields):
    regimen = models.ForeignKey(Regimen, on_delete=models.CASCADE, related_name="phases")

    class Meta(PhaseFields.Meta):
        constraints = [models.UniqueConstraint(fields=["regimen", "order"], name="phase_order")]

    def __str__(self):
        return self.label


class RegimenChange(BoundedDates, models.Model):
    """Who changed a patient's regimen, when, why, and the values before and after."""

    class Kind(models.TextChoices):
        PRESCRIBED = "prescribed", _("Prescribed")
        ADVANCED = "advanced", _("Advanced to the next phase")
        PHASE_CHANGED = "phase_changed", _("Phase changed")
        ENDED = "ended", _("Ended")
        SWITCHED = "switched", _("Switched to another regimen")
        LAB_REVIEW = "lab_review", _("Next lab review set")
        ENTERED = "entered", _("Entered by the patient")
        CONFIRMED = "confirmed", _("Confirmed by a clinician")

    regimen = models.ForeignKey(Regimen, on_delete=models.CASCADE, related_name="changes")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="regimen_changes"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    phase = models.ForeignKey(
        Phase, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    old_values = models.JSONField(default=dict, blank=True)
    new_values = models.JSONField(default=dict, blank=True)
    # The patient's home tells them of a change someone else made until they dismiss it.
    dismissed_at = models.DateTimeField(null=True, blank=True, editable=False)

    # The changes a patient is told of (home page and email), when someone else made them.
    TOLD_TO_PATIENT = ("prescribed", "advanced", "phase_changed", "ended", "switched")

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["patient", "-at"], name="change_patient_time")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"

    # JSON objects keep no key order on PostgreSQL (jsonb): name the values in this order.
    SUMMARY_ORDER = (
        "template",
        "start",
        "strength",
        "route",
        "lab_review",
        "phase",
        "dose_mcg",
        "schedule_unit",
        "schedule_every",
        "schedule_weekdays",
        "label",
        "status",
    )

    def summary(self) -> str:
        """One line for timelines: what changed, from what to what."""
        parts = []
        rank = {key: i for i, key in enumerate(self.SUMMARY_ORDER)}
        for key in sorted(self.new_values, key=lambda k: (rank.get(k, len(rank)), k)):
            new = self.new_values[key]
            old = self.old_values.get(key)
            label = key.replace("_", " ")
            parts.append(f"{label} {old} → {new}" if old not in (None, "") else f"{label} {new}")
        return "; ".join(parts)
