"""Each patient's own regimen, copied from a template, its phases and its changes.

A Regimen stores a copy of its schedule state (current phase, next due date...) computed by
the pure rules in regimens/schedule.py, so that lists can sort and filter on it with one indexed
query. `Regimen.refresh_schedule()` recomputes it and is called in the same transaction as every
event (doses/actions.py) and every regimen change.
"""

from dataclasses import replace
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.dates import PLANNED, BoundedDates

from .. import reference, schedule
from .fields import Medication, PhaseFields, Route, rule_from_values
from .templates import RegimenTemplate


class ScheduleReading:
    """A regimen's phases, phase changes and injections as read from the database, from which
    the schedule's inputs are worked out without reading again: `inputs()` for the events as
    read, `inputs(given_at=...)` for them with one more injection, just written in the same
    transaction (logging an injection checks its timing against the first, then stores the
    state from the second)."""

    def __init__(self, phases, changes, doses, zone):
        self.phases = phases
        self.changes = changes  # (at, kind, phase_id, old values, new values), in time order
        self.doses = doses  # (administered_at, status) of each injection not deleted
        self.zone = zone

    def inputs(self, given_at=None) -> tuple[list[schedule.PhaseRule], list[schedule.Event]]:
        """Each phase's rule as it was at the start, and the events in time order as dates in
        the patient's zone (rule 1): given and skipped doses, a clinician advancing an open
        phase (rule 6) or changing a phase (rule 7). With `given_at`, a given dose at that
        moment is among them, placed as a second read would place it: the doses come newest row
        first (the model's ordering), so it goes before any other dose of the same moment."""
        position = {phase.pk: i for i, phase in enumerate(self.phases)}
        values = [phase.phase_values() for phase in self.phases]
        edits = [row for row in self.changes if row[1] == RegimenChange.Kind.PHASE_CHANGED]
        for _at, _kind, phase_id, old, _new in reversed(edits):
            values[position[phase_id]].update(old)  # undo, newest first: the rules at start
        initial = [rule_from_values(v) for v in values]
        doses = self.doses if given_at is None else [(given_at, schedule.GIVEN), *self.doses]
        timed = [(at, schedule.Event(on=None, kind=status)) for at, status in doses]
        for at, kind, phase_id, _old, new in self.changes:
            if kind == RegimenChange.Kind.ADVANCED:
                timed.append((at, schedule.Event(on=None, kind=schedule.ADVANCE)))
            else:
                index = position[phase_id]
                values[index].update(new)
                rule = rule_from_values(values[index])
                timed.append((at, schedule.Event(None, schedule.CHANGE, index, rule)))
        timed.sort(key=lambda row: row[0])
        zone = self.zone
        events = [replace(ev, on=schedule.local_date(at, zone)) for at, ev in timed]
        return initial, events


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
    # Stored like the schedule state, for the clinician's list: see symptoms/wearoff.py.
    symptoms_return_early = models.BooleanField(default=False)
    next_lab_review = models.DateField(
        null=True, blank=True, help_text=_("When the prescriber wants the next blood test.")
    )
    # The size of each vial or ampoule, as the patient entered it (plan_setup/plan.py).
    container_ml = models.DecimalField(
        _("vial or ampoule size (mL)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("100"))],
    )
    # A regimen the patient entered from their prescription (plan_setup/plan.py) stays marked
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

    def read_schedule(self) -> "ScheduleReading":
        """What the schedule is replayed from, read once (three queries: the phases, unless
        read already, the phase changes and the injections)."""
        changes = list(
            self.changes.filter(kind__in=RegimenChange.SCHEDULE_KINDS)
            .order_by("at", "pk")
            .values_list("at", "kind", "phase_id", "old_values", "new_values")
        )
        doses = self.doses.filter(deleted_at__isnull=True)
        doses = list(doses.values_list("administered_at", "status"))
        return ScheduleReading(self.ordered_phases, changes, doses, self.patient.zone)

    def schedule_inputs(self) -> tuple[list[schedule.PhaseRule], list[schedule.Event]]:
        """What the pure rules replay (ScheduleReading.inputs)."""
        return self.read_schedule().inputs()

    def phase_rules(self) -> list[schedule.PhaseRule]:
        """Each phase's rule as it stands now."""
        return [phase.rule for phase in self.ordered_phases]

    def events(self) -> list[schedule.Event]:
        return self.schedule_inputs()[1]

    def recompute_state(self) -> schedule.State:
        initial, events = self.schedule_inputs()
        return schedule.replay(self.start_date, initial, events)

    def refresh_schedule(self, inputs=None) -> schedule.State:
        """Recompute and store the schedule state. Call inside the event's transaction;
        `inputs` are schedule_inputs() when the caller has them already."""
        inputs = inputs or self.schedule_inputs()
        return self.store_state(schedule.replay(self.start_date, *inputs))

    def store_state(self, state: schedule.State) -> schedule.State:
        """Store a schedule state worked out from every event (refresh_schedule), or from the
        stored one and an event after all the others (doses/actions.py log_dose)."""
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
        self.save(
            update_fields=[
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

    # The kinds that are events of the schedule's replay (rules 6 and 7).
    SCHEDULE_KINDS = (Kind.ADVANCED, Kind.PHASE_CHANGED)

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


def current_regimen(patient) -> Regimen | None:
    """The patient's regimen in progress, or else the one most recently completed."""
    return (
        Regimen.objects.filter(
            patient=patient, status__in=[Regimen.Status.ACTIVE, Regimen.Status.COMPLETED]
        )
        .select_related("current_phase", "patient")
        .order_by("status", "-created_at", "-pk")  # "active" sorts before "completed"
        .first()
    )
