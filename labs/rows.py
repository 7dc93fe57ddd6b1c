"""A patient's lab results as shown: with the typical range (in the canonical unit and in the
unit the value was entered in), out-of-range marks and how many days after the last injection
each was drawn. Three queries, whatever the number of results. Deleted results are left out."""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import pgettext

from accounts import dates
from doses.models import DoseLog
from regimens import reference

from .models import LabRange, LabResult


def in_unit(canonical: Decimal, analyte: str, unit: str) -> Decimal:
    """A value in the analyte's canonical unit, expressed in `unit` (clinical.json's factors
    say how many canonical units one `unit` is), to four significant digits as a range is
    printed: 200 pg/mL of B12 is 147.6 pmol/L."""
    factor = Decimal(str(reference.lab(analyte)["units"][unit]))
    return Decimal(f"{canonical / factor:.4g}").normalize()


@dataclass(frozen=True)
class Range:
    low: Decimal
    high: Decimal
    unit: str


def typical_ranges(typical: LabRange | None, unit: str) -> list[Range]:
    """The typical range in the canonical unit, then in `unit` when the result was entered in
    another unit; none when the analyte has no range."""
    if typical is None:
        return []
    ranges = [Range(typical.low.normalize(), typical.high.normalize(), typical.unit)]
    if unit != typical.unit:
        bounds = (in_unit(bound, typical.analyte, unit) for bound in (typical.low, typical.high))
        ranges.append(Range(*bounds, unit))
    return ranges


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
    def converted(self) -> bool:
        """Whether the value was entered in another unit than the canonical one."""
        return self.lab.unit != self.lab.canonical_unit

    @property
    def ranges(self) -> list[Range]:
        return typical_ranges(self.range, self.lab.unit)

    @property
    def entered_range(self) -> Range | None:
        """The typical range in the unit the value was entered in, if that is not canonical."""
        ranges = self.ranges
        return ranges[1] if len(ranges) > 1 else None

    @property
    def position_text(self) -> str:
        """The position in words, for the page (`position` is the code the exports read)."""
        words = {"low": pgettext("lab result", "low"), "high": pgettext("lab result", "high")}
        return words.get(self.position, "")


def lab_rows(
    patient, limit: int | None = None, *, first: date | None = None, last: date | None = None
) -> list[LabRow]:
    """The patient's results, newest first (three queries); `first` and `last` keep those
    drawn on those days."""
    labs = LabResult.objects.filter(patient=patient, deleted_at__isnull=True).order_by(
        "-taken_on", "-pk"
    )
    if first:
        labs = labs.filter(taken_on__gte=first)
    if last:
        labs = labs.filter(taken_on__lte=last)
    if limit:
        labs = labs[:limit]
    ranges = {r.analyte: r for r in LabRange.objects.all()}
    zone = patient.zone
    given = sorted(
        dates.clamp(at).astimezone(zone).date()
        for at in DoseLog.objects.filter(
            patient=patient, status=DoseLog.Status.GIVEN, deleted_at__isnull=True
        ).values_list("administered_at", flat=True)
    )
    rows = []
    for lab in labs:
        # The last injection on or before the day the sample was drawn.
        before = bisect_right(given, lab.taken_on)
        days = (lab.taken_on - given[before - 1]).days if before else None
        rows.append(LabRow(lab, typical_range(lab.analyte, ranges.get(lab.analyte)), days))
    return rows


def typical_range(analyte: str, stored: LabRange | None) -> LabRange | None:
    """The admin's range for the analyte, or else the reference data's (unsaved)."""
    if stored is not None:
        return stored
    bounds = reference.lab(analyte).get("typical_range")
    if not bounds:
        return None
    return LabRange(analyte=analyte, low=Decimal(str(bounds[0])), high=Decimal(str(bounds[1])))


def lab_row(lab: LabResult) -> LabRow:
    """One result for its own page: its typical range (one query); the days after an injection
    are the list's, not needed there."""
    stored = LabRange.objects.filter(analyte=lab.analyte).first()
    return LabRow(lab, typical_range(lab.analyte, stored), None)
