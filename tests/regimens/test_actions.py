"""The clinician's regimen actions (regimens/actions.py): prescribe, advance an open phase
(schedule.md rule 6), change a phase from now on (rule 7), end, switch. Each keeps who, when,
why and the old values as a RegimenChange, and leaves the stored schedule state equal to a fresh
replay of every event. Then the same actions through the pages, as the care-team clinician:
the patient's home shows the new due date at once and the record's timeline shows the change.

Worked examples: the cyanocobalamin US template (daily x7, weekly x4, then every 4 weeks, open)
started Monday 2 March 2026, and the UK hydroxocobalamin templates (loading on alternate days
until a clinician advances it, or on Mondays, Wednesdays and Fridays; then maintenance).
"""

from datetime import date, datetime
from html import unescape
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from doses.models import DoseLog
from regimens import actions
from regimens.models import Phase, PhaseTemplate, Regimen, RegimenChange
from tests import factories
from tests.clock import frozen
from tests.pages import by_testid, form_values, soup, texts

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)  # a Monday
US = factories.US_TEMPLATE
UK = factories.UK_TEMPLATE  # loading MO,WE,FR x6, then every 3 months
UK_NEURO = "Hydroxocobalamin, neurological involvement (UK)"  # alternate days, open; 2-monthly
LOADING = "Loading: alternate days until no further improvement"
TWO_MONTHLY = "Maintenance: every 2 months"
STATE_FIELDS = (
    "phase",
    "next_due",
    "given_in_phase",
    "phase_entered_on",
    "phase_first_event_on",
    "last_event_on",
)


def fresh(regimen) -> Regimen:
    return Regimen.objects.select_related("current_phase", "patient").get(pk=regimen.pk)


def assert_stored_state_is_a_replay(regimen) -> None:
    regimen = fresh(regimen)
    stored, replayed = regimen.stored_state, regimen.recompute_state()
    assert {name: getattr(stored, name) for name in STATE_FIELDS} == {
        name: getattr(replayed, name) for name in STATE_FIELDS
    }


def give_on_time(regimen, count: int) -> Regimen:
    for _ in range(count):
        factories.give(regimen, regimen.next_due)
    return regimen


def prescribed(patient, clinician, name=US, start=START, **options) -> Regimen:
    return actions.prescribe(patient, factories.template(name), start, clinician, **options)


def in_maintenance(patient, clinician) -> Regimen:
    """The US course given on time up to the first maintenance dose on Sunday 3 May; the next
    is due 28 days later, on Sunday 31 May."""
    with frozen(date(2026, 3, 1), 10):
        regimen = prescribed(patient, clinician)
    with frozen(date(2026, 5, 3), 12):
        give_on_time(regimen, 7 + 4 + 1)
    assert (regimen.current_phase.label, regimen.next_due) == ("Every 4 weeks", date(2026, 5, 31))
    return regimen


def loading_on_alternate_days(patient, clinician, start) -> Regimen:
    """The UK neurological template (loading every 2 days until advanced), three doses given
    on time from `start`."""
    with frozen(start, 8):
        regimen = prescribed(patient, clinician, UK_NEURO, start)
    for _ in range(3):
        with frozen(regimen.next_due, 12):
            factories.give(regimen, regimen.next_due)
    return regimen


def phase(regimen, order: int) -> Phase:
    return Phase.objects.get(regimen=regimen, order=order)


def changes(regimen, kind=None) -> list[RegimenChange]:
    found = RegimenChange.objects.filter(regimen=regimen)
    return list(found.filter(kind=kind) if kind else found)


# --- prescribe -------------------------------------------------------------------------------


def test_prescribe_copies_the_template_with_the_clinicians_choices(patient, clinician):
    with frozen(date(2026, 3, 1), 10):
        regimen = prescribed(
            patient,
            clinician,
            concentration=5000,
            route="SC",
            phase_overrides={2: {"dose_mcg": 500, "schedule_every": 2}},
            reason="Serum B12 110 pg/mL on 20 February",
        )

    regimen = fresh(regimen)
    assert (regimen.patient, regimen.prescriber, regimen.name) == (patient, clinician, US)
    assert (regimen.start_date, regimen.concentration_mcg_per_ml, regimen.route) == (
        START,
        5000,
        "SC",
    )
    assert regimen.status == Regimen.Status.ACTIVE
    assert [
        (p.kind, p.dose_mcg, p.schedule_unit, p.schedule_every, p.end_rule, p.end_value)
        for p in regimen.ordered_phases
    ] == [
        ("repletion", 1000, "day", 1, "after_doses", 7),
        ("stabilization", 1000, "week", 1, "after_doses", 4),
        ("maintenance", 500, "week", 2, "open", None),
    ]
    # The template itself is untouched.
    maintenance = PhaseTemplate.objects.get(template__name=US, order=2)
    assert (maintenance.dose_mcg, maintenance.schedule_every) == (1000, 4)
    # Rule 2: with no events, the first dose is due on the start date.
    assert (regimen.current_phase.label, regimen.next_due) == ("Daily for 1 week", START)
    assert_stored_state_is_a_replay(regimen)


def test_a_prescribed_phase_is_named_after_its_overridden_schedule(patient, clinician):
    """As when a clinician changes a phase's schedule later: the label names the schedule, so a
    template's "Every 4 weeks" prescribed every 2 weeks is not shown as "Every 4 weeks"."""
    with frozen(date(2026, 3, 1), 10):
        regimen = prescribed(patient, clinician, phase_overrides={2: {"schedule_every": 2}})

    assert [p.label for p in fresh(regimen).ordered_phases] == [
        "Daily for 1 week",
        "Weekly for 4 weeks",
        "Maintenance: every 2 weeks",
    ]


def test_prescribe_records_who_prescribed_what_and_why(patient, clinician):
    with frozen(date(2026, 3, 1), 10):
        regimen = prescribed(patient, clinician, reason="Pernicious anaemia confirmed")

    (change,) = changes(regimen)
    assert change.kind == RegimenChange.Kind.PRESCRIBED
    assert (change.patient, change.by, change.reason) == (
        patient,
        clinician,
        "Pernicious anaemia confirmed",
    )
    assert change.at == datetime(2026, 3, 1, 10, tzinfo=NEW_YORK)
    assert change.new_values == {
        "template": US,
        "start": "2026-03-02",
        "strength": "1000 mcg/mL",
        "route": "IM",
    }
    assert change.old_values == {}


@pytest.mark.parametrize(
    ("start", "first_due"),
    [
        pytest.param(date(2026, 1, 1), date(2026, 1, 2), id="Thursday: the Friday after"),
        pytest.param(date(2026, 1, 3), date(2026, 1, 5), id="Saturday: the Monday after"),
        pytest.param(date(2026, 1, 5), date(2026, 1, 5), id="Monday: that day"),
    ],
)
def test_a_weekday_regimen_is_first_due_on_a_listed_weekday_on_or_after_the_start(
    patient, clinician, start, first_due
):
    with frozen(date(2025, 12, 30), 10):
        regimen = prescribed(patient, clinician, UK, start)

    assert fresh(regimen).next_due == first_due
    assert_stored_state_is_a_replay(regimen)


def test_prescribe_refuses_a_second_active_regimen(patient, clinician):
    with frozen(date(2026, 3, 1), 10):
        first = prescribed(patient, clinician)

        with pytest.raises(ValidationError, match="already has an active regimen"):
            prescribed(patient, clinician, UK, date(2026, 3, 5))

    assert list(Regimen.objects.filter(patient=patient)) == [first]
    assert RegimenChange.objects.count() == 1


def test_prescribe_refuses_an_invalid_override_and_saves_nothing(patient, clinician):
    with frozen(date(2026, 3, 1), 10), pytest.raises(ValidationError):
        prescribed(patient, clinician, phase_overrides={1: {"dose_mcg": 20_000}})

    assert not Regimen.objects.exists()
    assert not Phase.objects.exists()
    assert not RegimenChange.objects.exists()


# --- advance an open phase (rule 6) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "last_dose", "advanced_on", "due"),
    [
        pytest.param(
            date(2026, 1, 5), date(2026, 1, 9), date(2026, 1, 12), date(2026, 3, 9), id="9 Jan"
        ),
        pytest.param(
            date(2025, 12, 27),
            date(2025, 12, 31),
            date(2026, 1, 2),
            date(2026, 2, 28),
            id="31 Dec: clamped to 28 Feb",
        ),
    ],
)
def test_advance_makes_the_next_phase_due_one_of_its_intervals_after_the_last_injection(
    patient, clinician, start, last_dose, advanced_on, due
):
    regimen = loading_on_alternate_days(patient, clinician, start)
    assert regimen.last_event_on == last_dose

    with frozen(advanced_on, 10):
        actions.advance_phase(regimen, clinician, "No further improvement")

    regimen = fresh(regimen)
    assert (regimen.current_phase.label, regimen.next_due) == (TWO_MONTHLY, due)
    assert regimen.given_in_phase == 0
    assert regimen.status == Regimen.Status.ACTIVE
    assert_stored_state_is_a_replay(regimen)


def test_advance_records_the_old_and_new_phase_who_and_why(patient, clinician):
    regimen = loading_on_alternate_days(patient, clinician, date(2026, 1, 5))

    with frozen(date(2026, 1, 12), 15, 30):
        actions.advance_phase(regimen, clinician, "No further improvement")

    (change,) = changes(regimen, RegimenChange.Kind.ADVANCED)
    assert (change.by, change.reason, change.phase.label) == (
        clinician,
        "No further improvement",
        LOADING,
    )
    assert change.at == datetime(2026, 1, 12, 15, 30, tzinfo=NEW_YORK)
    assert (change.old_values, change.new_values) == ({"phase": LOADING}, {"phase": TWO_MONTHLY})
    assert change.summary() == f"phase {LOADING} → {TWO_MONTHLY}"


@pytest.mark.parametrize(
    ("hour", "minute"),
    [pytest.param(10, 0, id="morning"), pytest.param(23, 30, id="23:30, the next day in UTC")],
)
def test_advance_with_no_injection_yet_makes_the_next_phase_due_on_the_advance_date(
    patient, clinician, hour, minute
):
    with frozen(date(2026, 1, 5), 8):
        regimen = prescribed(patient, clinician, UK_NEURO, date(2026, 1, 5))

    with frozen(date(2026, 1, 20), hour, minute):
        actions.advance_phase(regimen, clinician, "Started elsewhere")

    regimen = fresh(regimen)
    # Rule 2 from the advance date, in the patient's zone (rule 1).
    assert (regimen.current_phase.label, regimen.next_due) == (TWO_MONTHLY, date(2026, 1, 20))
    assert regimen.last_event_on is None
    assert_stored_state_is_a_replay(regimen)


def test_advance_refuses_a_phase_that_ends_by_itself(patient, clinician):
    with frozen(date(2026, 3, 4), 10):
        regimen = prescribed(patient, clinician)
        give_on_time(regimen, 2)

        with pytest.raises(ValidationError, match="only an open phase is advanced"):
            actions.advance_phase(regimen, clinician, "Feeling better")

    regimen = fresh(regimen)
    assert (regimen.current_phase.label, regimen.next_due) == ("Daily for 1 week", date(2026, 3, 4))
    assert changes(regimen, RegimenChange.Kind.ADVANCED) == []


def test_advance_refuses_the_last_phase(patient, clinician):
    regimen = in_maintenance(patient, clinician)

    with frozen(date(2026, 5, 10), 10), pytest.raises(ValidationError, match="last phase"):
        actions.advance_phase(regimen, clinician, "Stop")

    regimen = fresh(regimen)
    assert (regimen.current_phase.label, regimen.next_due) == ("Every 4 weeks", date(2026, 5, 31))
    assert regimen.status == Regimen.Status.ACTIVE
    assert changes(regimen, RegimenChange.Kind.ADVANCED) == []


def test_advance_refuses_an_ended_regimen(patient, clinician):
    regimen = loading_on_alternate_days(patient, clinician, date(2026, 1, 5))
    with frozen(date(2026, 1, 10), 10):
        actions.end_regimen(regimen, clinician, "Moved away")

        with pytest.raises(ValidationError, match="Only an active regimen"):
            actions.advance_phase(regimen, clinician, "Oops")

    assert changes(regimen, RegimenChange.Kind.ADVANCED) == []


# --- change a phase from now on (rule 7) -----------------------------------------------------


def test_a_shorter_maintenance_interval_counts_from_the_last_injection(patient, clinician):
    regimen = in_maintenance(patient, clinician)
    phases_before = dict(DoseLog.objects.values_list("pk", "phase_id"))

    with frozen(date(2026, 5, 10), 10):
        actions.change_phase(
            phase(regimen, 2), clinician, "Symptoms return in week 3", schedule_every=2
        )

    regimen = fresh(regimen)
    # Last injection 3 May + 14 days, not the planned 31 May.
    assert (regimen.current_phase.label, regimen.next_due) == (
        "Maintenance: every 2 weeks",
        date(2026, 5, 17),
    )
    assert [day for day, _ in regimen.upcoming(3)] == [
        date(2026, 5, 17),
        date(2026, 5, 31),
        date(2026, 6, 14),
    ]
    # Past injections keep the phase they had.
    assert dict(DoseLog.objects.values_list("pk", "phase_id")) == phases_before
    assert_stored_state_is_a_replay(regimen)


def test_a_phase_change_records_the_old_and_new_values_who_and_why(patient, clinician):
    regimen = in_maintenance(patient, clinician)

    with frozen(date(2026, 5, 10), 16):
        actions.change_phase(
            phase(regimen, 2), clinician, "Symptoms return in week 3", schedule_every=2
        )

    (change,) = changes(regimen, RegimenChange.Kind.PHASE_CHANGED)
    assert (change.by, change.reason, change.phase) == (
        clinician,
        "Symptoms return in week 3",
        phase(regimen, 2),
    )
    assert change.at == datetime(2026, 5, 10, 16, tzinfo=NEW_YORK)
    # The label names the schedule, so it follows it.
    assert change.old_values == {"schedule_every": 4, "label": "Every 4 weeks"}
    assert change.new_values == {"schedule_every": 2, "label": "Maintenance: every 2 weeks"}


def test_a_dose_change_keeps_the_dose_of_past_injections(patient, clinician):
    regimen = in_maintenance(patient, clinician)

    with frozen(date(2026, 5, 10), 10):
        actions.change_phase(phase(regimen, 2), clinician, "Lower dose suffices", dose_mcg=500)

    regimen = fresh(regimen)
    assert phase(regimen, 2).dose_mcg == 500
    assert set(DoseLog.objects.values_list("dose_mcg", flat=True)) == {1000}
    assert DoseLog.objects.count() == 12
    # A dose change moves no date.
    assert regimen.next_due == date(2026, 5, 31)
    assert [(day, p.dose_mcg) for day, p in regimen.upcoming(2)] == [
        (date(2026, 5, 31), 500),
        (date(2026, 6, 28), 500),
    ]
    (change,) = changes(regimen, RegimenChange.Kind.PHASE_CHANGED)
    assert (change.old_values, change.new_values) == ({"dose_mcg": 1000}, {"dose_mcg": 500})
    assert_stored_state_is_a_replay(regimen)


@pytest.mark.parametrize(
    ("values", "due", "changed", "label"),
    [
        pytest.param(
            {"schedule_unit": "weekdays", "schedule_every": None, "schedule_weekdays": "TU,TH"},
            date(2026, 1, 6),
            ["schedule_weekdays"],
            "Repletion: on Tu, Th",
            id="Tuesdays and Thursdays: the Tuesday after",
        ),
        pytest.param(
            {"schedule_unit": "day", "schedule_every": 3, "schedule_weekdays": ""},
            date(2026, 1, 8),
            ["schedule_unit", "schedule_every", "schedule_weekdays"],
            "Repletion: every 3 days",
            id="every 3 days: 3 days after",
        ),
    ],
)
def test_a_schedule_change_mid_phase_counts_from_the_last_injection(
    patient, clinician, values, due, changed, label
):
    with frozen(date(2026, 1, 1), 8):
        regimen = prescribed(patient, clinician, UK, date(2026, 1, 1))
    with frozen(date(2026, 1, 5), 20):
        factories.give(regimen, date(2026, 1, 2))  # Friday
        factories.give(regimen, date(2026, 1, 5))  # Monday; next due Wednesday 7th

        actions.change_phase(phase(regimen, 0), clinician, "Clinic days", **values)

    regimen = fresh(regimen)
    assert (regimen.current_phase.order, regimen.given_in_phase, regimen.next_due) == (0, 2, due)
    assert set(DoseLog.objects.values_list("phase__order", flat=True)) == {0}
    # Only what changed is recorded, old and new; the label follows the schedule.
    before = {"schedule_unit": "weekdays", "schedule_every": None, "schedule_weekdays": "MO,WE,FR"}
    (change,) = changes(regimen, RegimenChange.Kind.PHASE_CHANGED)
    assert change.old_values == {
        **{name: before[name] for name in changed},
        "label": "Loading: three times a week for 2 weeks",
    }
    assert change.new_values == {**{name: values[name] for name in changed}, "label": label}
    assert_stored_state_is_a_replay(regimen)


def test_a_change_to_a_later_phase_moves_nothing_due_now(patient, clinician):
    with frozen(date(2026, 3, 4), 10):
        regimen = prescribed(patient, clinician)
        give_on_time(regimen, 2)

        actions.change_phase(phase(regimen, 2), clinician, "Plan ahead", schedule_every=2)

    regimen = fresh(regimen)
    assert (regimen.current_phase.label, regimen.next_due) == ("Daily for 1 week", date(2026, 3, 4))
    # The maintenance dates after the course so far are two weeks apart.
    assert [day for day, _ in regimen.upcoming(11)][-3:] == [
        date(2026, 4, 5),
        date(2026, 4, 19),
        date(2026, 5, 3),
    ]
    assert_stored_state_is_a_replay(regimen)


def test_a_change_to_the_same_values_is_refused(patient, clinician):
    regimen = in_maintenance(patient, clinician)

    with frozen(date(2026, 5, 10), 10), pytest.raises(ValidationError, match="Nothing changed."):
        actions.change_phase(phase(regimen, 2), clinician, "No-op", dose_mcg=1000, schedule_every=4)

    assert changes(regimen, RegimenChange.Kind.PHASE_CHANGED) == []


def test_the_same_weekdays_written_another_way_is_nothing_changed(patient, clinician):
    with frozen(date(2026, 1, 1), 8):
        regimen = prescribed(patient, clinician, UK, date(2026, 1, 1))

        with pytest.raises(ValidationError, match="Nothing changed."):
            actions.change_phase(
                phase(regimen, 0), clinician, "Same days", schedule_weekdays="fr, mo, we"
            )

    loading = phase(regimen, 0)
    assert (loading.schedule_weekdays, loading.label) == (
        "MO,WE,FR",
        "Loading: three times a week for 2 weeks",
    )
    assert changes(regimen, RegimenChange.Kind.PHASE_CHANGED) == []


@pytest.mark.parametrize(
    ("values", "field"),
    [
        pytest.param({"schedule_unit": "weekdays"}, "schedule_weekdays", id="weekdays, none"),
        pytest.param({"schedule_every": 0}, "schedule_every", id="every 0 weeks"),
        pytest.param({"schedule_every": None}, "schedule_every", id="every blank weeks"),
        pytest.param({"schedule_weekdays": "MO"}, "schedule_weekdays", id="weekdays on weekly"),
        pytest.param({"dose_mcg": 20_000}, "dose_mcg", id="dose 20,000 mcg"),
        pytest.param({"dose_mcg": 0}, "dose_mcg", id="dose 0"),
    ],
)
def test_an_invalid_schedule_is_refused_and_nothing_is_saved(patient, clinician, values, field):
    regimen = in_maintenance(patient, clinician)

    with frozen(date(2026, 5, 10), 10), pytest.raises(ValidationError) as refused:
        actions.change_phase(phase(regimen, 2), clinician, "Try", **values)

    assert field in refused.value.message_dict
    maintenance = phase(regimen, 2)
    assert (
        maintenance.dose_mcg,
        maintenance.schedule_unit,
        maintenance.schedule_every,
        maintenance.schedule_weekdays,
    ) == (1000, "week", 4, "")
    assert changes(regimen, RegimenChange.Kind.PHASE_CHANGED) == []
    assert fresh(regimen).next_due == date(2026, 5, 31)


def test_only_the_dose_and_schedule_can_be_changed(patient, clinician):
    regimen = in_maintenance(patient, clinician)

    with pytest.raises(ValueError, match="cannot change end_rule"):
        actions.change_phase(phase(regimen, 2), clinician, "Try", end_rule="after_doses")

    assert phase(regimen, 2).end_rule == "open"
    assert changes(regimen, RegimenChange.Kind.PHASE_CHANGED) == []


# --- end -------------------------------------------------------------------------------------


def test_end_leaves_nothing_due_and_keeps_the_injections(patient, clinician):
    regimen = in_maintenance(patient, clinician)

    with frozen(date(2026, 5, 10), 11):
        actions.end_regimen(regimen, clinician, "Oral B12 from now on")

    regimen = fresh(regimen)
    assert regimen.status == Regimen.Status.ENDED
    assert (regimen.current_phase, regimen.next_due) == (None, None)
    assert regimen.upcoming(5) == []
    assert regimen.last_event_on == date(2026, 5, 3)
    assert DoseLog.objects.filter(regimen=regimen).count() == 12
    (change,) = changes(regimen, RegimenChange.Kind.ENDED)
    assert (change.by, change.reason) == (clinician, "Oral B12 from now on")
    assert change.at == datetime(2026, 5, 10, 11, tzinfo=NEW_YORK)
    assert (change.old_values, change.new_values) == ({"status": "active"}, {"status": "ended"})


def test_end_refuses_a_regimen_that_has_already_ended(patient, clinician):
    regimen = in_maintenance(patient, clinician)
    with frozen(date(2026, 5, 10), 10):
        actions.end_regimen(regimen, clinician, "Oral B12 from now on")

        with pytest.raises(ValidationError, match="already ended"):
            actions.end_regimen(regimen, clinician, "Again")

    assert len(changes(regimen, RegimenChange.Kind.ENDED)) == 1


# --- switch ----------------------------------------------------------------------------------


def test_switch_ends_the_old_regimen_and_starts_the_new_one_from_its_start(patient, clinician):
    with frozen(date(2026, 3, 1), 10):
        old = prescribed(patient, clinician)
    with frozen(date(2026, 3, 4), 10):
        give_on_time(old, 2)

        new = actions.switch_regimen(
            old, factories.template(UK), date(2026, 3, 7), clinician, reason="Supply problem"
        )

    old, new = fresh(old), fresh(new)
    assert old.status == Regimen.Status.ENDED
    assert (old.current_phase, old.next_due) == (None, None)
    assert DoseLog.objects.filter(regimen=old).count() == 2
    (ending,) = changes(old, RegimenChange.Kind.SWITCHED)
    assert (ending.by, ending.reason) == (clinician, "Supply problem")
    assert (ending.old_values, ending.new_values) == ({"status": "active"}, {"status": "ended"})

    assert new.pk != old.pk
    assert (new.name, new.status, new.start_date, new.prescriber) == (
        UK,
        Regimen.Status.ACTIVE,
        date(2026, 3, 7),
        clinician,
    )
    # Saturday 7 March: the first listed weekday on or after it is Monday 9 March.
    assert (new.current_phase.order, new.next_due) == (0, date(2026, 3, 9))
    (starting,) = changes(new)
    assert starting.kind == RegimenChange.Kind.SWITCHED
    assert (starting.by, starting.reason) == (clinician, "Supply problem")
    assert starting.new_values["template"] == UK
    assert starting.new_values["start"] == "2026-03-07"
    assert list(Regimen.objects.filter(patient=patient, status="active")) == [new]
    assert_stored_state_is_a_replay(new)


def test_a_switch_that_fails_leaves_the_old_regimen_active(patient, clinician):
    with frozen(date(2026, 3, 1), 10):
        old = prescribed(patient, clinician)

        with pytest.raises(ValidationError):
            actions.switch_regimen(
                old,
                factories.template(UK),
                date(2026, 3, 7),
                clinician,
                reason="Supply problem",
                phase_overrides={0: {"dose_mcg": 0}},
            )

    old = fresh(old)
    assert (old.status, old.next_due) == (Regimen.Status.ACTIVE, START)
    assert list(Regimen.objects.filter(patient=patient)) == [old]
    assert changes(old, RegimenChange.Kind.SWITCHED) == []


# --- through the pages, as the care-team clinician -------------------------------------------


def parse(response) -> SimpleNamespace:
    """What a browser would submit, but for checkboxes and radio buttons; the alert messages,
    the text of each element with a data-testid, each timeline entry, and the page's HTML. An
    element is read as the first of these it is."""
    page = soup(response)
    return SimpleNamespace(
        text=response.content.decode(),
        values=form_values(page, skip=("checkbox", "radio")),
        testids=by_testid(page),
        messages=texts(page, '[role="status"]:not([data-testid])'),
        timeline=texts(page, '[class*="timeline-item"]:not([data-testid], [role="status"])'),
    )


@pytest.fixture
def clinician_client(clinician):
    browser = Client()
    browser.force_login(clinician)
    return browser


def submit(client, url, **changes):
    """Open the form at `url`, change some fields as a user would, submit it, follow on; a
    change of phase shows its preview first, which is then confirmed."""
    data = parse(client.get(url)).values
    data.pop("csrfmiddlewaretoken", None)
    data.update(changes)
    response = client.post(url, data, follow=True)
    if 'data-testid="change-preview"' in response.content.decode():
        response = client.post(url, {**data, "confirm": "yes"}, follow=True)
    return response


def patient_home(patient) -> SimpleNamespace:
    browser = Client()
    browser.force_login(patient)
    return parse(browser.get(reverse("home")))


def test_a_phase_change_on_the_page_shows_on_the_patients_home_at_once(
    patient, clinician, clinician_client
):
    regimen = in_maintenance(patient, clinician)
    url = reverse("change_phase", args=[patient.pk, phase(regimen, 2).pk])

    with frozen(date(2026, 5, 10), 9, 15):
        response = submit(
            clinician_client, url, schedule_every="2", reason="Symptoms return in week 3"
        )
        home = patient_home(patient)

    page = parse(response)
    assert response.redirect_chain == [(reverse("patient_record", args=[patient.pk]), 302)]
    assert page.messages == [
        "Phase changed from now on (Maintenance: every 2 weeks)."
        " Next injection due Sunday 17 May 2026."
    ]
    assert page.testids["record-next-due"] == ["Sunday 17 May 2026"]
    assert page.timeline[0] == (
        "Regimen · Phase changed · Maintenance: every 2 weeks Sun 10 May 2026, 09:15 · today "
        "schedule every 4 → 2; label Every 4 weeks → Maintenance: every 2 weeks · "
        "“Symptoms return in week 3” by Dr Care"
    )
    assert home.testids["next-due"] == ["Sunday 17 May 2026"]
    assert home.testids["next-status"] == ["in 7 days"]


def test_an_advance_on_the_page_shows_on_the_patients_home_at_once(
    patient, clinician, clinician_client
):
    regimen = loading_on_alternate_days(patient, clinician, date(2026, 1, 5))
    assert regimen.next_due == date(2026, 1, 11)

    with frozen(date(2026, 1, 12), 14):
        response = submit(
            clinician_client,
            reverse("advance_phase", args=[patient.pk]),
            reason="No further improvement",
        )
        home = patient_home(patient)

    page = parse(response)
    assert page.messages == ["Moved on to the next phase."]
    assert page.testids["record-next-due"] == ["Monday 9 March 2026"]
    assert page.timeline[0] == (
        f"Regimen · Advanced to the next phase · {LOADING} Mon 12 Jan 2026, 14:00 · today "
        f"phase {LOADING} → {TWO_MONTHLY} · “No further improvement” by Dr Care"
    )
    assert home.testids["phase-badge"] == ["Maintenance"]
    assert home.testids["next-due"] == ["Monday 9 March 2026"]


def test_an_advance_needs_a_reason(patient, clinician, clinician_client):
    regimen = loading_on_alternate_days(patient, clinician, date(2026, 1, 5))

    with frozen(date(2026, 1, 12), 14):
        response = submit(clinician_client, reverse("advance_phase", args=[patient.pk]))

    assert response.redirect_chain == []
    assert "This field is required." in response.content.decode()
    assert fresh(regimen).current_phase.label == LOADING
    assert changes(regimen, RegimenChange.Kind.ADVANCED) == []


def test_the_page_refuses_to_advance_a_phase_that_ends_by_itself(
    patient, clinician, clinician_client
):
    with frozen(date(2026, 3, 1), 10):
        regimen = prescribed(patient, clinician)

    with frozen(date(2026, 3, 2), 10):
        response = submit(
            clinician_client, reverse("advance_phase", args=[patient.pk]), reason="Better"
        )

    assert response.redirect_chain == []
    assert "This phase ends by itself; only an open phase is advanced." in response.content.decode()
    assert fresh(regimen).current_phase.label == "Daily for 1 week"
    assert changes(regimen, RegimenChange.Kind.ADVANCED) == []


def test_prescribing_on_the_page_shows_the_first_due_date_to_the_patient(
    patient, clinician, clinician_client
):
    template = factories.template(US)
    url = reverse("prescribe", args=[patient.pk])

    with frozen(date(2026, 2, 27), 16):
        data = parse(clinician_client.get(url, {"template": template.pk})).values
        data.pop("csrfmiddlewaretoken", None)
        data.update(
            {
                "start_date": "2026-03-02",
                "phase-2-schedule_every": "2",
                "reason": "Pernicious anaemia confirmed",
            }
        )
        response = clinician_client.post(url, data, follow=True)
        home = patient_home(patient)

    page = parse(response)
    assert page.messages == [f"{US} prescribed from 2 March 2026."]
    regimen = Regimen.objects.get(patient=patient)
    assert [p.schedule_text for p in regimen.ordered_phases] == ["daily", "weekly", "every 2 weeks"]
    assert page.timeline == [
        f"Regimen · Prescribed Fri 27 Feb 2026, 16:00 · today template {US}; start 2026-03-02; "
        "strength 1000 mcg/mL; route IM · “Pernicious anaemia confirmed” by Dr Care"
    ]
    assert home.testids["next-due"] == ["Monday 2 March 2026"]
    assert home.testids["next-status"] == ["in 3 days"]
    assert home.testids["prescriber-note"] == [
        "Prescribed by your clinician. Your prescriber sets the dose and interval."
    ]


@pytest.mark.parametrize("template_id", ["'", "1.5", "99999", "-1", "99999999999999999999"])
def test_a_template_that_is_not_one_is_asked_for_again(patient, clinician_client, template_id):
    factories.template(US)
    url = reverse("prescribe", args=[patient.pk])
    response = clinician_client.get(url, {"template": template_id})
    assert response.status_code == 200
    page = parse(response)
    assert page.messages == ["Choose one of the templates listed."]
    assert "phase-0-dose_mcg" not in page.values


@pytest.mark.parametrize("total", ["4", "2", "5000"])
def test_a_phase_form_count_other_than_the_templates_is_refused(
    patient, clinician, clinician_client, total
):
    template = factories.template(US)  # three phases
    url = reverse("prescribe", args=[patient.pk])
    with frozen(date(2026, 2, 27), 16):
        data = parse(clinician_client.get(url, {"template": template.pk})).values
        data.pop("csrfmiddlewaretoken", None)
        data.update(
            {
                "start_date": "2026-03-02",
                "reason": "Pernicious anaemia confirmed",
                "phase-TOTAL_FORMS": total,
                "phase-3-dose_mcg": "1000",
                "phase-3-schedule_unit": "day",
                "phase-3-schedule_every": "1",
                "phase-3-end_rule": "open",
            }
        )
        response = clinician_client.post(url, data)
    assert response.status_code == 200
    assert "The template has 3 phases: choose it again and resubmit." in unescape(
        response.content.decode()
    )
    assert not Regimen.objects.filter(patient=patient).exists()


def test_switching_on_the_page_ends_the_old_regimen_and_shows_the_new_one(
    patient, clinician, clinician_client
):
    with frozen(date(2026, 3, 1), 10):
        old = prescribed(patient, clinician)
    url = reverse("prescribe", args=[patient.pk])

    with frozen(date(2026, 3, 5), 10):
        form = clinician_client.get(url, {"template": factories.template(UK).pk})
        data = parse(form).values
        data.pop("csrfmiddlewaretoken", None)
        # A browser sends every ticked weekday box (form_values keeps one value per name).
        ticked = soup(form).select("input[name='phase-0-schedule_weekdays'][checked]")
        data["phase-0-schedule_weekdays"] = [box["value"] for box in ticked]
        data.update(start_date="2026-03-07", reason="Supply problem")
        response = clinician_client.post(url, data, follow=True)
        home = patient_home(patient)

    assert data["phase-0-schedule_weekdays"] == ["MO", "WE", "FR"]
    assert "Switch Pat Patient to another regimen" in form.content.decode()
    assert parse(response).messages == [f"{UK} prescribed from 7 March 2026."]
    assert fresh(old).status == Regimen.Status.ENDED
    assert home.testids["next-due"] == ["Monday 9 March 2026"]
    assert parse(response).timeline[:2] == [
        f"Regimen · Switched to another regimen Thu 5 Mar 2026, 10:00 · today template {UK}; "
        "start 2026-03-07; strength 1000 mcg/mL; route IM · “Supply problem” by Dr Care",
        "Regimen · Switched to another regimen Thu 5 Mar 2026, 10:00 · today status active → ended "
        "· “Supply problem” by Dr Care",
    ]


def test_ending_on_the_page_leaves_the_patient_with_nothing_due(
    patient, clinician, clinician_client
):
    in_maintenance(patient, clinician)

    with frozen(date(2026, 5, 10), 11):
        response = submit(
            clinician_client, reverse("end_regimen", args=[patient.pk]), reason="Oral B12"
        )
        home = patient_home(patient)

    page = parse(response)
    assert page.messages == ["Regimen ended. Nothing more is due."]
    assert page.timeline[0] == (
        "Regimen · Ended Sun 10 May 2026, 11:00 · today status active → ended · “Oral B12” "
        "by Dr Care"
    )
    assert "next-due" not in home.testids
    assert "No active regimen" in home.text


def test_the_page_refuses_a_change_to_the_same_values(patient, clinician, clinician_client):
    regimen = in_maintenance(patient, clinician)
    url = reverse("change_phase", args=[patient.pk, phase(regimen, 2).pk])

    with frozen(date(2026, 5, 10), 10):
        response = submit(clinician_client, url, reason="Just looking")

    assert response.redirect_chain == []
    assert "Nothing changed." in response.content.decode()
    assert changes(regimen, RegimenChange.Kind.PHASE_CHANGED) == []


def test_the_page_refuses_an_invalid_schedule_and_saves_nothing(
    patient, clinician, clinician_client
):
    regimen = in_maintenance(patient, clinician)
    url = reverse("change_phase", args=[patient.pk, phase(regimen, 2).pk])

    with frozen(date(2026, 5, 10), 10):
        response = submit(clinician_client, url, schedule_every="", reason="Try")

    assert response.redirect_chain == []
    assert "Say how often: every N days, weeks or months." in response.content.decode()
    assert phase(regimen, 2).schedule_every == 4
    assert fresh(regimen).next_due == date(2026, 5, 31)
    assert changes(regimen, RegimenChange.Kind.PHASE_CHANGED) == []


def preview_rows(response) -> list[list[str]]:
    table = soup(response).select_one('[data-testid="change-preview"] table')
    return [texts(row, "td") for row in table.select("tbody tr")]


def test_the_preview_shows_the_next_five_dates_as_now_and_after_and_saves_nothing(
    patient, clinician, clinician_client
):
    regimen = in_maintenance(patient, clinician)
    url = reverse("change_phase", args=[patient.pk, phase(regimen, 2).pk])

    with frozen(date(2026, 5, 10), 10):
        data = parse(clinician_client.get(url)).values
        data.pop("csrfmiddlewaretoken", None)
        data.update(schedule_every="2", reason="Symptoms return in week 3")
        response = clinician_client.post(url, data)

    # Every 4 weeks from the injection of Sunday 3 May, and every 2 weeks from it (rule 7).
    assert preview_rows(response) == [
        ["Sun 31 May 2026", "Sun 17 May 2026"],
        ["Sun 28 Jun 2026", "Sun 31 May 2026"],
        ["Sun 26 Jul 2026", "Sun 14 Jun 2026"],
        ["Sun 23 Aug 2026", "Sun 28 Jun 2026"],
        ["Sun 20 Sep 2026", "Sun 12 Jul 2026"],
    ]
    assert "Nothing is saved yet." in response.content.decode()
    assert changes(regimen, RegimenChange.Kind.PHASE_CHANGED) == []
    assert (phase(regimen, 2).schedule_every, fresh(regimen).next_due) == (4, date(2026, 5, 31))


def test_a_weekday_schedule_is_ticked_on_the_change_form_and_previewed_on_those_days(
    patient, clinician, clinician_client
):
    regimen = in_maintenance(patient, clinician)
    url = reverse("change_phase", args=[patient.pk, phase(regimen, 2).pk])

    with frozen(date(2026, 5, 10), 10):
        form = clinician_client.get(url)
        boxes = soup(form).select("input[name='schedule_weekdays']")
        data = parse(form).values
        data.pop("csrfmiddlewaretoken", None)
        data.update(
            schedule_unit="weekdays",
            schedule_every="",
            schedule_weekdays=["MO", "TH"],
            reason="Clinic days",
        )
        preview = clinician_client.post(url, data)
        saved = clinician_client.post(url, {**data, "confirm": "yes"})

    # Seven boxes, one per weekday; no field to type "MO,WE,FR" into.
    assert [(box["type"], box["value"]) for box in boxes] == [
        ("checkbox", day) for day in ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
    ]
    assert {after.split()[0] for _before, after in preview_rows(preview)} == {"Mon", "Thu"}
    assert saved.status_code == 302
    assert phase(regimen, 2).schedule_weekdays == "MO,TH"
