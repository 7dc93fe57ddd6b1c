"""A patient's lab results as shown: with the typical range, out-of-range marks and how many
days after the last injection each was drawn. Three queries, whatever the number of results."""

from bisect import bisect_right
from dataclasses import dataclass

from django.utils.translation import pgettext

from .models import DoseLog, LabRange, LabResult


@dataclass
class LabRow:
    lab: LabResult
    range: LabRange | None
    days_after_injection: int | None

    @property
    def position(self) -> str:
        """ "low", "high" or "" against the typical range, in the canonical unit."""
        if self.range is None:
            return ""
        if self.lab.value_canonical < self.range.low:
            return "low"
        if self.lab.value_canonical > self.range.high:
            return "high"
        return ""

    @property
    def position_text(self) -> str:
        """The position in words, for the page (`position` is the code the exports read)."""
        words = {"low": pgettext("lab result", "low"), "high": pgettext("lab result", "high")}
        return words.get(self.position, "")


def lab_rows(patient, limit: int | None = None) -> list[LabRow]:
    labs = LabResult.objects.filter(patient=patient).order_by("-taken_on", "-pk")
    if limit:
        labs = labs[:limit]
    ranges = {r.analyte: r for r in LabRange.objects.all()}
    zone = patient.zone
    given = sorted(
        at.astimezone(zone).date()
        for at in DoseLog.objects.filter(
            patient=patient, status=DoseLog.Status.GIVEN, deleted_at__isnull=True
        ).values_list("administered_at", flat=True)
    )
    rows = []
    for lab in labs:
        # The last injection on or before the day the sample was drawn.
        before = bisect_right(given, lab.taken_on)
        days = (lab.taken_on - given[before - 1]).days if before else None
        rows.append(LabRow(lab, ranges.get(lab.analyte), days))
    return rows
