"""What is recorded about injections: each given or skipped, with kept versions; clinical notes
and alerts on a patient's record.

Nothing a user enters is lost: a correction or deletion of a DoseLog first stores the previous
values as a DoseLogVersion, and deletion is a soft delete that can be undone. Change them only
through doses/actions.py, which keeps the regimen's stored schedule state in step.
"""

import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.dates import PLANNED, BoundedDates
from regimens import reference
from regimens.models import Medication, Route, validate_dose_mcg
from symptoms.models import reaction_errors, validate_not_future

# No event in a B12 record falls outside these years: anything else is a typing error.
MIN_EVENT_TIME = datetime(1900, 1, 1, tzinfo=UTC)
MAX_EVENT_TIME = datetime(2100, 1, 1, tzinfo=UTC)


class DoseLog(BoundedDates, models.Model):
    DATE_KINDS = {"administered_at": PLANNED}

    class Status(models.TextChoices):
        GIVEN = "given", _("Given")
        SKIPPED = "skipped", _("Skipped")

    class AdministeredBy(models.TextChoices):
        SELF = "self", _("Myself")
        CARER = "carer", _("A carer or family member")
        CLINIC = "clinic", _("Clinic or nurse")

    class SkipReason(models.TextChoices):
        AWAY = "away", _("Away from home")
        NO_SUPPLIES = "no_supplies", _("No supplies")
        UNWELL = "unwell", _("Unwell")
        CLINICIAN = "clinician", _("My clinician's advice")
        OTHER = "other", _("Other")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="doses"
    )
    regimen = models.ForeignKey("regimens.Regimen", on_delete=models.PROTECT, related_name="doses")
    phase = models.ForeignKey(
        "regimens.Phase",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The phase the dose belonged to when it was recorded."),
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.GIVEN)
    # A given dose cannot be in the future; a skip may be, when it is planned ahead of the
    # day it is due (clean()).
    administered_at = models.DateTimeField(
        _("time"),
        help_text=_("When it was given, or for a skip, the day it was due."),
    )
    dose_mcg = models.IntegerField(
        _("dose (mcg)"),
        null=True,
        blank=True,
        validators=[validate_dose_mcg],
    )
    route = models.CharField(max_length=2, choices=Route.choices, blank=True)
    site = models.CharField(max_length=5, choices=reference.site_choices(), blank=True)
    # An earlier injection entered at set-up whose site the patient does not remember: no site
    # is made up for it, and rotation (doses/sites.py) leaves it out.
    site_not_recorded = models.BooleanField(_("site not recorded"), default=False)
    medication = models.CharField(
        _("product"),
        max_length=20,
        choices=Medication.choices,
        blank=True,
        help_text=_("Defaults to the regimen's medication."),
    )
    concentration_mcg_per_ml = models.PositiveIntegerField(
        _("strength (mcg/mL)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text=_("Defaults to the regimen's product strength."),
    )
    lot_number = models.CharField(max_length=40, blank=True)
    administered_by = models.CharField(
        max_length=8, choices=AdministeredBy.choices, default=AdministeredBy.SELF
    )
    reaction_notes = models.TextField(blank=True, max_length=2000)
    # The reaction checklist: the same side effects and allergy signs as a check-in's.
    side_effects = models.JSONField(default=list, blank=True)
    allergy_signs = models.JSONField(default=list, blank=True)
    skip_reason = models.CharField(max_length=300, blank=True)
    skip_reason_kind = models.CharField(
        _("reason"), max_length=12, choices=SkipReason.choices, blank=True
    )
    # A dose logged before the on-time window of its due date, or a second given dose on the
    # same day, is saved only once the person confirms it; the record keeps that they did, and
    # the date that was due when they logged it (doses/timing.py).
    confirmed_early = models.BooleanField(_("confirmed as early"), default=False)
    confirmed_second = models.BooleanField(_("confirmed as a second dose that day"), default=False)
    due_when_logged = models.DateField(_("due date when logged"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # One per rendered form: a second submission of the same form finds the first record.
    submission_token = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["-administered_at", "-pk"]
        indexes = [
            models.Index(fields=["patient", "-administered_at"], name="dose_patient_time"),
            models.Index(fields=["regimen", "administered_at"], name="dose_regimen_time"),
        ]

    def __str__(self):
        return f"{self.get_status_display()} {self.administered_at:%Y-%m-%d}"

    @property
    def is_given(self) -> bool:
        return self.status == self.Status.GIVEN

    @property
    def skip_reason_text(self) -> str:
        """The reason as the person gave it: the picked reason, then their own words."""
        parts = []
        if self.skip_reason_kind and self.skip_reason_kind != self.SkipReason.OTHER:
            parts.append(str(self.get_skip_reason_kind_display()))
        if self.skip_reason.strip():
            parts.append(self.skip_reason.strip())
        return ": ".join(parts)

    @property
    def timing_notes(self) -> list[str]:
        """What was unusual about the dose's timing and confirmed when it was logged."""
        notes = []
        if self.confirmed_early:
            notes.append(gettext("confirmed early"))
        if self.confirmed_second:
            notes.append(gettext("confirmed second dose that day"))
        return notes

    def clean(self):
        errors = {}
        if self.administered_at and self.is_given:
            try:
                validate_not_future(self.administered_at)
            except ValidationError as exc:
                errors["administered_at"] = exc.messages
        if (
            self.administered_at
            and "administered_at" not in errors
            and not (MIN_EVENT_TIME <= self.administered_at <= MAX_EVENT_TIME)
        ):
            errors["administered_at"] = gettext("Enter a time between the years 1900 and 2100.")
        if self.is_given:
            if self.dose_mcg is None:
                errors["dose_mcg"] = gettext("Enter a dose from 1 to 10,000 mcg.")
            if not self.route:
                errors["route"] = gettext("Choose the route.")
            if not self.site:
                if not self.site_not_recorded:
                    errors["site"] = gettext("Choose where it was injected.")
            elif self.route and self.site not in reference.sites_for_route(self.route):
                errors["site"] = gettext("%(site)s is not a site for %(route)s injections.") % {
                    "site": reference.site_name(self.site),
                    "route": Route(self.route).label.lower(),
                }
        elif self.skip_reason_kind in ("", self.SkipReason.OTHER) and not self.skip_reason.strip():
            # A reason picked from the list needs no words; "other" (or none picked) does.
            errors["skip_reason"] = gettext("Say why the dose was skipped.")
        errors.update(reaction_errors(self))
        if errors:
            raise ValidationError(errors)

    VERSIONED_FIELDS = (
        "status",
        "administered_at",
        "dose_mcg",
        "medication",
        "concentration_mcg_per_ml",
        "route",
        "site",
        "lot_number",
        "administered_by",
        "reaction_notes",
        "side_effects",
        "allergy_signs",
        "site_not_recorded",
        "skip_reason",
        "skip_reason_kind",
    )

    def snapshot(self) -> dict:
        values = {name: getattr(self, name) for name in self.VERSIONED_FIELDS}
        values["administered_at"] = self.administered_at.isoformat()
        values["deleted"] = self.deleted_at is not None
        return values

    @property
    def volume_ml(self):
        strength = self.concentration_mcg_per_ml or self.regimen.concentration_mcg_per_ml
        if not self.dose_mcg or not strength:
            return None
        return round(self.dose_mcg / strength, 2)


class KeptVersion(BoundedDates, models.Model):
    """What every kept version has besides the values: why, who and when. Newest first."""

    reason = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.get_change_display()} {self.changed_at:%Y-%m-%d %H:%M}"


class DoseLogVersion(KeptVersion):
    """The values a DoseLog had before one change, and who made the change."""

    class Change(models.TextChoices):
        CORRECTED = "corrected", _("Corrected")
        DELETED = "deleted", _("Deleted")
        RESTORED = "restored", _("Restored")

    dose = models.ForeignKey(DoseLog, on_delete=models.CASCADE, related_name="versions")
    change = models.CharField(max_length=10, choices=Change.choices)
    previous = models.JSONField(help_text=_("The record's values before this change."))

    def previous_display(self) -> list[tuple[str, str]]:
        """The previous values as (label, text) pairs for the history page."""
        prev = self.previous
        when = timezone.localtime(datetime.fromisoformat(prev["administered_at"]))
        rows = [
            (gettext("Status"), str(DoseLog.Status(prev["status"]).label)),
            (gettext("Time"), date_format(when, "j M Y, H:i")),
        ]
        if prev["status"] == DoseLog.Status.GIVEN:
            rows += [
                (gettext("Dose"), f"{prev['dose_mcg']} mcg"),
                (
                    gettext("Product"),
                    str(Medication(prev["medication"]).label) if prev.get("medication") else "–",
                ),
                (gettext("Route"), str(Route(prev["route"]).label)),
                (
                    gettext("Site"),
                    reference.site_name(prev["site"])
                    if prev.get("site")
                    else gettext("Not recorded")
                    if prev.get("site_not_recorded")
                    else "–",
                ),
            ]
            if prev.get("lot_number"):
                rows.append((gettext("Lot"), prev["lot_number"]))
        else:
            rows.append((gettext("Reason"), prev.get("skip_reason", "")))
        return rows


class ClinicalNote(BoundedDates, models.Model):
    """A clinician's note on a patient's record. Notes are never edited in place: a correction
    is a new note."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinical_notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=4000)
    # Notes are the care team's unless the author shares one: only shared notes are on the
    # patient's own report.
    shared_with_patient = models.BooleanField(_("show this note to the patient"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    submission_token = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["patient", "-created_at"], name="note_patient_time")]

    def __str__(self):
        return f"Note by {self.author} {self.created_at:%Y-%m-%d}"


class AlertQuerySet(models.QuerySet):
    def open(self):
        return self.filter(acknowledged_at__isnull=True)


class Alert(BoundedDates, models.Model):
    """Something that happened to a patient that a clinician should see: it stays on the record's
    header and the triage list until a care-team clinician acknowledges it (doses/alerts.py
    raises them). The acknowledgement (who, when, note) is kept and shown in the timeline."""

    class Kind(models.TextChoices):
        ALLERGY = "allergy", _("Allergy signs")
        SAME_DAY = "same_day", _("Same-day symptoms")
        SIDE_EFFECTS = "side_effects", _("Side effects")
        EARLY_DOSE = "early_dose", _("Injection confirmed early")
        SECOND_DOSE = "second_dose", _("Second injection on one day")
        OVERDUE = "overdue", _("Overdue by more than one interval")
        WEAR_OFF = "wear_off", _("Symptoms return before the next injection")
        LABEL_MISMATCH = "label_mismatch", _("Vial label does not match the prescription")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # When what it tells of happened (the check-in's or the injection's time, or the day the
    # condition was found).
    raised_at = models.DateTimeField(default=timezone.now)
    checkin = models.ForeignKey(
        "symptoms.SymptomEntry",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )
    dose = models.ForeignKey(
        DoseLog, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    # What it names, as keys or plain values (sign keys, side effects, a score's rise, a due
    # date), worded when shown so that the words follow the reader's language.
    details = models.JSONField(default=dict, blank=True)
    # One alert per thing: raising the same one again (a re-saved check-in, the overdue check
    # run by two servers) finds the first.
    key = models.CharField(max_length=80, editable=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True, editable=False)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    acknowledgement_note = models.TextField(_("note"), blank=True, max_length=1000)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "key"], name="one_alert_per_thing")
        ]
        indexes = [
            models.Index(fields=["patient", "acknowledged_at"], name="alert_patient_open"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.raised_at:%Y-%m-%d}"

    def clean(self):
        if len(self.acknowledgement_note) > 1000:
            raise ValidationError(
                {"acknowledgement_note": gettext("Keep the note under 1,000 characters.")}
            )
