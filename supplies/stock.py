"""Supplies at home: what is left of each vial or ampoule box, when they run out on the current
schedule, and the only ways to change a recorded supply.

Nothing about stock is stored. Each time, in two queries (the supplies, then the given
injections since the earliest "in use from" day), the injections are replayed in time order:

- an injection uses supplies of its own product and strength (its regimen's when left blank),
  in use from its day (the patient's local date) and not expired on that day (a supply is good
  up to and including its expiry date), earliest expiry first, then first recorded; a volume
  larger than what is left in one supply is drawn from the next;
- the projection then walks the regimen's next due dates (each assumed on time, at that
  phase's dose and the regimen's strength) the same way, from the supplies matching the
  regimen's product and strength. The first date that cannot be covered is the run-out date.
  The walk stops after MAX_DATES dates or HORIZON, and then says "lasts beyond".

Volumes are exact fractions of a mL, shown rounded to 0.01 mL.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import dateformat, timezone
from django.utils.translation import gettext, ngettext

from accounts.models import User
from doses.actions import create_once
from doses.models import DoseLog
from regimens import schedule
from regimens.models import Medication

from .models import Supply, SupplyVersion

MAX_DATES = 400
HORIZON = timedelta(days=730)


def ml_text(volume) -> str:
    """A volume as people write it: "1 mL", "0.5 mL", "29.25 mL"."""
    amount = Decimal(volume.numerator) / Decimal(volume.denominator)
    amount = amount.quantize(Decimal("0.01"), ROUND_HALF_UP).normalize()
    return f"{amount:f} mL"


def day_text(day: date) -> str:
    """ "Mon 2 Mar 2026", with the day and month names in the request's language."""
    return dateformat.format(day, "D j M Y")


def product_text(medication: str, strength: int) -> str:
    return f"{Medication(medication).label.lower()} {strength} mcg/mL"


def describe(supply: Supply) -> str:
    """ "10 × 1 mL cyanocobalamin 1000 mcg/mL" """
    container = ml_text(Fraction(supply.container_ml))
    product = product_text(supply.medication, supply.concentration_mcg_per_ml)
    return f"{supply.count} × {container} {product}"


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


def previous_text(values: dict) -> str:
    container = ml_text(Fraction(Decimal(values["container_ml"])))
    product = product_text(values["medication"], values["concentration_mcg_per_ml"])
    text = gettext(
        "%(count)s × %(container)s %(product)s, in use from %(received)s, expires %(expires)s"
    ) % {
        "count": values["count"],
        "container": container,
        "product": product,
        "received": day_text(date.fromisoformat(values["received_on"])),
        "expires": day_text(date.fromisoformat(values["expires_on"])),
    }
    if values.get("lot_number"):
        text += gettext(", lot %(lot)s") % {"lot": values["lot_number"]}
    if values.get("note"):
        text += gettext(", note “%(note)s”") % {"note": values["note"]}
    return text


@dataclass
class SupplyOutlook:
    """The supplies, what is left, and how far they go on the regimen's schedule."""

    today: date
    stocks: list[SupplyStock] = field(default_factory=list)
    regimen: object = None
    next_two: list[date] = field(default_factory=list)  # the next due dates, if any
    covered: int = 0  # due dates the supplies cover, from the next one on
    last_covered: date | None = None
    runs_out_on: date | None = None
    lasts_beyond: date | None = None
    uncovered_given: int = 0  # past injections no recorded supply covered
    warnings: list[str] = field(default_factory=list)

    @property
    def current(self) -> list[SupplyStock]:
        return [s for s in self.stocks if not s.removed]

    @property
    def removed(self) -> list[SupplyStock]:
        return [s for s in self.stocks if s.removed]

    @property
    def recorded(self) -> bool:
        return bool(self.current)

    @property
    def left_for_plan(self) -> str:
        return ml_text(sum((s.left for s in self.current if s.matches and s.usable), Fraction(0)))

    @property
    def any_left_for_plan(self) -> bool:
        """Whether some of the plan's medicine is left, as rounded for display."""
        return self.left_for_plan != ml_text(Fraction(0))

    @property
    def summary(self) -> str:
        """One sentence on how far the supplies go, or "" with no schedule to walk."""
        n = self.covered
        if self.runs_out_on and n == 0:
            return gettext("Your supplies do not cover your next injection, due %(day)s.") % {
                "day": day_text(self.runs_out_on)
            }
        if self.runs_out_on:
            return ngettext(
                "Supplies last until %(day)s (%(n)d injection).",
                "Supplies last until %(day)s (%(n)d injections).",
                n,
            ) % {"day": day_text(self.last_covered), "n": n}
        if self.lasts_beyond:
            return ngettext(
                "Supplies last beyond %(day)s (%(n)d injection or more).",
                "Supplies last beyond %(day)s (%(n)d injections or more).",
                n,
            ) % {"day": day_text(self.lasts_beyond), "n": n}
        if self.next_two:
            return ngettext(
                "Supplies last for the rest of your course (%(n)d injection).",
                "Supplies last for the rest of your course (%(n)d injections).",
                n,
            ) % {"n": n}
        return ""


def outlook(patient, regimen, *, removed=False, versions=False) -> SupplyOutlook:
    """The patient's supplies and how far they go. Queries: the supplies (+ their versions if
    asked), then, if any supply is recorded, the given injections since the earliest one's
    "in use from" day. Pass a regimen whose phases are already loaded to add no more."""
    today = patient.today()
    supplies = Supply.objects.filter(patient=patient)
    if not removed:
        supplies = supplies.filter(deleted_at__isnull=True)
    if versions:
        supplies = supplies.prefetch_related(
            Prefetch("versions", queryset=SupplyVersion.objects.select_related("changed_by"))
        )
    result = SupplyOutlook(today=today, regimen=regimen)
    dose_mcg = regimen.current_phase.dose_mcg if regimen and regimen.current_phase else None
    for supply in supplies.order_by("expires_on", "pk"):
        stock = SupplyStock(supply, today, dose_mcg=dose_mcg)
        stock.matches = regimen is not None and _product(supply) == (
            regimen.medication,
            regimen.concentration_mcg_per_ml,
        )
        result.stocks.append(stock)
    if not result.current:
        return result
    result.uncovered_given = _deduct_given(patient, result.current)
    if regimen is not None:
        _project(result, regimen)
    _warn(result)
    return result


def lot_in_use(patient, regimen) -> str:
    """The lot number of the supply the next injection draws from, as outlook() counts
    them: of the regimen's product and strength, in use and not expired today, not used up,
    earliest expiry first. "" when none is recorded or it has no lot number. Queries: the
    supplies, and once any is recorded, the injections given since they are in use."""
    today = patient.today()
    product = (regimen.medication, regimen.concentration_mcg_per_ml)
    for held in outlook(patient, None).current:  # earliest expiry first
        supply = held.supply
        in_use = supply.received_on <= today and held.usable
        if in_use and (supply.medication, supply.concentration_mcg_per_ml) == product:
            return supply.lot_number
    return ""


def _product(supply) -> tuple[str, int]:
    return supply.medication, supply.concentration_mcg_per_ml


def _draw(stocks: list[SupplyStock], volume: Fraction, on: date) -> bool:
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


def _deduct_given(patient, stocks: list[SupplyStock]) -> int:
    """Deduct every given injection from the stocks; returns how many none could cover."""
    first_in_use = min(s.supply.received_on for s in stocks)
    # A day early in UTC covers that day's start in any zone; the local date decides below.
    since = timezone.make_aware(datetime.combine(first_in_use - timedelta(days=1), time.min))
    doses = (
        DoseLog.objects.filter(
            patient=patient,
            status=DoseLog.Status.GIVEN,
            deleted_at__isnull=True,
            dose_mcg__isnull=False,
            administered_at__gte=since,
        )
        .order_by("administered_at", "pk")
        .values_list(
            "administered_at",
            "dose_mcg",
            "medication",
            "concentration_mcg_per_ml",
            "regimen__medication",
            "regimen__concentration_mcg_per_ml",
        )
    )
    by_product: dict[tuple, list[SupplyStock]] = {}
    for stock in stocks:
        by_product.setdefault(_product(stock.supply), []).append(stock)
    uncovered = 0
    for at, dose_mcg, medication, strength, regimen_med, regimen_strength in doses:
        on = schedule.local_date(at, patient.zone)
        if on < first_in_use:
            continue
        strength = strength or regimen_strength
        candidates = by_product.get((medication or regimen_med, strength), [])
        if not _draw(candidates, Fraction(dose_mcg, strength), on):
            uncovered += 1
    return uncovered


def _project(result: SupplyOutlook, regimen) -> None:
    """Walk the regimen's next due dates, drawing from the matching stocks on a copy."""
    matching = [s for s in result.current if s.matches]
    # The walk draws from copies: what is shown as left today must not change.
    spare = [SupplyStock(s.supply, result.today, used=s.used) for s in matching]
    strength = regimen.concentration_mcg_per_ml
    smallest = min((p.dose_mcg for p in regimen.ordered_phases), default=0)
    total = sum((s.left for s in matching if not s.expired), Fraction(0))
    wanted = MAX_DATES if not smallest else min(MAX_DATES, int(total * strength / smallest) + 2)
    dates = regimen.upcoming(wanted)
    result.next_two = [day for day, _ in dates[:2]]
    end = date.max  # where the walk stops: what expires before then with some left is wasted
    for due, phase in dates:
        if due > result.today + HORIZON:
            result.lasts_beyond = end = result.last_covered or result.today
            break
        # An overdue dose is given today at the earliest: expiry is checked on that day.
        if not _draw(spare, Fraction(phase.dose_mcg, strength), max(due, result.today)):
            result.runs_out_on = end = due
            break
        result.covered += 1
        result.last_covered = due
    else:
        if dates and len(dates) == wanted:
            result.lasts_beyond = end = result.last_covered
    for stock, walked in zip(matching, spare, strict=True):
        if result.today <= stock.supply.expires_on < end and walked.left > 0 and dates:
            stock.left_at_expiry = walked.left


def _warn(result: SupplyOutlook) -> None:
    regimen = result.regimen
    if result.covered < len(result.next_two):
        days = [day_text(day) for day in result.next_two]
        if len(days) == 2:
            text = gettext(
                "Your supplies will not last to your next two injections "
                "(%(first)s and %(second)s)."
            ) % {"first": days[0], "second": days[1]}
        else:
            text = gettext("Your supplies will not last to your next injection (%(day)s).") % {
                "day": days[0]
            }
        result.warnings.append(text)
    for stock in result.current:
        if stock.left_at_expiry:
            values = {
                "product": stock.product,
                "lot": stock.supply.lot_number,
                "day": day_text(stock.supply.expires_on),
                "left": ml_text(stock.left_at_expiry),
            }
            if stock.supply.lot_number:
                text = gettext(
                    "Your %(product)s (lot %(lot)s) expires on %(day)s before it is used up: "
                    "%(left)s will be left."
                )
            else:
                text = gettext(
                    "Your %(product)s expires on %(day)s before it is used up: "
                    "%(left)s will be left."
                )
            result.warnings.append(text % values)
    usable = [s for s in result.current if s.usable]
    if regimen is not None and usable and not any(s.matches for s in usable):
        plan = product_text(regimen.medication, regimen.concentration_mcg_per_ml)
        result.warnings.append(
            gettext(
                "None of the supplies you have is %(plan)s, the product and strength in your plan."
            )
            % {"plan": plan}
        )


# --- validation and changes ---------------------------------------------------------------------


def supply_problems(values: dict, today: date, *, new: bool) -> dict[str, str]:
    """The rules across fields, shared by the forms and the actions. A new supply may not be
    expired already; a correction may record a past expiry (it may be an old supply)."""
    errors = {}
    expires, received = values.get("expires_on"), values.get("received_on")
    if received and received > today:
        errors["received_on"] = gettext(
            "This date is in the future. Enter today or an earlier day."
        )
    if expires and new and expires < today:
        errors["expires_on"] = gettext(
            "This supply expired on %(day)s: an expired supply cannot be added."
        ) % {"day": day_text(expires)}
    elif expires and received and expires < received:
        errors["expires_on"] = gettext("The expiry date is before the day it is in use from.")
    return errors


def add_supply(patient, by, *, token=None, **values) -> tuple[Supply, bool]:
    """Record a supply. Returns (supply, created); a repeated form token returns the first."""
    problems = supply_problems(values, patient.today(), new=True)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        return create_once(Supply, patient, token, recorded_by=by, **values)


def _locked(supply: Supply) -> Supply:
    # Two tabs changing the same supply: the second waits, then keeps the first's result as
    # its previous version instead of overwriting it unseen.
    User.objects.lock(supply.patient_id)
    return Supply.objects.select_for_update().get(pk=supply.pk)


def _keep_version(supply: Supply, change: str, by, reason: str = "") -> None:
    SupplyVersion.objects.create(
        supply=supply, change=change, previous=supply.snapshot(), reason=reason, changed_by=by
    )


def correct_supply(supply: Supply, by, reason: str = "", **values) -> tuple[Supply, bool]:
    """Change a supply's values, keeping the previous ones. Returns (supply, changed)."""
    unknown = set(values) - set(Supply.VERSIONED_FIELDS)
    if unknown:
        raise TypeError(f"not a supply's recorded value: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        supply = _locked(supply)
        if supply.deleted_at is not None:
            raise ValidationError(gettext("Restore this supply before correcting it."))
        merged = {name: getattr(supply, name) for name in Supply.VERSIONED_FIELDS}
        problems = supply_problems({**merged, **values}, supply.patient.today(), new=False)
        if problems:
            raise ValidationError(problems)
        if all(merged[name] == value for name, value in values.items()):
            return supply, False
        _keep_version(supply, SupplyVersion.Change.CORRECTED, by, reason)
        for name, value in values.items():
            setattr(supply, name, value)
        supply.updated_at = timezone.now()
        supply.full_clean()
        supply.save()
    return supply, True


def delete_supply(supply: Supply, by, reason: str = "") -> Supply:
    """Soft-delete: the supply no longer counts, and restore_supply undoes it."""
    with transaction.atomic():
        supply = _locked(supply)
        if supply.deleted_at is None:
            _keep_version(supply, SupplyVersion.Change.DELETED, by, reason)
            supply.deleted_at = timezone.now()
            supply.save(update_fields=["deleted_at"])
    return supply


def restore_supply(supply: Supply, by) -> Supply:
    with transaction.atomic():
        supply = _locked(supply)
        if supply.deleted_at is not None:
            _keep_version(supply, SupplyVersion.Change.RESTORED, by)
            supply.deleted_at = None
            supply.save(update_fields=["deleted_at"])
    return supply
