"""A change from now on never rewrites the past: each dose keeps the phase as prescribed when it
happened (regimens/history.py), whatever is changed later, and the patient is told of the
change on their home until they dismiss it, and once by email."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from regimens import actions
from regimens.history import values_at
from regimens.models import RegimenChange
from reminders.sending import send_due_reminders
from tests import factories, pages
from tests.clock import frozen

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 10, 23)  # the last weekly dose on 26 November: maintenance due 24 December


def words(response, testid) -> list[str]:
    return pages.texts(response, f'[data-testid="{testid}"]')


@pytest.fixture
def maintenance(patient, clinician):
    with frozen(START):
        regimen = factories.regimen_for(patient, START, prescriber=clinician)
    for _ in range(12):  # the last on 24 December: the first maintenance dose
        with frozen(regimen.next_due):
            factories.give(regimen, regimen.next_due)
    return regimen


# --- the past keeps its phase ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_change_from_now_on_leaves_earlier_doses_as_they_were(
    patient, clinician, client, maintenance
):
    with frozen(date(2027, 1, 5)):
        actions.change_phase(
            maintenance.current_phase, clinician, "Symptoms return", schedule_every=3
        )
    with frozen(date(2027, 1, 14)):
        factories.give(maintenance, date(2027, 1, 14))
        client.force_login(patient)
        history = words(client.get(reverse("history")), "phase-then")

    assert history[0] == "Maintenance: every 3 weeks · 1000 mcg · on time ±2 days"
    assert history[1] == "Every 4 weeks · 1000 mcg · on time ±3 days"


@pytest.mark.django_db
def test_the_injection_page_says_the_phase_has_changed_since(
    patient, clinician, client, maintenance
):
    first_maintenance = maintenance.doses.order_by("-administered_at").first()
    with frozen(date(2027, 1, 5)):
        actions.change_phase(maintenance.current_phase, clinician, "Lower", dose_mcg=500)
        client.force_login(patient)
        page = client.get(reverse("dose_detail", args=[first_maintenance.pk]))

    shown = words(page, "phase-then")[0]
    assert shown.startswith("Every 4 weeks · 1000 mcg · on time ±3 days")
    assert "the phase has changed since" in shown


# A phase's values at any moment are its values then, whatever changes come after.
changes_strategy = st.lists(
    st.tuples(st.integers(1, 60), st.integers(1, 12), st.integers(100, 5000)),
    min_size=1,
    max_size=8,
)


@given(changes_strategy, st.lists(st.integers(0, 400), min_size=1, max_size=10))
@settings(max_examples=200, deadline=None)
def test_no_later_change_alters_what_an_earlier_moment_shows(steps, probes):
    base = datetime(2026, 1, 1, tzinfo=UTC)
    values = {"schedule_every": 4, "dose_mcg": 1000}
    history = []  # (at, values in force from then on)
    kept = []  # (at, old values) as RegimenChange keeps them
    at = base
    for gap, every, dose in steps:
        at += timedelta(days=gap)
        new = {"schedule_every": every, "dose_mcg": dose}
        old = {k: values[k] for k in new if values[k] != new[k]}
        kept.append((at, old))
        values = {**values, **new}
        history.append((at, dict(values)))
    for offset in probes:
        moment = base + timedelta(days=offset)
        expected = {"schedule_every": 4, "dose_mcg": 1000}
        for when, then in history:
            if when <= moment:
                expected = then
        assert values_at(values, kept, moment) == expected
        # Adding one more change later never alters what the moment shows.
        later = (base + timedelta(days=1000), {"schedule_every": values["schedule_every"]})
        assert values_at({**values, "schedule_every": 99}, [*kept, later], moment) == expected


# --- the patient is told ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_home_tells_the_patient_until_they_dismiss_it(patient, clinician, client, maintenance):
    with frozen(date(2027, 1, 5)):
        actions.change_phase(
            maintenance.current_phase, clinician, "Symptoms return", schedule_every=3
        )
        client.force_login(patient)
        home = client.get(reverse("home"))
        notice = words(home, "plan-notice")
        form = pages.soup(home).find("form", action=lambda a: a and "dismiss" in a)
        client.post(form["action"])
        after = words(client.get(reverse("home")), "plan-notice")

    assert notice == [
        "Your plan changed on Tuesday 5 January 2027 by Dr Care: Every 4 weeks → "
        "Maintenance: every 3 weeks. “Symptoms return” Got it"
    ]
    assert after == []
    assert RegimenChange.objects.get(kind="phase_changed").dismissed_at is not None


@pytest.mark.django_db
def test_the_patient_is_emailed_once_in_their_zone(patient, clinician, maintenance):
    with frozen(date(2027, 1, 5), 10):
        actions.change_phase(
            maintenance.current_phase, clinician, "Symptoms return", schedule_every=3
        )
        send_due_reminders()
        send_due_reminders()

    told = [m for m in mail.outbox if "plan has changed" in m.subject]
    assert len(told) == 1
    assert "On Tuesday 5 January Dr Care changed your plan: Every 4 weeks → " in told[0].body
