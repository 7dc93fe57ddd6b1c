"""The regimen's stored schedule state is a cache of `recompute_state()` (DESIGN.md: "store a
copy on the Regimen, updated in the same transaction as every event"). Whatever sequence of
actions a patient takes through doses/actions.py (log, skip, correct, delete, restore) or a
clinician through regimens/actions.py (advance an open phase, change the current phase's
schedule or dose), the stored copy must equal a fresh replay of every event after each one."""

import contextlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from doses import actions
from regimens import actions as regimen_actions
from regimens.loading import load_example_templates
from regimens.models import Regimen, RegimenTemplate
from tests import factories
from tests.clock import frozen

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
START = date(2024, 1, 1)
# Every date drawn is in 2024; skips can push the schedule on by a few years at most.
NOW = datetime(2030, 1, 1, 12, tzinfo=NEW_YORK)
TEMPLATES = [
    factories.US_TEMPLATE,  # after_doses phases, then open
    factories.UK_TEMPLATE,  # weekdays, then every 3 months
    "Cyanocobalamin 100 mcg, US label (pernicious anaemia)",  # includes an after_days phase
    "Hydroxocobalamin, neurological involvement (UK)",  # an open phase that can be advanced
]
FIELDS = (
    "phase",
    "next_due",
    "given_in_phase",
    "phase_entered_on",
    "phase_first_event_on",
    "last_event_on",
)

days = st.integers(min_value=0, max_value=365)
hours = st.integers(min_value=0, max_value=23)
picks = st.integers(min_value=0, max_value=50)
steps = st.one_of(
    st.tuples(st.just("log"), days, hours),
    st.tuples(st.just("skip")),
    st.tuples(st.just("correct"), picks, days, hours),
    st.tuples(st.just("delete"), picks),
    st.tuples(st.just("restore"), picks),
    st.tuples(st.just("advance")),
    st.tuples(
        st.just("change"),
        st.sampled_from(["day", "week", "month"]),
        st.integers(min_value=1, max_value=6),
        st.sampled_from([500, 1000]),
    ),
)


@pytest.fixture
def templates(db):
    load_example_templates()
    return {template.name: template for template in RegimenTemplate.objects.all()}


def when(patient, offset: int, hour: int) -> datetime:
    return factories.at(patient, START + timedelta(days=offset), hour)


def pick(regimen, index: int, *, deleted: bool):
    doses = list(regimen.doses.filter(deleted_at__isnull=not deleted).order_by("pk"))
    return doses[index % len(doses)] if doses else None


def take(regimen, patient, step) -> None:
    """Apply one drawn step through doses/actions.py, as the pages do."""
    kind, *args = step
    if kind == "log":
        offset, hour = args
        actions.log_dose(
            regimen,
            patient,
            administered_at=when(patient, offset, hour),
            dose_mcg=regimen.current_phase.dose_mcg,
            route=regimen.route,
            site="LVL",
        )
    elif kind == "skip":
        actions.skip_dose(regimen, patient, "Out of stock")
    elif kind == "correct":
        index, offset, hour = args
        dose = pick(regimen, index, deleted=False)
        if dose is not None:
            actions.correct_dose(
                dose, patient, "wrong day", administered_at=when(patient, offset, hour)
            )
    elif kind == "delete":
        dose = pick(regimen, args[0], deleted=False)
        if dose is not None:
            actions.delete_dose(dose, patient)
    elif kind == "restore":
        dose = pick(regimen, args[0], deleted=True)
        if dose is not None:
            actions.restore_dose(dose, patient)
    elif kind == "advance":
        with contextlib.suppress(ValidationError):  # only an open phase with one after it
            regimen_actions.advance_phase(regimen, patient, "no further improvement")
    else:
        unit, every, dose_mcg = args
        regimen.refresh_from_db()
        with contextlib.suppress(ValidationError):  # "Nothing changed"
            regimen_actions.change_phase(
                regimen.current_phase,
                patient,
                "tighten",
                schedule_unit=unit,
                schedule_every=every,
                schedule_weekdays="",
                dose_mcg=dose_mcg,
            )


def assert_in_step(regimen, after) -> None:
    regimen.refresh_from_db()
    stored, recomputed = regimen.stored_state, regimen.recompute_state()
    for name in FIELDS:
        assert getattr(stored, name) == getattr(recomputed, name), (
            f"{name} differs after {after}: stored {getattr(stored, name)}, "
            f"recomputed {getattr(recomputed, name)}"
        )
    assert regimen.status == Regimen.Status.ACTIVE  # every template here ends open


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(template=st.sampled_from(TEMPLATES), actions_taken=st.lists(steps, max_size=12))
@example(
    template=factories.US_TEMPLATE,
    actions_taken=[("log", 0, 9), ("log", 1, 9), ("delete", 1), ("skip",), ("restore", 0)],
)
@example(
    template=factories.UK_TEMPLATE,
    actions_taken=[("log", 3, 23), ("skip",), ("correct", 1, 0, 1), ("log", 200, 5)],
)
def test_it_keeps_the_stored_schedule_equal_to_a_replay_of_every_event(
    patient, templates, template, actions_taken
):
    with frozen(NOW), transaction.atomic():
        regimen = Regimen.from_template(templates[template], patient, START)
        assert_in_step(regimen, "creation")
        for number, step in enumerate(actions_taken, start=1):
            take(regimen, patient, step)
            assert_in_step(regimen, f"step {number} {step} of {actions_taken}")
        transaction.set_rollback(True)
