"""When the supplies at home run out on the current schedule, and what to warn about.

After the given injections are deducted (supplies/stock.py), the projection walks the regimen's
next due dates (each assumed on time, at that phase's dose and the regimen's strength) the same
way, from the supplies matching the regimen's product and strength. The first date that cannot
be covered is the run-out date. The walk stops after MAX_DATES dates or HORIZON, and then says
"lasts beyond". Two queries in all: the supplies, then the given injections (three for many
patients at once, outlooks(): their phases too).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from django.db.models import Prefetch
from django.utils.translation import gettext, ngettext

from regimens.models import Phase

from .models import Supply, SupplyVersion
from .stock import SupplyStock, deduct_given, draw, given_of_many, product_of, replay
from .wording import day_text, ml_text, product_text

MAX_DATES = 400
HORIZON = timedelta(days=730)


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

    @property
    def running_out_text(self) -> str:
        """How far the supplies go and, when they run out, for which injection more are
        needed: the home page's words (templates/supplies/supply_summary.html)."""
        text = self.summary
        if self.runs_out_on and self.covered:
            text += " " + gettext("More are needed for the injection due %(day)s.") % {
                "day": day_text(self.runs_out_on)
            }
        return text


def outlook(patient, regimen, *, removed=False, versions=False) -> SupplyOutlook:
    """The patient's supplies and how far they go. Queries: the supplies (+ their versions if
    asked), then, if any supply is recorded, the given injections since the earliest one's
    "in use from" day. Pass a regimen whose phases are already loaded to add no more."""
    today = patient.today()
    # With who recorded each: a carer's say so on the supplies page.
    supplies = Supply.objects.filter(patient=patient).select_related("recorded_by")
    if not removed:
        supplies = supplies.filter(deleted_at__isnull=True)
    if versions:
        supplies = supplies.prefetch_related(
            Prefetch("versions", queryset=SupplyVersion.objects.select_related("changed_by"))
        )
    return _outlook_from(patient, regimen, today, supplies.order_by("expires_on", "pk"))


def _outlook_from(patient, regimen, today: date, supplies, given=None) -> SupplyOutlook:
    """The outlook from the supplies (earliest expiry first) and, when given, the injections
    given since they are in use (rows of stock.given_since); else they are read."""
    result = SupplyOutlook(today=today, regimen=regimen)
    dose_mcg = regimen.current_phase.dose_mcg if regimen and regimen.current_phase else None
    for supply in supplies:
        stock = SupplyStock(supply, today, dose_mcg=dose_mcg)
        stock.matches = regimen is not None and product_of(supply) == (
            regimen.medication,
            regimen.concentration_mcg_per_ml,
        )
        result.stocks.append(stock)
    if not result.current:
        return result
    if given is None:
        result.uncovered_given = deduct_given(patient, result.current)
    else:
        result.uncovered_given = replay(patient, result.current, given)
    if regimen is not None:
        _project(result, regimen)
    _warn(result)
    return result


def outlooks(regimens, today_of) -> dict[int, SupplyOutlook]:
    """The outlook of each regimen's patient (by patient id), for many at once, as outlook()
    makes it for one (its current supplies); `today_of(patient)` is their date. Three
    queries whatever their number: the regimens' phases, the supplies, the given injections.
    A patient without supplies gets an outlook with none recorded."""
    regimens = list(regimens)
    if not regimens:
        return {}
    phases: dict[int, list[Phase]] = {}
    for phase in Phase.objects.filter(regimen__in=regimens).order_by("regimen_id", "order"):
        phases.setdefault(phase.regimen_id, []).append(phase)
    for regimen in regimens:
        regimen.ordered_phases = phases.get(regimen.pk, [])  # what upcoming() walks
    supplies: dict[int, list[Supply]] = {}
    held = Supply.objects.filter(
        patient_id__in=[r.patient_id for r in regimens], deleted_at__isnull=True
    )
    for supply in held.order_by("patient_id", "expires_on", "pk"):
        supplies.setdefault(supply.patient_id, []).append(supply)
    today = {r.patient_id: today_of(r.patient) for r in regimens}
    first_in_use = {pid: min(s.received_on for s in own) for pid, own in supplies.items()}
    given = given_of_many(first_in_use)
    return {
        r.patient_id: _outlook_from(
            r.patient,
            r,
            today[r.patient_id],
            supplies.get(r.patient_id, []),
            given.get(r.patient_id, []),
        )
        for r in regimens
    }


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
        if not draw(spare, Fraction(phase.dose_mcg, strength), max(due, result.today)):
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
