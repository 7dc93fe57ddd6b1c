"""Supplies in words: volumes, days, products, a supply and an earlier version of one."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils import dateformat
from django.utils.translation import gettext

from regimens.models import Medication

from .models import Supply


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
