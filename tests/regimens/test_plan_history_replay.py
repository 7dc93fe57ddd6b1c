"""Issue 14 §2, through the database: a plan change never rewrites history.

A random sequence of injections, skips, check-ins and clinician changes ("from now on", with
random intervals and doses, on any phase; advancing an open phase) is replayed in time order
through the real actions (doses/actions.py, regimens/actions.py), the clock standing at each
step's moment. Around every change, each dose, skip and check-in recorded before it must show
the same phase as before (label, dose, schedule, on-time window: what
regimens.history.attach_phases_then gives every page, the report and the exports) and keep
the same on-time verdict in adherence (the due date it answered, on time, early or late, and
the counts of its day in regimens/adherence.py).

The wear-off flag is checked at the same moments: a change takes effect from now on, so it
never alters the analysis (symptoms/wearoff.py), and the stored flag stays equal to a fresh one.
"""

import contextlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from doses import actions
from doses.models import DoseLog
from regimens import actions as regimen_actions
from regimens import adherence, schedule
from regimens.history import attach_phases_then
from regimens.models import Regimen
from symptoms import wearoff
from symptoms.models import SymptomEntry
from tests import factories
from tests.clock import frozen

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)  # a Monday
BEGIN = datetime(2026, 3, 2, 8, tzinfo=NEW_YORK)
TEMPLATES = [
    factories.US_TEMPLATE,  # daily x7, weekly x4, then every 4 weeks
    "Hydroxocobalamin, neurological involvement (UK)",  # an open phase a clinician advances
]

# Hours from the step before: the same day, the next days, or weeks later.
gaps = st.one_of(st.integers(1, 12), st.integers(13, 24 * 10), st.integers(24 * 10, 24 * 45))
steps = st.one_of(
    st.tuples(st.just("give"), gaps),
    st.tuples(st.just("skip"), gaps),
    st.tuples(st.just("check in"), gaps, st.integers(0, 10)),
    st.tuples(st.just("advance"), gaps),
    st.tuples(
        st.just("change"),
        gaps,
        st.integers(0, 2),  # which phase (of those the template has)
        st.sampled_from(["day", "week", "month"]),
        st.integers(1, 6),
        st.sampled_from([500, 1000, 2000]),
    ),
)


def shown(regimen) -> tuple[dict, datetime]:
    """What every row recorded so far shows, keyed by row, with the moment it lies at."""
    regimen = Regimen.objects.select_related("patient").get(pk=regimen.pk)
    doses = list(
        DoseLog.objects.filter(regimen=regimen, deleted_at__isnull=True)
        .select_related("phase")
        .order_by("administered_at", "pk")
    )
    checkins = list(
        SymptomEntry.objects.filter(patient_id=regimen.patient_id)
        .select_related("phase")
        .order_by("recorded_at", "pk")
    )
    attach_phases_then(doses, checkins=checkins)
    initial, events = regimen.schedule_inputs()
    rows, _state, _rules = schedule.annotate(regimen.start_date, initial, events)
    # Each dose or skip is one row of the replay, in the same (time) order.
    assert len(rows) == len(doses)
    today = regimen.patient.today()
    found = {}
    for dose, (event, due, _index, rule) in zip(doses, rows, strict=True):
        offset = (event.on - due).days
        window = adherence.tolerance_days(schedule.interval_days(rule.schedule))
        if dose.is_given:
            verdict = "on time" if abs(offset) <= window else ("early" if offset < 0 else "late")
        else:
            verdict = "skipped"
        day = adherence.adherence(
            regimen.start_date, initial, events, today, first=event.on, last=event.on
        )
        found[("dose", dose.pk)] = (
            dose.administered_at,
            phase_shown(dose.phase_then),
            (due, verdict, day.given, day.on_time, day.early, day.late, day.skipped),
        )
    for entry in checkins:
        found[("check-in", entry.pk)] = (entry.recorded_at, phase_shown(entry.phase_then), None)
    return found


def phase_shown(then) -> tuple | None:
    if then is None:
        return None
    return (then.label, then.dose_mcg, then.schedule_text, then.window_days, then.summary)


def wear_off(regimen) -> tuple:
    regimen = Regimen.objects.select_related("patient").get(pk=regimen.pk)
    analysis = wearoff.for_regimen(regimen)
    assert regimen.symptoms_return_early == analysis.symptoms_return  # stored = fresh
    return analysis.flagged, analysis.intervals_compared, analysis.difference


def take(regimen, patient, clinician, step) -> bool:
    """Apply one step at the clock's moment; whether it was a clinician's plan change."""
    kind, _gap, *args = step
    regimen.refresh_from_db()
    if kind == "give":
        actions.log_dose(
            regimen,
            patient,
            administered_at=datetime.now(NEW_YORK),
            dose_mcg=regimen.current_phase.dose_mcg,
            route=regimen.route,
            site="LD",
        )
    elif kind == "skip":
        actions.skip_dose(regimen, patient, "Away", kind="away")
    elif kind == "check in":
        (score,) = args
        factories.check_in(patient, score=score)
    elif kind == "advance":
        with contextlib.suppress(ValidationError):  # only an open phase with one after it
            regimen_actions.advance_phase(regimen, clinician, "no further improvement")
            return True
    else:
        index, unit, every, dose_mcg = args
        phases = regimen.ordered_phases
        phase = phases[index % len(phases)]
        with contextlib.suppress(ValidationError):  # "Nothing changed"
            regimen_actions.change_phase(
                phase,
                clinician,
                "from now on",
                schedule_unit=unit,
                schedule_every=every,
                schedule_weekdays="",
                dose_mcg=dose_mcg,
            )
            return True
    return False


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(template=st.sampled_from(TEMPLATES), steps_taken=st.lists(steps, max_size=25))
@example(
    # Every 4 weeks given on time, then shortened to every 3 weeks between two doses: the
    # earlier ones stay "Every 4 weeks · on time ±3 days" and on time.
    template=factories.US_TEMPLATE,
    steps_taken=[*[("give", 24)] * 7, *[("give", 24 * 7)] * 4, ("give", 24 * 28)]
    + [("check in", 24 * 3, 6), ("change", 24 * 5, 2, "week", 3, 1000), ("give", 24 * 13)]
    + [("change", 2, 2, "week", 6, 2000), ("skip", 24 * 50), ("change", 3, 0, "day", 2, 500)],
)
def test_no_later_change_alters_what_an_earlier_row_shows_or_its_verdict(
    patient, clinician, template, steps_taken
):
    moment = BEGIN
    with transaction.atomic():
        with frozen(moment):
            regimen = factories.regimen_for(patient, START, template, prescriber=clinician)
        for number, step in enumerate(steps_taken, start=1):
            moment += timedelta(hours=step[1])
            with frozen(moment):
                before, flag_before = shown(regimen), wear_off(regimen)
                changed = take(regimen, patient, clinician, step)
                if not changed:
                    continue
                after, flag_after = shown(regimen), wear_off(regimen)
            earlier = {key: row for key, row in before.items() if row[0] < moment}
            for key, row in earlier.items():
                assert after[key] == row, (
                    f"step {number} {step} changed {key}: {row} -> {after[key]}\n{steps_taken}"
                )
            assert flag_after == flag_before, f"step {number} {step} changed the wear-off flag"
        transaction.set_rollback(True)
