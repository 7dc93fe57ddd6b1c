"""A change from now on never rewrites the past: each dose keeps the phase as prescribed when it
happened (regimens/history.py), whatever is changed later, and the patient is told of the
change on their home until they dismiss it, and once by email."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
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


@pytest.mark.django_db
def test_the_adherence_table_has_a_row_for_each_schedule_a_phase_had(
    patient, clinician, client, maintenance
):
    with frozen(date(2027, 1, 21)):  # on time for every 4 weeks: 24 December + 28 days
        factories.give(maintenance, date(2027, 1, 21))
    with frozen(date(2027, 1, 25)):
        actions.change_phase(
            maintenance.current_phase, clinician, "Symptoms return", schedule_every=3
        )
    for day in (date(2027, 2, 15), date(2027, 3, 8)):  # every 3 weeks from 25 January
        with frozen(day):
            factories.give(maintenance, day)
    client.force_login(clinician)
    with frozen(date(2027, 3, 9)):
        page = client.get(reverse("patient_record", args=[patient.pk]))

    table = pages.soup(page).find(attrs={"data-testid": "adherence"})
    rows = [pages.texts(tr, "td") for tr in table.find("tbody").find_all("tr")]
    assert rows[-2:] == [
        # The doses given under every 4 weeks keep its label and interval...
        ["Every 4 weeks (as prescribed 24 Dec 2026 – 21 Jan 2027)", "28 d", "28 d", "±3 d"],
        # ...and those given since the change are judged by every 3 weeks (the gaps that end
        # with them: 25 and 21 days).
        ["Maintenance: every 3 weeks", "21 d", "23 d", "±2 d"],
    ]


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
def test_the_home_tells_the_patient_until_they_dismiss_it(patient, clinician, maintenance):
    with frozen(date(2027, 1, 5)):
        actions.change_phase(
            maintenance.current_phase, clinician, "Symptoms return", schedule_every=3
        )
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(patient)
        home = browser.get(reverse("home"))
        notice = words(home, "plan-notice")
        # "Got it" sends the form it names (outside the cached body, with the form token).
        button = pages.soup(home).select_one('[data-testid="plan-notice"] button')
        sent = browser.post(button["formaction"], pages.form_values(home, f"#{button['form']}"))
        after = words(browser.get(reverse("home")), "plan-notice")

    assert notice == [
        "Your plan changed on Tuesday 5 January 2027 by Dr Care: Every 4 weeks → "
        "Maintenance: every 3 weeks. “Symptoms return” Got it"
    ]
    assert sent.status_code == 302
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


@pytest.mark.django_db
def test_a_patient_whose_only_regimen_was_ended_is_emailed_that_news_only(
    patient, clinician, maintenance
):
    with frozen(date(2027, 1, 5), 10):
        actions.end_regimen(maintenance, clinician, "Levels recovered; oral tablets instead")
        send_due_reminders()
        send_due_reminders()
    with frozen(date(2027, 3, 1), 10):  # long past the next due date: no overdue reminder
        send_due_reminders()

    assert [m.subject for m in mail.outbox] == ["Your B12 injection plan has changed"]
    assert "Dr Care changed your plan: your injections were stopped" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_new_regimen_and_the_end_of_the_old_one_come_in_one_email(
    patient, clinician, maintenance
):
    template = maintenance.template
    with frozen(date(2027, 1, 5), 10):
        actions.switch_regimen(maintenance, template, date(2027, 1, 6), clinician, reason="Restart")
        send_due_reminders()

    assert len(mail.outbox) == 1
    assert "plan has changed" in mail.outbox[0].subject
