"""Vials and ampoules a patient has at home, and the kept versions of each.

These models were made in the doses app: their tables keep the doses_ names (Meta.db_table),
so moving them here moved no data (supplies/migrations/0001_initial.py). Change them only
through supplies/actions.py, which keeps a version before each correction, removal or restore.
"""

import uuid
from decimal import Decimal
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.dates import EXPIRY, PAST, BoundedDates
from doses.models import KeptVersion
from regimens.models import Medication, Regimen


class Supply(BoundedDates, models.Model):
    """Vials or ampoules the patient has at home. Injections given from `received_on` onwards
    with the same product and strength use them up, earliest expiry first (supplies/stock.py);
    nothing is stored about what is left, so a corrected or deleted injection is counted
    right at once."""

    DATE_KINDS = {"expires_on": EXPIRY, "received_on": PAST}

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supplies"
    )
    medication = models.CharField(_("product"), max_length=20, choices=Medication.choices)
    concentration_mcg_per_ml = models.PositiveIntegerField(
        _("strength (mcg/mL)"), validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    container_ml = models.DecimalField(
        _("volume of each (mL)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("100"))],
        help_text=_("1 for a 1 mL ampoule, 30 for a 30 mL multi-dose vial."),
    )
    count = models.PositiveSmallIntegerField(
        _("how many"), validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    expires_on = models.DateField(_("expiry date"))
    lot_number = models.CharField(max_length=40, blank=True)
    received_on = models.DateField(
        _("in use from"),
        help_text=_("Injections given from this day on are taken from this supply."),
    )
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    submission_token = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)

    VERSIONED_FIELDS = (
        "medication",
        "concentration_mcg_per_ml",
        "container_ml",
        "count",
        "expires_on",
        "lot_number",
        "received_on",
        "note",
    )

    class Meta:
        db_table = "doses_supply"  # made by the doses app; the rows stayed where they were
        verbose_name_plural = _("supplies")
        ordering = ["expires_on", "pk"]
        indexes = [models.Index(fields=["patient", "expires_on"], name="supply_patient_expiry")]

    def __str__(self):
        return f"{self.count} × {self.container_ml} mL {self.get_medication_display()}"

    @property
    def total_ml(self) -> Decimal:
        return self.container_ml * self.count

    def snapshot(self) -> dict:
        values = {name: getattr(self, name) for name in self.VERSIONED_FIELDS}
        values["container_ml"] = str(self.container_ml)
        values["expires_on"] = self.expires_on.isoformat()
        values["received_on"] = self.received_on.isoformat()
        values["deleted"] = self.deleted_at is not None
        return values


class SupplyVersion(KeptVersion):
    """A supply's values before one correction, removal or restore."""

    class Change(models.TextChoices):
        CORRECTED = "corrected", _("Corrected")
        DELETED = "deleted", _("Removed")
        RESTORED = "restored", _("Restored")

    supply = models.ForeignKey(Supply, on_delete=models.CASCADE, related_name="versions")
    change = models.CharField(max_length=10, choices=Change.choices)
    previous = models.JSONField(help_text=_("The supply's values before this change."))

    class Meta(KeptVersion.Meta):
        db_table = "doses_supplyversion"


def label_storage():
    """The private storage of label photos (settings.STORAGES["labels"]): never served as
    files, only through the view that checks who asks (supplies/label_views.py)."""
    return storages["labels"]


def label_path(photo, filename: str) -> str:
    # A random name: the address of a file says nothing about whose it is.
    return f"{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()}"


class LabelPhoto(models.Model):
    """A photo of a vial label, as the patient took it (decoded, stripped of its EXIF data and
    re-encoded on upload: supplies/photos.py), and a care-team clinician's verdict on it. A new
    photo replaces the shown one and keeps it (`replaced_at`), as corrections do.

    A photo is of one supply's label, or else of the vial the patient had in hand when they
    entered their prescription at set-up (plan_setup): then it belongs to the regimen they
    entered, as set-up knows no supply (no count, no expiry) to make one from."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("Not checked yet")
        VERIFIED = "verified", _("Verified against the prescription")
        MISMATCH = "mismatch", _("Does not match the prescription")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="label_photos"
    )
    supply = models.ForeignKey(
        Supply, null=True, blank=True, on_delete=models.CASCADE, related_name="label_photos"
    )
    regimen = models.ForeignKey(
        Regimen, null=True, blank=True, on_delete=models.CASCADE, related_name="label_photos"
    )
    image = models.FileField(storage=label_storage, upload_to=label_path, max_length=100)
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    replaced_at = models.DateTimeField(null=True, blank=True)
    verdict = models.CharField(
        _("verdict"), max_length=10, choices=Verdict.choices, default=Verdict.PENDING
    )
    verdict_note = models.CharField(_("note"), max_length=500, blank=True)
    verdict_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verdict_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [
            models.Index(fields=["supply", "replaced_at"], name="label_supply_current"),
            models.Index(fields=["patient", "replaced_at"], name="label_patient_current"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(supply__isnull=False, regimen__isnull=True)
                | models.Q(supply__isnull=True, regimen__isnull=False),
                name="label_of_a_supply_or_a_regimen",
            )
        ]

    def __str__(self):
        if self.supply_id is None:
            return f"label photo {self.pk} of regimen {self.regimen_id}"
        return f"label photo {self.pk} of supply {self.supply_id}"

    BADGES = {Verdict.VERIFIED: "success", Verdict.MISMATCH: "danger"}

    @property
    def badge(self) -> str:
        """The verdict's colour: green verified, red mismatch, grey not checked yet."""
        return self.BADGES.get(self.verdict, "secondary")

    @property
    def checked(self) -> bool:
        return self.verdict != self.Verdict.PENDING

    def clean(self):
        if self.verdict == self.Verdict.MISMATCH and not self.verdict_note.strip():
            raise ValidationError({"verdict_note": _("Say what does not match.")})
