"""Every step of "Set up my injections" says, for an example plan, that the prescriber confirms
the dose and how often (the reference data's rule for example templates)."""

from datetime import date

import pytest

from regimens.models import RegimenTemplate
from tests import factories, pages
from tests.plan_setup.test_setup import SETUP, UK, US, phase_data, product_data, step

pytestmark = pytest.mark.django_db


def notes(response) -> list[str]:
    return pages.texts(response, '[data-testid="prescriber-confirms"]')


def test_each_example_plan_and_each_later_step_says_the_prescriber_confirms(patient_client):
    factories.template(US), factories.template(UK)
    listed = notes(patient_client.get(SETUP))
    shown = RegimenTemplate.objects.filter(status="published", is_example=True).count()
    assert shown >= 2
    assert listed == ["example: prescriber confirms"] * shown

    step(patient_client, "template", {"template": factories.template(US).pk})
    on_phases = notes(patient_client.get(SETUP, {"step": "phases"}))
    step(patient_client, "phases", phase_data(US))
    on_product = notes(patient_client.get(SETUP, {"step": "product"}))
    step(patient_client, "product", product_data(date(2026, 3, 2)))
    on_started = notes(patient_client.get(SETUP, {"step": "started"}))

    said = (
        "An example plan from public prescribing guides: your prescriber confirms the dose and "
        "how often."
    )
    assert on_phases == on_product == on_started == [said]


def test_a_plan_that_is_not_an_example_carries_no_such_note(patient_client):
    template = factories.template(US)
    RegimenTemplate.objects.filter(pk=template.pk).update(is_example=False)
    step(patient_client, "template", {"template": template.pk})

    assert notes(patient_client.get(SETUP, {"step": "phases"})) == []
