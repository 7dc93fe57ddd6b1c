"""Regimens come from the example templates, as in the product; changes to them."""

from datetime import date

import factory

from regimens.loading import load_example_templates
from regimens.models import Regimen, RegimenChange, RegimenTemplate

US_TEMPLATE = "Cyanocobalamin 1000 mcg, common US practice"
UK_TEMPLATE = "Hydroxocobalamin, no neurological involvement (UK)"


def template(name: str = US_TEMPLATE) -> RegimenTemplate:
    load_example_templates()
    return RegimenTemplate.objects.get(name=name)


def regimen_for(patient, start: date, name: str = US_TEMPLATE, **kwargs) -> Regimen:
    return Regimen.from_template(template(name), patient, start, **kwargs)


class RegimenChangeFactory(factory.django.DjangoModelFactory):
    """A line of a regimen's history, written as is (the actions in regimens/actions.py write
    the real ones, with the plan's values before and after)."""

    class Meta:
        model = RegimenChange

    patient = factory.SelfAttribute("regimen.patient")
    kind = RegimenChange.Kind.PRESCRIBED
    by = factory.SelfAttribute("patient")
