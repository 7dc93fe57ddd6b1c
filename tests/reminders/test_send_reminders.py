"""Email reminders (`manage.py send_reminders`): each kind goes out on its day, from the
patient's send hour in their own zone, once per occasion however often cron runs it, and a
failed email is tried again. Patients live in New York unless a test says otherwise; their
injection is due on Tuesday 24 November 2026 on the prophylaxis template (every 3 months)."""

import re
import smtplib
from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from regimens.models import Regimen
from reminders.models import ReminderSent
from reminders.sending import send_due_reminders
from tests import factories
from tests.clock import frozen
from tests.concurrently import at_once

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
DUE = date(2026, 11, 24)  # a Tuesday
PROPHYLAXIS = "Hydroxocobalamin prophylaxis (after gastrectomy or ileal resection)"
US_100 = "Cyanocobalamin 100 mcg, US label (pernicious anaemia)"


def at(day: date, hour: int = 12, minute: int = 0, zone=NEW_YORK) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def run(moment: datetime, *args) -> str:
    """The command at `moment`, as cron runs it; its output."""
    out = StringIO()
    with frozen(moment):
        call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def run_and_collect(moment: datetime, *args) -> list:
    """The emails one run sends."""
    before = len(mail.outbox)
    run(moment, *args)
    return mail.outbox[before:]


def due_on(patient, due: date = DUE, template: str = PROPHYLAXIS, **prefs) -> Regimen:
    """An active regimen whose next injection is due on `due` (its start, nothing given yet);
    `prefs` saves the patient's reminder settings."""
    regimen = factories.regimen_for(patient, due, name=template)
    assert regimen.next_due == due
    if prefs:
        factories.ReminderSettingsFactory(user=patient, **prefs)
    return regimen


def check_in(patient, moment: datetime):
    with frozen(moment):
        factories.check_in(patient, score=2)


def ledger(patient=None) -> set[tuple[str, str, str]]:
    rows = ReminderSent.objects.all() if patient is None else patient.reminders_sent.all()
    return set(rows.values_list("kind", "key", "status"))


def subjects_by_day(days: range, base: date, hour: int = 12) -> dict[int, list[str]]:
    """Run once a day at `hour`, `base` + each offset; the subjects sent on each day."""
    return {
        offset: [m.subject for m in run_and_collect(at(base + timedelta(days=offset), hour))]
        for offset in days
    }


# --- which reminder goes out when --------------------------------------------------------


def test_an_injection_is_reminded_the_day_before_on_the_day_and_once_when_missed(patient):
    due_on(patient)

    assert subjects_by_day(range(-3, 5), DUE) == {
        -3: [],
        -2: [],
        -1: ["B12 injection due tomorrow"],
        0: ["B12 injection due today"],
        1: ["Your B12 injection was due on Tuesday 24 November"],
        2: [],
        3: [],
        4: [],
    }
    assert ledger(patient) == {
        ("due_soon", "2026-11-24", "sent"),
        ("due_today", "2026-11-24", "sent"),
        ("overdue", "2026-11-24", "sent"),
    }


def test_the_lead_time_sets_how_many_days_before(patient):
    due_on(patient, lead_days=3)

    assert subjects_by_day(range(-4, 1), DUE) == {
        -4: [],
        -3: ["B12 injection due in 3 days"],
        -2: [],
        -1: [],
        0: ["B12 injection due today"],
    }


def test_a_later_missed_due_date_gets_its_own_overdue_reminder(patient):
    regimen = due_on(patient, checkin=False)
    assert len(run_and_collect(at(DUE + timedelta(days=1)))) == 1  # overdue: 24 November
    with frozen(at(DUE + timedelta(days=2))):
        factories.give(regimen, DUE + timedelta(days=2))
    next_due = date(2027, 2, 26)  # 3 months after the late dose
    assert regimen.next_due == next_due
    assert run_and_collect(at(DUE + timedelta(days=2))) == []

    emails = run_and_collect(at(next_due + timedelta(days=1)))

    assert [m.subject for m in emails] == ["Your B12 injection was due on Friday 26 February"]
    assert {key for kind, key, _ in ledger(patient) if kind == "overdue"} == {
        "2026-11-24",
        "2027-02-26",
    }


def test_a_check_in_is_asked_for_a_week_after_the_last_one(patient, settings):
    settings.SITE_URL = "https://b12.example.org"
    due_on(patient, date(2027, 3, 1))  # no injection due meanwhile
    checked = date(2026, 11, 10)
    check_in(patient, at(checked, 9))

    assert run_and_collect(at(checked + timedelta(days=6), 20)) == []
    assert run_and_collect(at(checked + timedelta(days=7), 8, 30)) == []  # not a week yet
    emails = run_and_collect(at(checked + timedelta(days=7), 9, 30))
    assert [m.subject for m in emails] == ["Time for your weekly check-in"]
    assert "It has been a week since your last check-in." in emails[0].body
    assert "https://b12.example.org" + reverse("checkin") in emails[0].body
    assert run_and_collect(at(checked + timedelta(days=8), 12)) == []
    assert ledger(patient) == {("checkin", "2026-11-17", "sent")}

    check_in(patient, at(checked + timedelta(days=8), 10))
    assert run_and_collect(at(checked + timedelta(days=15), 9)) == []
    assert len(run_and_collect(at(checked + timedelta(days=15), 10, 30))) == 1
    assert ("checkin", "2026-11-25", "sent") in ledger(patient)


def test_a_patient_who_never_checked_in_is_asked_a_week_into_the_regimen(patient):
    due_on(patient, DUE, due_soon=False, due_today=False, overdue=False)

    assert subjects_by_day(range(5, 9), DUE) == {
        5: [],
        6: [],
        7: ["Time for your weekly check-in"],
        8: [],
    }
    assert ledger(patient) == {("checkin", "2026-12-01", "sent")}


def test_a_lab_review_is_reminded_within_the_lead_time_and_once(patient):
    regimen = due_on(patient, date(2027, 3, 1), lead_days=2)
    review = date(2026, 12, 3)
    Regimen.objects.filter(pk=regimen.pk).update(next_lab_review=review)

    assert subjects_by_day(range(-3, 3), review) == {
        -3: [],
        -2: ["Blood test due in 2 days"],
        -1: [],
        0: [],
        1: [],
        2: [],
    }
    assert ledger(patient) == {("lab_review", "2026-12-03", "sent")}


def test_a_lab_review_already_past_is_reminded_once(patient):
    regimen = due_on(patient, date(2027, 3, 1))
    Regimen.objects.filter(pk=regimen.pk).update(next_lab_review=date(2026, 11, 2))

    emails = run_and_collect(at(date(2026, 11, 20)))

    assert [m.subject for m in emails] == ["Your blood test was due on Monday 2 November"]
    assert run_and_collect(at(date(2026, 11, 21))) == []


def test_reminders_wait_for_the_send_hour_in_each_patients_zone(patient, other_patient):
    tokyo = other_patient
    tokyo.time_zone = "Asia/Tokyo"
    tokyo.save(update_fields=["time_zone"])
    due_on(patient)  # New York
    due_on(tokyo)
    # 12:30 UTC on 23 November: 21:30 in Tokyo, 07:30 in New York (both send from 08:00).
    utc_day = at(date(2026, 11, 23), 12, 30, zone=ZoneInfo("UTC"))

    assert [m.to for m in run_and_collect(utc_day)] == [[tokyo.email]]
    assert [m.to for m in run_and_collect(utc_day + timedelta(minutes=29))] == []
    assert [m.to for m in run_and_collect(utc_day + timedelta(minutes=30))] == [[patient.email]]
    # 22:59 UTC is 07:59 on the 24th in Tokyo: due today, but not before 08:00.
    assert run_and_collect(at(date(2026, 11, 23), 22, 59, zone=ZoneInfo("UTC"))) == []
    emails = run_and_collect(at(date(2026, 11, 24), 8, 0, zone=TOKYO))
    assert [(m.to, m.subject) for m in emails] == [([tokyo.email], "B12 injection due today")]


def test_a_later_send_hour_holds_reminders_back_until_then(patient):
    due_on(patient, send_hour=18)

    assert run_and_collect(at(DUE, 17, 59)) == []
    assert [m.subject for m in run_and_collect(at(DUE, 18))] == ["B12 injection due today"]


@pytest.mark.parametrize(
    "kind, day",
    [
        ("due_soon", DUE - timedelta(days=1)),
        ("due_today", DUE),
        ("overdue", DUE + timedelta(days=1)),
        ("lab_review", DUE - timedelta(days=1)),
        ("checkin", DUE + timedelta(days=7)),
    ],
)
def test_a_kind_switched_off_is_not_sent(patient, other_patient, kind, day):
    for person, switched_on in ((patient, False), (other_patient, True)):
        regimen = due_on(person, **{kind: switched_on})
        Regimen.objects.filter(pk=regimen.pk).update(next_lab_review=DUE)

    run(at(day))

    assert kind not in {k for k, _key, _status in ledger(patient)}
    assert kind in {k for k, _key, _status in ledger(other_patient)}


def test_inactive_users_clinicians_and_patients_without_an_active_regimen_get_nothing(
    patient, other_patient, clinician
):
    inactive = factories.PatientFactory(is_active=False)
    finished = factories.PatientFactory()
    for person in (inactive, clinician, finished, patient):
        due_on(person)
    Regimen.objects.filter(patient=finished).update(status=Regimen.Status.ENDED)
    check_in(other_patient, at(DUE - timedelta(days=20)))  # no regimen at all

    emails = run_and_collect(at(DUE))

    assert [m.to for m in emails] == [[patient.email]]
    assert set(ReminderSent.objects.values_list("user_id", flat=True)) == {patient.pk}


# --- once only, and failures -------------------------------------------------------------


def test_running_again_sends_nothing_new(patient):
    due_on(patient)

    first = run(at(DUE, 9))
    again = run(at(DUE, 9, 15))
    later = run(at(DUE, 21))

    assert len(mail.outbox) == 1
    assert first.strip() == "Sent 1 reminder to 1 patient; 0 already sent"
    assert again.strip() == later.strip() == "Sent 0 reminders to 0 patients; 1 already sent"


def test_nothing_to_do_is_a_quiet_success(patient):
    assert run(at(DUE)).strip() == "Sent 0 reminders to 0 patients; 0 already sent"
    assert run(at(DUE), "--verbosity", "0") == ""


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_a_failed_email_is_tried_again_on_the_next_run_and_sent_once(patient, settings):
    due_on(patient)
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"

    with pytest.raises(CommandError, match="1 reminder could not be sent"):
        run(at(DUE, 9))

    assert ledger(patient) == {("due_today", "2026-11-24", "failed")}
    assert "SMTPServerDisconnected" in ReminderSent.objects.get().error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run(at(DUE, 9, 15)).strip() == "Sent 1 reminder to 1 patient; 0 already sent"
    run(at(DUE, 9, 30))

    assert [m.subject for m in mail.outbox] == ["B12 injection due today"]
    row = ReminderSent.objects.get()
    assert (row.status, row.error) == ("sent", "")
    assert row.sent_at == at(DUE, 9, 15)


def test_a_reminder_left_claimed_by_a_run_that_died_is_not_sent_again(patient):
    due_on(patient)
    factories.ReminderSentFactory(
        user=patient, kind="due_today", key="2026-11-24", claimed_at=at(DUE, 8)
    )

    output = run(at(DUE, 10))

    assert mail.outbox == []
    assert "1 left claimed by an unfinished run (not resent)" in output


def test_a_dry_run_reports_and_changes_nothing(patient):
    due_on(patient)

    output = run(at(DUE - timedelta(days=1)), "--dry-run")

    assert output.splitlines() == [
        "Would email pat@example.org: due_soon 2026-11-24",
        "Would send 1 reminder to 1 patient; 0 already sent",
    ]
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()
    assert len(run_and_collect(at(DUE - timedelta(days=1)))) == 1


# --- the email ---------------------------------------------------------------------------

DOSE_ADVICE = re.compile(
    r"\b(increase|decrease|reduce|raise|lower|double|halve|adjust|extra|skip)\b"
    r"|change (your|the) (dose|interval|schedule)",
    re.IGNORECASE,
)


def test_the_email_gives_the_date_in_the_patients_zone_the_dose_and_links(patient, settings):
    settings.SITE_URL = "https://b12.example.org"
    patient.time_zone = "Asia/Tokyo"
    patient.save(update_fields=["time_zone"])
    due_on(patient, template=US_100)

    # 23:30 UTC on 22 November is 08:30 on the 23rd in Tokyo: the injection is due tomorrow.
    (email,) = run_and_collect(at(date(2026, 11, 22), 23, 30, zone=ZoneInfo("UTC")))

    assert email.to == ["pat@example.org"]
    assert email.subject == "B12 injection due tomorrow"
    assert email.content_subtype == "plain"
    body = email.body
    assert body.startswith("Hello Pat,")
    assert "due tomorrow, on Tuesday 24 November" in body
    assert "Your prescribed dose is 100 mcg (Daily for 7 days)" in body
    assert "https://b12.example.org/injections/log/" in body
    assert "https://b12.example.org/settings/" in body
    assert "turn them off" in body
    assert not DOSE_ADVICE.search(body + email.subject)


def test_one_email_lists_everything_due_for_the_patient_that_run(patient, settings):
    settings.SITE_URL = "https://b12.example.org"
    regimen = due_on(patient, DUE - timedelta(days=7), due_soon=False, due_today=False)
    Regimen.objects.filter(pk=regimen.pk).update(next_lab_review=DUE)

    emails = run_and_collect(at(DUE))

    assert [m.subject for m in emails] == [
        "Your B12 injection was due on Tuesday 17 November (and 2 more reminders)"
    ]
    body = emails[0].body
    assert body.index("was due on Tuesday 17 November") < body.index("blood test")
    assert "a week into your regimen: time for a first check-in" in body
    for page in ("log_dose", "labs", "checkin", "reminder_settings"):
        assert "https://b12.example.org" + reverse(page) in body
    assert not DOSE_ADVICE.search(body)
    assert ledger(patient) == {
        ("overdue", "2026-11-17", "sent"),
        ("lab_review", "2026-11-24", "sent"),
        ("checkin", "2026-11-24", "sent"),
    }


# --- bounded SQL -------------------------------------------------------------------------


def statements_of_a_run(moment: datetime) -> dict[str, int]:
    with frozen(moment), CaptureQueriesContext(connection) as ctx:
        send_due_reminders(now=timezone.now())
    counts = {"claim": 0, "savepoint": 0, "mark": 0, "other": 0}
    for query in ctx.captured_queries:
        sql = query["sql"].upper()
        if sql.startswith("INSERT INTO") and "REMINDERS_REMINDERSENT" in sql:
            counts["claim"] += 1
        elif sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            counts["savepoint"] += 1
        elif sql.startswith("UPDATE") and "REMINDERS_REMINDERSENT" in sql:
            counts["mark"] += 1
        else:
            counts["other"] += 1
    return counts


@pytest.mark.parametrize("patients", [1, 10])
def test_finding_reminders_takes_the_same_queries_for_one_patient_or_ten(patients):
    for _ in range(patients):
        regimen = due_on(factories.PatientFactory())
        Regimen.objects.filter(pk=regimen.pk).update(next_lab_review=DUE)

    counts = statements_of_a_run(at(DUE))

    # Whatever the number of patients: 1. the regimens that may be overdue by more than an
    # interval, for the clinicians' alerts (doses/alerts.py; none is); 2. the candidate
    # regimens with patient, settings, phase and last check-in; 3. the ledger rows of what is
    # due; 4. the carers who get a copy of each email (reminders/sending.py carers_of).
    assert counts["other"] == 4
    # Then per reminder (due today, lab review) one INSERT claiming it, in its own
    # transaction (a savepoint and its release inside the test's transaction), and per
    # patient one UPDATE marking their email's reminders sent.
    assert counts["claim"] == 2 * patients
    assert counts["savepoint"] == 2 * 2 * patients
    assert counts["mark"] == patients
    assert len(mail.outbox) == patients


@pytest.mark.parametrize("patients", [1, 10])
def test_supplies_add_three_queries_for_one_patient_or_ten(patients):
    for _ in range(patients):
        person = factories.PatientFactory()
        due_on(person, template=factories.US_TEMPLATE)
        with frozen(at(DUE - timedelta(days=30))):
            factories.add_supply(
                person, count=3, received_on=DUE - timedelta(days=30), expires_on=date(2028, 1, 1)
            )

    counts = statements_of_a_run(at(DUE))

    # As above, and for all the patients with supplies at once: their regimens' phases, their
    # supplies, the injections given since (supplies/forecast.py's outlooks()).
    assert counts["other"] == 4 + 3
    # Due today and supplies running out: two reminders each, in one email.
    assert counts["claim"] == 2 * patients
    assert counts["mark"] == patients
    assert len(mail.outbox) == patients


# --- two runs at once (PostgreSQL) -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (run by CI's second pass)"
)
def test_two_runs_at_once_send_each_reminder_exactly_once():
    patients = [factories.PatientFactory() for _ in range(8)]
    for person in patients:
        # Three days late whatever the hour, so the test needs no frozen clock across threads.
        due_on(person, person.today() - timedelta(days=3), send_hour=0)

    def cron(i):
        call_command("send_reminders", stdout=StringIO())
        return "ok"

    outcomes = at_once(2, cron)

    assert outcomes == ["ok", "ok"]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in patients)
    assert ReminderSent.objects.filter(status="sent", kind="overdue").count() == len(patients)
    assert not ReminderSent.objects.exclude(status="sent").exists()
