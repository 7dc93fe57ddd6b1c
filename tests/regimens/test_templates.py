"""Regimen templates: loading the examples, validation of phases, copying into a regimen."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from regimens.loading import load_example_templates
from regimens.models import Phase, PhaseTemplate, RegimenTemplate
from tests import factories

pytestmark = pytest.mark.django_db


def test_it_loads_the_five_example_templates_once():
    assert load_example_templates() == (5, 0)
    assert load_example_templates() == (0, 5)
    assert RegimenTemplate.objects.count() == 5
    assert all(t.is_example for t in RegimenTemplate.objects.all())


def test_it_copies_the_phases_of_the_reference_template():
    load_example_templates()
    uk = RegimenTemplate.objects.get(name=factories.UK_TEMPLATE)
    phases = list(uk.phases.all())
    assert [p.kind for p in phases] == ["repletion", "maintenance"]
    assert phases[0].schedule_weekdays == "MO,WE,FR"
    assert (phases[0].end_rule, phases[0].end_value) == ("after_doses", 6)
    assert (phases[1].schedule_unit, phases[1].schedule_every) == ("month", 3)
    assert phases[1].end_rule == "open"


def test_it_keeps_an_admins_edit_when_loading_again():
    load_example_templates()
    phase = PhaseTemplate.objects.get(template__name=factories.US_TEMPLATE, order=0)
    phase.dose_mcg = 500
    phase.save()
    load_example_templates()
    phase.refresh_from_db()
    assert phase.dose_mcg == 500


def test_editing_a_template_never_changes_an_existing_regimen(patient):
    regimen = factories.regimen_for(patient, date(2026, 3, 2))
    PhaseTemplate.objects.filter(template__name=factories.US_TEMPLATE).update(dose_mcg=250)
    assert set(Phase.objects.filter(regimen=regimen).values_list("dose_mcg", flat=True)) == {1000}


def phase(**values):
    base = dict(
        order=0,
        kind="repletion",
        label="Loading",
        dose_mcg=1000,
        schedule_unit="day",
        schedule_every=1,
        schedule_weekdays="",
        end_rule="after_doses",
        end_value=7,
    )
    base.update(values)
    return PhaseTemplate(template=RegimenTemplate(name="t"), **base)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"dose_mcg": 0}, "dose_mcg"),
        ({"dose_mcg": 20000}, "dose_mcg"),
        ({"schedule_every": None}, "schedule_every"),
        (
            {"schedule_unit": "weekdays", "schedule_every": None, "schedule_weekdays": ""},
            "schedule_weekdays",
        ),
        (
            {"schedule_unit": "weekdays", "schedule_every": None, "schedule_weekdays": "MO,XX"},
            "schedule_weekdays",
        ),
        (
            {"schedule_unit": "weekdays", "schedule_every": 2, "schedule_weekdays": "MO"},
            "schedule_every",
        ),
        ({"schedule_weekdays": "MO"}, "schedule_weekdays"),
        ({"end_value": None}, "end_value"),
        ({"end_rule": "open", "end_value": 3}, "end_value"),
    ],
)
def test_it_rejects_a_phase_that_makes_no_sense(values, field):
    with pytest.raises(ValidationError) as caught:
        phase(**values).full_clean(exclude=["template"])
    assert field in caught.value.message_dict


def test_it_normalises_weekdays():
    p = phase(schedule_unit="weekdays", schedule_every=None, schedule_weekdays="fr, mo,we")
    p.full_clean(exclude=["template"])
    assert p.schedule_weekdays == "MO,WE,FR"
    assert p.schedule_text == "on Mo, We, Fr"
