"""Lab results as the patient or a clinician entered them, each also in its analyte's
canonical unit, with kept versions; and the typical ranges an admin edits.

The tables were made by the doses app and keep their names (Meta.db_table)."""

import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.dates import PAST, BoundedDates
from doses.models import KeptVersion
from regimens import reference

# Values outside these bounds (in the canonical unit) are typing errors, not results: a lab
# never reports them. Wide on purpose: B12 is very high for weeks after an injection.
PLAUSIBLE = {
    "b12": (20, 50_000),
    "active_b12": (1, 1_000),
    "mma": (10, 100_000),
    "homocysteine": (1, 500),
    "hemoglobin": (2, 25),
    "mcv": (40, 160),
    "folate": (0.3, 100),
}


class LabRange(models.Model):
    """An analyte's typical range in its canonical unit; admins edit it to match their lab."""

    analyte = models.CharField(max_length=20, choices=reference.lab_choices(), unique=True)
    low = models.DecimalField(max_digits=10, decimal_places=3)
    high = models.DecimalField(max_digits=10, decimal_places=3)
    note = models.TextField(blank=True)

    class Meta:
        db_table = "doses_labrange"  # made by the doses app, before labs had their own
        ordering = ["analyte"]

    def __str__(self):
        return f"{self.get_analyte_display()}: {self.low}-{self.high} {self.unit}"

    def clean(self):
        if self.low is not None and self.high is not None and self.low >= self.high:
            raise ValidationError(
                {"high": gettext("The top of the range must be above its bottom.")}
            )

    @property
    def unit(self) -> str:
        return reference.lab(self.analyte)["canonical_unit"]


class LabResult(BoundedDates, models.Model):
    """A lab value as entered, plus the same value in the analyte's canonical unit."""

    DATE_KINDS = {"taken_on": PAST}

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="labs"
    )
    taken_on = models.DateField()
    analyte = models.CharField(max_length=20, choices=reference.lab_choices())
    value = models.DecimalField(max_digits=10, decimal_places=3)
    unit = models.CharField(max_length=12)
    value_canonical = models.DecimalField(max_digits=12, decimal_places=3, editable=False)
    note = models.TextField(blank=True, max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Soft delete, as for doses: every page, chart, export and the triage list leave a deleted
    # result out; its own page shows it, with its versions and an undo.
    deleted_at = models.DateTimeField(null=True, blank=True)
    submission_token = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)

    # What a person typed, so what a correction may change and a version keeps.
    VERSIONED_FIELDS = ("analyte", "taken_on", "value", "unit", "note")

    class Meta:
        db_table = "doses_labresult"
        ordering = ["-taken_on", "-pk"]
        indexes = [models.Index(fields=["patient", "-taken_on"], name="lab_patient_day")]

    def __str__(self):
        return f"{self.get_analyte_display()} {self.value} {self.unit}"

    def save(self, *args, **kwargs):
        factor = Decimal(str(reference.lab(self.analyte)["units"][self.unit]))
        self.value_canonical = (self.value * factor).quantize(Decimal("0.001"))
        super().save(*args, **kwargs)

    def clean(self):
        if not self.analyte:
            return
        info = reference.lab(self.analyte)
        if self.unit not in info["units"]:
            raise ValidationError(
                {"unit": gettext("Use one of: %(units)s.") % {"units": ", ".join(info["units"])}}
            )
        if self.taken_on and self.patient_id and self.taken_on > self.patient.today():
            raise ValidationError({"taken_on": gettext("This date is in the future.")})
        if self.value is None:
            return
        if self.value <= 0:
            raise ValidationError(
                {"value": gettext("Enter the value from the lab report (above 0).")}
            )
        low, high = PLAUSIBLE[self.analyte]
        canonical = float(self.value) * info["units"][self.unit]
        if not low <= canonical <= high:
            raise ValidationError(
                {
                    "value": gettext(
                        "%(value)s %(unit)s is not a plausible %(test)s result. "
                        "Check the number and the unit."
                    )
                    % {
                        "value": f"{self.value.normalize():f}",
                        "unit": self.unit,
                        "test": info["name"],
                    }
                }
            )

    @property
    def canonical_unit(self) -> str:
        return reference.lab(self.analyte)["canonical_unit"]

    def snapshot(self) -> dict:
        """The values as entered (and the canonical value they gave), for a kept version."""
        return {
            "analyte": self.analyte,
            "taken_on": self.taken_on.isoformat(),
            "value": str(self.value),
            "unit": self.unit,
            "value_canonical": str(self.value_canonical),
            "note": self.note,
            "deleted": self.deleted_at is not None,
        }


class LabResultVersion(KeptVersion):
    """The values a LabResult had before one correction, deletion or restore."""

    class Change(models.TextChoices):
        CORRECTED = "corrected", _("Corrected")
        DELETED = "deleted", _("Deleted")
        RESTORED = "restored", _("Restored")

    lab = models.ForeignKey(LabResult, on_delete=models.CASCADE, related_name="versions")

    class Meta(KeptVersion.Meta):
        db_table = "doses_labresultversion"

    change = models.CharField(max_length=10, choices=Change.choices)
    previous = models.JSONField(help_text=_("The result's values before this change."))

    def previous_display(self) -> list[tuple[str, str]]:
        """The previous values as (label, text) pairs for the result's page."""
        prev = self.previous
        info = reference.lab(prev["analyte"])
        value = f"{Decimal(prev['value']).normalize():f}"
        rows = [
            (gettext("Test"), info["name"]),
            (gettext("Drawn"), date_format(date.fromisoformat(prev["taken_on"]), "j M Y")),
            (gettext("Result"), f"{value} {prev['unit']}"),
        ]
        if prev.get("note"):
            rows.append((gettext("Note"), prev["note"]))
        return rows
