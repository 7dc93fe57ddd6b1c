"""Supplies at home: what is left of each vial or ampoule box today.

Nothing about stock is stored. Each time, the given injections since the earliest "in use from"
day are replayed in time order (deduct_given, one query): an injection uses supplies of its own
product and strength (its regimen's when left blank), in use from its day (the patient's local
date) and not expired on that day (a supply is good up to and including its expiry date),
earliest expiry first, then first recorded; a volume larger than what is left in one supply is
drawn from the next. How far the supplies go on the schedule is supplies/forecast.py's.

Volumes are exact fractions of a mL, shown rounded to 0.01 mL (supplies/wording.py).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction

from django.utils import timezone

from doses.models import DoseLog
from regimens import schedule

from .models import Supply, SupplyVersion
from .wording import describe, ml_text, previous_text, product_text


@dataclass
class SupplyStock:
    """One recorded supply and what is left of it today."""

    supply: Supply
    today: date
    matches: bool = False  # the product and strength of the current regimen
    dose_mcg: int | None = None  # the current dose, for "doses left"
    used: Fraction = Fraction(0)
    left_at_expiry: Fraction | None = None  # set when it expires before it is used up

    @property
    def total(self) -> Fraction:
        return Fraction(self.supply.container_ml) * self.supply.count

    @property
    def left(self) -> Fraction:
        return self.total - self.used

    @property
    def removed(self) -> bool:
        return self.supply.deleted_at is not None

    @property
    def expired(self) -> bool:
        return self.supply.expires_on < self.today

    @property
    def usable(self) -> bool:
        return not self.removed and not self.expired and self.left > 0

    @property
    def doses_left(self) -> int | None:
        if not (self.matches and self.dose_mcg) or self.removed or self.expired:
            return None
        return int(self.left * self.supply.concentration_mcg_per_ml // self.dose_mcg)

    @property
    def product(self) -> str:
        return product_text(self.supply.medication, self.supply.concentration_mcg_per_ml)

    @property
    def description(self) -> str:
        return describe(self.supply)

    @property
    def used_up(self) -> bool:
        return self.left <= 0

    @property
    def left_text(self) -> str:
        return ml_text(self.left)

    @property
    def total_text(self) -> str:
        return ml_text(self.total)

    @property
    def history(self) -> list[tuple[SupplyVersion, str]]:
        """Earlier versions with their values in words (needs versions prefetched)."""
        return [(v, previous_text(v.previous)) for v in self.supply.versions.all()]


def product_of(supply) -> tuple[str, int]:
    return supply.medication, supply.concentration_mcg_per_ml


def draw(stocks: list[SupplyStock], volume: Fraction, on: date) -> bool:
    """Take `volume` from the stocks usable on day `on`, earliest expiry first (the list is
    in that order). Takes nothing and returns False when they hold too little."""
    usable = [
        s for s in stocks if s.supply.received_on <= on <= s.supply.expires_on and s.used < s.total
    ]
    if sum(s.left for s in usable) < volume:
        return False
    for stock in usable:
        taken = min(volume, stock.left)
        stock.used += taken
        volume -= taken
        if not volume:
            break
    return True


def deduct_given(patient, stocks: list[SupplyStock]) -> int:
    """Deduct every given injection from the stocks; returns how many none could cover."""
    first_in_use = min(s.supply.received_on for s in stocks)
    doses = given_since(DoseLog.objects.filter(patient=patient), _since(first_in_use)).order_by(
        "administered_at", "pk"
    )
    return replay(patient, stocks, doses)


def _since(first_in_use: date) -> datetime:
    # A day early in UTC covers that day's start in any zone; the local date decides in replay.
    return timezone.make_aware(datetime.combine(first_in_use - timedelta(days=1), time.min))


def given_since(doses, since: datetime):
    """The given injections (of `doses`) from `since`, as replay() reads them."""
    return doses.filter(
        status=DoseLog.Status.GIVEN,
        deleted_at__isnull=True,
        dose_mcg__isnull=False,
        administered_at__gte=since,
    ).values_list(
        "administered_at",
        "dose_mcg",
        "medication",
        "concentration_mcg_per_ml",
        "regimen__medication",
        "regimen__concentration_mcg_per_ml",
        "patient_id",
    )


def given_of_many(first_in_use: dict[int, date]) -> dict[int, list[tuple]]:
    """The given injections of many patients (by patient id, each with the earliest "in use
    from" day of their supplies), in time order, by patient id. One query, from the earliest
    day of all: replay() skips the ones before each patient's own."""
    if not first_in_use:
        return {}
    since = _since(min(first_in_use.values()))
    doses = given_since(DoseLog.objects.filter(patient_id__in=list(first_in_use)), since)
    found: dict[int, list[tuple]] = {}
    for row in doses.order_by("patient_id", "administered_at", "pk"):
        found.setdefault(row[-1], []).append(row)
    return found


def replay(patient, stocks: list[SupplyStock], doses) -> int:
    """Deduct the given injections (rows of given_since, in time order) from the stocks;
    returns how many none could cover."""
    first_in_use = min(s.supply.received_on for s in stocks)
    by_product: dict[tuple, list[SupplyStock]] = {}
    for stock in stocks:
        by_product.setdefault(product_of(stock.supply), []).append(stock)
    uncovered = 0
    for at, dose_mcg, medication, strength, regimen_med, regimen_strength, _patient in doses:
        on = schedule.local_date(at, patient.zone)
        if on < first_in_use:
            continue
        strength = strength or regimen_strength
        candidates = by_product.get((medication or regimen_med, strength), [])
        if not draw(candidates, Fraction(dose_mcg, strength), on):
            uncovered += 1
    return uncovered
