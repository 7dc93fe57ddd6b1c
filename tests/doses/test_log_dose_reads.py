"""Logging an injection reads the schedule once and raises the record version once: what it
stores must be exactly what a full replay of the record gives, whatever the dose's moment."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.urls import reverse

from doses import actions, freshness
from doses.models import DoseLog
from regimens.models import Regimen
from symptoms import wearoff
from tests import factories
from tests.clock import frozen
from tests.doses.test_log_dose import form_page

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)  # the US template: 7 daily, 4 weekly, then every 4 weeks
MAINTENANCE = [date(2026, 5, 3), date(2026, 5, 31), date(2026, 6, 28), date(2026, 7, 26)]
SETUP = date(2026, 8, 22)  # the history is entered after the fact


def in_maintenance(patient, doses: int = 4) -> Regimen:
    regimen = factories.regimen_for(patient, START)
    for _ in range(7 + 4 + doses):
        factories.give(regimen, regimen.next_due)
    return regimen


def check_in_each_interval(patient, days, early: int, late: int):
    """A check-in 3 days (first half) and 24 days (last quarter) after each injection."""
    for day in days:
        for offset, score in ((3, early), (24, late)):
            when = factories.at(patient, day + timedelta(days=offset), 18)
            factories.check_in(patient, when, 1, fatigue=score, tingling=score)


def stored_matches_a_full_replay(regimen):
    """The stored schedule state and wear-off flag against everything worked out anew."""
    stored = Regimen.objects.select_related("patient").get(pk=regimen.pk)
    state = stored.recompute_state()
    assert stored.next_due == state.next_due
    assert stored.given_in_phase == state.given_in_phase
    assert stored.phase_entered_on == state.phase_entered_on
    assert stored.last_event_on == state.last_event_on
    fresh = Regimen.objects.select_related("patient").get(pk=regimen.pk)
    assert stored.symptoms_return_early == wearoff.for_regimen(fresh).symptoms_return
    return stored


def post(client, patient, when: datetime, **changes):
    data = form_page(client)
    data.pop("csrfmiddlewaretoken", None)
    data["administered_at"] = f"{when.astimezone(patient.zone):%Y-%m-%dT%H:%M}"
    data.update(changes)
    return client.post(reverse("log_dose"), data)


@pytest.mark.parametrize("maintenance_doses", [1, 4])
def test_logging_makes_the_same_queries_whatever_the_history(
    patient, patient_client, django_assert_num_queries, maintenance_doses
):
    with frozen(SETUP):
        regimen = in_maintenance(patient, maintenance_doses)
        check_in_each_interval(patient, MAINTENANCE[:maintenance_doses], early=1, late=2)
    due = Regimen.objects.get(pk=regimen.pk).next_due
    with frozen(due, 10):
        data = form_page(patient_client)
        data["administered_at"] = f"{due:%Y-%m-%d}T09:00"
        # The session; the user; the regimen for the form; SAVEPOINT (the test's transaction
        # makes the action's a savepoint); the patient's version raised, which locks their
        # row; the regimen under lock, with a replayed token's dose, the day's first dose,
        # the latest check-in and the latest change to the plan; its phases; the new
        # injection; the regimen's state; the care team's copies of it (the triage list);
        # RELEASE. The dose comes after every event and check-in: neither the history nor
        # the check-ins are read (the stored state takes one step).
        with django_assert_num_queries(11):
            response = patient_client.post(reverse("log_dose"), data)
    assert response.status_code == 302
    stored_matches_a_full_replay(regimen)


def test_the_record_version_goes_up_once_per_injection(patient, patient_client):
    with frozen(SETUP):
        regimen = in_maintenance(patient, 1)
    due = Regimen.objects.get(pk=regimen.pk).next_due
    before = type(patient).objects.get(pk=patient.pk).record_version
    with frozen(due, 10):
        response = post(patient_client, patient, factories.at(patient, due, 9))
    assert response.status_code == 302
    assert type(patient).objects.get(pk=patient.pk).record_version == before + 1
    assert DoseLog.objects.filter(patient=patient).count() == 7 + 4 + 1 + 1


def test_an_early_and_a_second_dose_store_what_a_full_replay_gives(patient, patient_client):
    with frozen(SETUP):
        regimen = in_maintenance(patient, 2)
    due = Regimen.objects.get(pk=regimen.pk).next_due
    early = due - timedelta(days=10)
    with frozen(early, 12):
        first = post(patient_client, patient, factories.at(patient, early, 8))
        assert first.status_code == 200  # asked to confirm an early dose
        assert (
            post(
                patient_client, patient, factories.at(patient, early, 8), confirm_timing="yes"
            ).status_code
            == 302
        )
        stored_matches_a_full_replay(regimen)
        # A second dose at the very same minute: two rows at one moment.
        assert (
            post(
                patient_client, patient, factories.at(patient, early, 8), confirm_timing="yes"
            ).status_code
            == 302
        )
    doses = DoseLog.objects.filter(patient=patient, administered_at=factories.at(patient, early, 8))
    assert [(d.confirmed_early, d.confirmed_second) for d in doses.order_by("pk")] == [
        (True, False),
        (True, True),  # the first moved the due date earlier: still early, and a second
    ]
    stored_matches_a_full_replay(regimen)


def test_a_dose_logged_late_before_check_ins_works_the_flag_out_again(patient):
    """Check-ins recorded first, their injections logged afterwards: each dose lies before
    check-ins, so the flag is worked out from them and turns on with the third interval."""
    with frozen(SETUP):
        regimen = in_maintenance(patient, 0)
    with frozen(MAINTENANCE[3] + timedelta(days=20), 12):
        check_in_each_interval(patient, MAINTENANCE[:3], early=2, late=7)
        flags = []
        for day in MAINTENANCE[:3]:
            factories.give(regimen, day)
            flags.append(stored_matches_a_full_replay(regimen).symptoms_return_early)
    assert flags == [False, False, True]


def test_a_dose_after_every_check_in_keeps_the_flag_as_a_full_replay_does(patient):
    with frozen(SETUP):
        regimen = in_maintenance(patient, 0)
    with frozen(MAINTENANCE[3] + timedelta(days=20), 12):
        for day in MAINTENANCE[:3]:
            factories.give(regimen, day)
        check_in_each_interval(patient, MAINTENANCE[:3], early=2, late=7)
        assert stored_matches_a_full_replay(regimen).symptoms_return_early is True
        regimen.refresh_from_db()
        factories.give(regimen, MAINTENANCE[3])
        assert stored_matches_a_full_replay(regimen).symptoms_return_early is True


def test_a_second_dose_after_a_check_in_that_day_stores_what_a_full_replay_gives(patient):
    """On the day of the last injection, a check-in after it and then another dose: the
    check-in now follows the new dose."""
    with frozen(SETUP):
        regimen = in_maintenance(patient, 0)
    with frozen(MAINTENANCE[3] + timedelta(days=20), 12):
        for day in MAINTENANCE[:4]:
            factories.give(regimen, day, 8)
        check_in_each_interval(patient, MAINTENANCE[:3], early=2, late=7)
        when = factories.at(patient, MAINTENANCE[3], 10)
        factories.check_in(patient, when, 1, fatigue=9, tingling=9)
        regimen.refresh_from_db()
        factories.give(regimen, MAINTENANCE[3], 12)
        stored_matches_a_full_replay(regimen)


@pytest.mark.django_db(transaction=True)
def test_the_version_is_not_raised_outside_a_transaction(patient):
    """Raised in autocommit, the new version would be read before the rows it stands for."""
    before = type(patient).objects.get(pk=patient.pk).record_version
    with pytest.raises(RuntimeError), freshness.raised(patient.pk):
        pass  # pragma: no cover - refused before the block runs
    assert type(patient).objects.get(pk=patient.pk).record_version == before


def test_rows_written_in_the_change_raise_the_version_no_further(patient):
    before = type(patient).objects.get(pk=patient.pk).record_version
    with transaction.atomic(), freshness.raised(patient.pk):
        factories.check_in(patient, None, 2)  # a row that would raise it again
    assert type(patient).objects.get(pk=patient.pk).record_version == before + 1


def test_a_form_sent_twice_records_one_injection(patient, patient_client):
    with frozen(SETUP):
        regimen = in_maintenance(patient, 1)
    due = Regimen.objects.get(pk=regimen.pk).next_due
    with frozen(due, 10):
        data = form_page(patient_client)
        data["administered_at"] = f"{due:%Y-%m-%d}T09:00"
        first = patient_client.post(reverse("log_dose"), data)
        second = patient_client.post(reverse("log_dose"), data)
    assert first.status_code == second.status_code == 302
    assert DoseLog.objects.filter(patient=patient, administered_at__date=due).count() == 1
    assert actions.already_recorded(DoseLog, data["submission_token"], patient)
