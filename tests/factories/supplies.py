"""Supplies, recorded through the real action (which checks them as the form does)."""

from supplies import actions
from supplies.models import Supply


def add_supply(patient, *, expires_on, received_on, count=10, by=None, **values) -> Supply:
    """`count` 1 mL ampoules of cyanocobalamin 1000 mcg/mL unless `values` say otherwise,
    recorded by the patient unless `by` says who."""
    values = {
        "medication": "cyanocobalamin",
        "concentration_mcg_per_ml": 1000,
        "container_ml": 1,
        **values,
    }
    supply, _ = actions.add_supply(
        patient,
        by or patient,
        count=count,
        expires_on=expires_on,
        received_on=received_on,
        **values,
    )
    return supply
