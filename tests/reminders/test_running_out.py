"""Supplies running out: `send_reminders` tells a patient who recorded supplies, once per
run-out date, when those will not cover the injections due in the next two weeks
(reminders.sending.RUN_OUT_DAYS), in the home page's words, with a link to the supplies page.

The regimen is the cyanocobalamin US template at 1000 mcg/mL (one 1 mL ampoule an injection,
daily for a week from DUE, Tuesday 24 November 2026); the patient lives in New York."""

from datetime import date, timedelta

import pytest

from supplies import actions as supplies
from tests import factories
from tests.clock import frozen
from tests.reminders.test_send_reminders import DUE, at, due_on, run, run_and_collect

pytestmark = pytest.mark.django_db

US = factories.US_TEMPLATE
LONG_AGO = DUE - timedelta(days=60)


def ampoules(patient, count: int, received_on: date = LONG_AGO):
    """`count` 1 mL ampoules of the plan's product, recorded on the day they are in use from."""
    with frozen(at(received_on)):
        return factories.add_supply(
            patient, count=count, received_on=received_on, expires_on=date(2028, 1, 31)
        )


def told(patient) -> list[tuple[str, str]]:
    """The supplies reminders in the ledger: (run-out date, status)."""
    rows = patient.reminders_sent.filter(kind="running_out").order_by("claimed_at", "pk")
    return list(rows.values_list("key", "status"))


def running_out_emails(moment) -> list:
    return [m for m in run_and_collect(moment) if "supplies" in m.body]


def test_the_patient_is_told_once_when_supplies_run_out_within_two_weeks(patient, settings):
    settings.SITE_URL = "https://b12.example.org"
    due_on(patient, template=US, due_soon=False)
    ampoules(patient, 3)  # the daily injections of 24, 25 and 26 November: not the 27th

    assert running_out_emails(at(DUE - timedelta(days=12))) == []  # the 27th is 15 days off

    [email] = running_out_emails(at(DUE - timedelta(days=11)))
    assert email.to == ["pat@example.org"]
    assert email.subject == "Your B12 supplies will not last to your injection due in 14 days"
    body = " ".join(email.body.split())
    assert (
        "Supplies last until Thu 26 Nov 2026 (3 injections). "
        "More are needed for the injection due Fri 27 Nov 2026." in body
    )
    assert "https://b12.example.org/supplies/" in body
    assert told(patient) == [("2026-11-27", "sent")]

    for days_later in range(-10, 3):  # told once for that date, through to the run-out
        assert running_out_emails(at(DUE + timedelta(days=days_later))) == []
    assert told(patient) == [("2026-11-27", "sent")]


def test_supplies_that_do_not_cover_the_next_injection_say_so(patient):
    due_on(patient, template=US)
    ampoules(patient, 1)
    with frozen(at(DUE, 10)):
        factories.give(patient.regimens.get(), DUE)  # uses the only ampoule

    [email] = running_out_emails(at(DUE + timedelta(days=1)))

    assert "Your supplies do not cover your next injection, due Wed 25 Nov 2026." in " ".join(
        email.body.split()
    )


def test_supplies_that_cover_the_next_two_weeks_are_not_reminded(patient):
    due_on(patient, template=US)
    ampoules(patient, 20)  # 7 daily and 4 weekly, then every 4 weeks into March

    for days_later in range(-14, 8):
        assert running_out_emails(at(DUE + timedelta(days=days_later))) == []
    assert told(patient) == []


def test_a_patient_with_no_supplies_recorded_is_not_told(patient):
    due_on(patient, template=US)

    for days_later in range(-3, 3):
        assert running_out_emails(at(DUE + timedelta(days=days_later))) == []
    assert told(patient) == []


def test_a_removed_supply_counts_as_none_recorded(patient):
    due_on(patient, template=US)
    supply = ampoules(patient, 1)
    with frozen(at(LONG_AGO)):
        supplies.delete_supply(supply, patient)

    assert running_out_emails(at(DUE)) == []


def test_a_new_supply_moves_the_run_out_date_and_that_date_is_told_in_its_turn(patient):
    due_on(patient, template=US, due_soon=False)
    ampoules(patient, 3)
    assert len(running_out_emails(at(DUE - timedelta(days=11)))) == 1  # runs out on the 27th

    ampoules(patient, 2, received_on=DUE - timedelta(days=10))  # now the 29th
    [email] = running_out_emails(at(DUE - timedelta(days=9)))

    assert "More are needed for the injection due Sun 29 Nov 2026." in " ".join(email.body.split())
    assert told(patient) == [("2026-11-27", "sent"), ("2026-11-29", "sent")]
    assert running_out_emails(at(DUE - timedelta(days=8))) == []


def test_the_settings_toggle_turns_it_off(patient, other_patient):
    due_on(patient, template=US, running_out=False)
    due_on(other_patient, template=US)
    for person in (patient, other_patient):
        ampoules(person, 3)

    run(at(DUE))

    assert told(patient) == []
    assert told(other_patient) == [("2026-11-27", "sent")]


def test_unticking_supplies_running_out_in_the_settings_page_stops_it(patient_client, patient):
    due_on(patient, template=US)
    ampoules(patient, 3)
    shown = patient_client.get("/settings/").content.decode()
    assert 'name="running_out"' in shown and "Supplies running out" in shown

    response = patient_client.post("/settings/", {"lead_days": "1", "send_hour": "8"})
    assert response.status_code == 302

    run(at(DUE))
    assert told(patient) == []
