"""Vials and ampoules a patient has at home, and the kept versions of each.

These models were made in the doses app: their tables keep the doses_ names (Meta.db_table),
so moving them here moved no data (supplies/migrations/0001_initial.py). Change them only
through supplies/actions.py, which keeps a version before each correction, removal or restore.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.dates import EXPIRY, PAST, BoundedDates
from doses.models import KeptVersion
from regimens.models import Medication


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
