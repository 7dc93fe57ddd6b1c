"""Sourced reference data (copied from shared/reference): example templates, products, routes,
injection sites, symptoms, side effects, lab analytes and the urgent warnings.

The names a page shows are in English here and come out in the reader's language: each is
marked in terms.py, so that it is in the catalogues, and translated when it is read (lazily in
the choices that models and forms build at import). Side effects
are stored as their English names (a check-in keeps what was ticked): `side_effect_name` words
one for a page."""

import json
from functools import cache
from pathlib import Path

from django.utils.translation import gettext, gettext_lazy

HERE = Path(__file__).resolve().parent


@cache
def clinical() -> dict:
    return json.loads((HERE / "clinical.json").read_text())


@cache
def regimens() -> dict:
    return json.loads((HERE / "regimens.json").read_text())


def route_choices() -> list[tuple[str, str]]:
    return [(code, gettext_lazy(info["name"])) for code, info in clinical()["routes"].items()]


def site_choices() -> list[tuple[str, str]]:
    return [(site["code"], gettext_lazy(site["name"])) for site in clinical()["sites"]]


def sites_for_route(route: str) -> list[str]:
    return [site["code"] for site in clinical()["sites"] if route in site["routes"]]


def site_name(code: str) -> str:
    return str(dict(site_choices()).get(code, code))


def symptoms() -> list[dict]:
    return [{**item, "name": gettext(item["name"])} for item in clinical()["symptoms"]]


def side_effects() -> list[str]:
    """The side effects' English names: the values a check-in stores."""
    return clinical()["side_effects"]


def side_effect_name(stored: str) -> str:
    return gettext(stored)


def urgent(kind: str) -> str:
    return gettext(clinical()["urgent"][kind])


def product_concentration(medication: str) -> int | None:
    for product in regimens()["products"]:
        if product["medication"] == medication:
            return product["mcg_per_ml"]
    return None


def lab(key: str) -> dict:
    item = next(item for item in clinical()["labs"] if item["key"] == key)
    return {**item, "name": gettext(item["name"])}


def lab_choices() -> list[tuple[str, str]]:
    return [(item["key"], gettext_lazy(item["name"])) for item in clinical()["labs"]]


def dose_range(medication: str) -> tuple[int, int] | None:
    """A single injection's usual dose of `medication` in mcg, as (min, max): outside it, a dose
    must be confirmed as intended (regimens.json `dose_ranges_mcg`). Not advice."""
    for row in regimens()["dose_ranges_mcg"]:
        if row["medication"] == medication:
            return row["usual_min"], row["usual_max"]
    return None
