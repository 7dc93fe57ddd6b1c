"""The rules a regimen template keeps (regimens/template_rules.py): kinds in order, no phase
that can never be reached, labels that say what the schedule does, doses in the usual range
unless intended; and the five reference templates keep every one of them."""

from datetime import date

import pytest

from regimens import reference, template_rules
from regimens.models import PhaseTemplate
from regimens.phase_labels import default_label
from regimens.template_rules import check_phase, check_template, label_problems, preview

REFERENCE = reference.regimens()["templates"]


def phases_of(template: dict) -> list[dict]:
    return [
        PhaseTemplate.values_from_reference(order, phase)
        for order, phase in enumerate(template["phases"])
    ]


def phase(**values) -> dict:
    base = {
        "order": 0,
        "kind": "maintenance",
        "label": "",
        "dose_mcg": 1000,
        "schedule_unit": "month",
        "schedule_every": 1,
        "schedule_weekdays": "",
        "end_rule": "open",
        "end_value": None,
    }
    return {**base, **values}


@pytest.mark.parametrize("template", REFERENCE, ids=[t["name"] for t in REFERENCE])
def test_every_reference_template_keeps_every_rule(template):
    phases = phases_of(template)
    advances = template_rules.open_before_last(phases)
    assert check_template(phases, clinician_advances=advances) == []
    for values in phases:
        assert check_phase(values, medication=template["medication"], dose_intended=False) == {}
        # Its label written from the schedule holds too.
        assert label_problems({**values, "label": default_label(values)}) == []


def test_only_the_neurological_template_needs_a_clinician_to_advance():
    needing = [t["name"] for t in REFERENCE if template_rules.open_before_last(phases_of(t))]
    assert needing == ["Hydroxocobalamin, neurological involvement (UK)"]


def test_an_empty_template_is_refused():
    [problem] = check_template([], clinician_advances=False)
    assert problem.message == "A template needs at least one phase."


def test_phases_out_of_kind_order_are_refused_on_the_later_phase():
    phases = [
        phase(kind="maintenance", end_rule="after_doses", end_value=3),
        phase(kind="repletion"),
    ]
    [problem] = check_template(phases, clinician_advances=False)
    assert (problem.index, problem.field) == (1, "kind")
    assert "Phase 2 (repletion) cannot come after a maintenance phase" in problem.message


def test_several_phases_may_share_a_kind():
    phases = [
        phase(kind="stabilization", end_rule="after_doses", end_value=7),
        phase(kind="stabilization", end_rule="after_days", end_value=21),
        phase(kind="maintenance"),
    ]
    assert check_template(phases, clinician_advances=False) == []


def test_a_phase_after_an_open_one_is_never_reached_unless_a_clinician_advances():
    phases = [phase(kind="repletion"), phase(kind="maintenance")]
    [problem] = check_template(phases, clinician_advances=False)
    assert (problem.index, problem.field) == (0, "end_rule")
    assert problem.message.startswith("Phase 1 is open-ended, so the phases after it")
    assert check_template(phases, clinician_advances=True) == []


@pytest.mark.parametrize(
    ("label", "unit", "every", "said"),
    [
        ("Daily", "week", 2, "daily"),
        ("Weekly", "month", 1, "weekly"),
        ("Maintenance: every 3 months", "month", 2, "every 3 months"),
        ("Every other day", "day", 3, "every other day"),
        ("Twice a week", "day", 3, "twice a week"),
        ("Monthly", "week", 4, "monthly"),
    ],
)
def test_a_label_naming_another_frequency_is_refused(label, unit, every, said):
    [problem] = label_problems(phase(label=label, schedule_unit=unit, schedule_every=every))
    assert problem.startswith(f"The label says “{said}” but the schedule is ")


@pytest.mark.parametrize(
    ("label", "unit", "every"),
    [
        ("Every 4 weeks", "day", 28),
        ("Every 2-3 months", "month", 2),
        ("Every 2 to 3 months", "month", 3),
        ("Once a month", "month", 1),
        ("Fortnightly", "week", 2),
        ("Maintenance, for life", "month", 3),
        ("Entretien", "week", 2),  # words the rules do not read are not checked
    ],
)
def test_a_label_that_agrees_with_its_schedule_is_kept(label, unit, every):
    assert label_problems(phase(label=label, schedule_unit=unit, schedule_every=every)) == []


def test_a_weekday_schedule_is_said_as_so_many_times_a_week():
    mwf = phase(
        kind="repletion",
        schedule_unit="weekdays",
        schedule_every=None,
        schedule_weekdays="MO,WE,FR",
        end_rule="after_doses",
        end_value=6,
    )
    assert label_problems({**mwf, "label": "Three times a week for 2 weeks"}) == []
    assert label_problems({**mwf, "label": "Twice a week"}) != []
    assert label_problems({**mwf, "label": "Daily"}) != []
    assert default_label(mwf) == "3 times a week (Mon, Wed, Fri), 6 doses"


def test_a_label_contradicting_the_end_is_refused():
    daily = phase(kind="repletion", schedule_unit="day", end_rule="after_doses", end_value=7)
    assert label_problems({**daily, "label": "Daily for 1 week"}) == []
    [problem] = label_problems({**daily, "label": "Daily for 3 weeks"})
    assert problem.startswith("The label says “for 3 weeks” but the phase ends after 7 doses.")
    [problem] = label_problems({**daily, "label": "Daily, 10 doses"})
    assert "“10 doses”" in problem
    [problem] = label_problems(phase(label="Monthly for 6 months"))
    assert problem.startswith("The label says “for 6 months” but the phase is open-ended.")


def test_a_label_naming_another_kind_is_refused():
    [problem] = label_problems(phase(kind="repletion", label="Maintenance: monthly"))
    assert problem.startswith("The label says “maintenance” but the phase is repletion.")


@pytest.mark.parametrize(
    ("values", "label"),
    [
        ({"schedule_unit": "week", "schedule_every": 4}, "Every 4 weeks"),
        ({"schedule_unit": "day", "end_rule": "after_doses", "end_value": 7}, "Daily for 7 days"),
        (
            {
                "schedule_unit": "day",
                "schedule_every": 2,
                "end_rule": "after_doses",
                "end_value": 7,
            },
            "Every 2 days, 7 doses",
        ),
        (
            {
                "schedule_unit": "day",
                "schedule_every": 3,
                "end_rule": "after_days",
                "end_value": 21,
            },
            "Every 3 days for 3 weeks",
        ),
        (
            {"schedule_unit": "week", "end_rule": "after_doses", "end_value": 4},
            "Weekly for 4 weeks",
        ),
        ({"schedule_unit": "month", "schedule_every": 3}, "Every 3 months"),
    ],
)
def test_the_default_label_is_written_from_the_schedule(values, label):
    values = phase(**values)
    assert default_label(values) == label
    assert label_problems({**values, "label": label}) == []


@pytest.mark.parametrize(
    ("medication", "dose", "refused"),
    [
        ("cyanocobalamin", 100, False),
        ("cyanocobalamin", 1000, False),
        ("cyanocobalamin", 50, True),
        ("cyanocobalamin", 10000, True),
        ("hydroxocobalamin", 1000, False),
        ("hydroxocobalamin", 500, True),
        ("methylcobalamin", 5000, False),
        ("methylcobalamin", 6000, True),
    ],
)
def test_a_dose_outside_the_usual_range_is_refused_unless_intended(medication, dose, refused):
    values = phase(dose_mcg=dose)
    problems = check_phase(values, medication=medication, dose_intended=False)
    assert ("dose_mcg" in problems) is refused
    assert check_phase(values, medication=medication, dose_intended=True) == {}


def test_the_preview_follows_schedule_md_s_worked_example():
    us = phases_of(next(t for t in REFERENCE if t["name"].startswith("Cyanocobalamin 1000")))
    dates = [day for day, _index in preview(date(2026, 3, 2), us, 13)]
    assert dates == [
        *(date(2026, 3, d) for d in range(2, 9)),
        date(2026, 3, 15),
        date(2026, 3, 22),
        date(2026, 3, 29),
        date(2026, 4, 5),
        date(2026, 5, 3),
        date(2026, 5, 31),
    ]
