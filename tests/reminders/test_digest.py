"""The clinicians' email digest: chosen on the account page (off, daily or weekly, from an hour
in the clinician's own zone), sent by `manage.py send_digest` once per day or week however
often cron runs it, listing the care-team patients with open alerts, overdue injections and lab
reviews due, each with a link to the record, and nothing more of their health.

Every run is at a fixed moment (`now` passed in, the clock frozen there): Dr Care works in
Tokyo, the patients live in New York, and the day is Wednesday 2 December 2026 (ISO week 49).
"""

import re
import smtplib
from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from accounts.models import CareTeamMembership
from doses import alerts
from doses.models import Alert
from regimens.models import Regimen
from reminders.digest import send_digests
from reminders.models import DigestSent, DigestSettings
from reminders.sending import send_due_reminders
from symptoms.models import SymptomEntry
from tests import factories, pages
from tests.clock import frozen
from tests.concurrently import at_once

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
DAY = date(2026, 12, 2)  # a Wednesday, in ISO week 2026-W49
PROPHYLAXIS = "Hydroxocobalamin prophylaxis (after gastrectomy or ileal resection)"
SITE = "http://127.0.0.1:8000"
NOTE = "Felt my lips swell after the walk"
ACCOUNT = reverse("account_settings")
DIGEST = reverse("digest_settings")


def at(day: date, hour: int, minute: int = 0, zone=TOKYO) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def send(moment: datetime, **options) -> list:
    """One run at `moment` (the clock frozen there too); the emails it sent."""
    before = len(mail.outbox)
    with frozen(moment):
        send_digests(now=moment, **options)
    return mail.outbox[before:]


def run(moment: datetime, *args) -> str:
    """The command at `moment`, as cron runs it; its output."""
    out = StringIO()
    with frozen(moment):
        call_command("send_digest", *args, stdout=out)
    return out.getvalue()


def ledger(clinician) -> set[tuple[str, str]]:
    return set(clinician.digests_sent.values_list("period", "status"))


def body(message) -> str:
    return message.body


def html(message) -> BeautifulSoup:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return pages.soup(content)


def listed(message) -> dict[str, tuple[str, str]]:
    """The HTML list: each patient's name -> (what to look at, the link's address)."""
    found = {}
    for item in html(message).select("li"):
        link = item.find("a")
        found[link.get_text(strip=True)] = (
            item.get_text(" ", strip=True).split(": ", 1)[1],
            link["href"],
        )
    return found


def record_url(patient) -> str:
    return SITE + reverse("patient_record", args=[patient.pk])


# --- the people --------------------------------------------------------------------------


@pytest.fixture
def doctor(clinician):
    """Dr Care (on Pat Patient's care team), in Tokyo, with a daily digest from 8:00."""
    clinician.time_zone = "Asia/Tokyo"
    clinician.save(update_fields=["time_zone"])
    factories.DigestSettingsFactory(user=clinician)
    return clinician


def cared_for(clinician, name: str):
    patient = factories.PatientFactory(name=name)
    factories.CareTeamFactory(patient=patient, clinician=clinician)
    return patient


def regimen_due(patient, due: date, *, lab_review: date | None = None) -> Regimen:
    """The three-monthly prophylaxis regimen, its first injection due on `due` (New York)."""
    regimen = factories.regimen_for(patient, due, name=PROPHYLAXIS)
    if lab_review:
        Regimen.objects.filter(pk=regimen.pk).update(next_lab_review=lab_review)
    return regimen


def allergy_checkin(patient, moment: datetime) -> SymptomEntry:
    """A check-in with scores of 7, two allergy signs ticked and a note: opens an alert."""
    with frozen(moment):
        return factories.check_in(patient, score=7, note=NOTE, allergy_signs=["hives", "swelling"])


def open_alert(patient, kind=Alert.Kind.SIDE_EFFECTS, key="test") -> Alert:
    alert = factories.AlertFactory(patient=patient, kind=kind, key=key)
    alerts.sync_attention(patient.pk)
    return alert


@pytest.fixture
def team(doctor, patient):
    """Dr Care's patients at 8:00 in Tokyo on 2 December (6 pm on 1 December in New York):
    Pat with allergy signs, Owen overdue (due 28 November), Lara's lab review due, Una with
    nothing due yet; and Otto, overdue with an alert, on another clinician's team."""
    allergy_checkin(patient, at(DAY - timedelta(days=1), 9))
    owen = cared_for(doctor, "Owen Overdue")
    regimen_due(owen, DAY - timedelta(days=4))
    lara = cared_for(doctor, "Lara Labs")
    regimen_due(lara, DAY + timedelta(days=30), lab_review=DAY - timedelta(days=2))
    una = cared_for(doctor, "Una Upcoming")
    regimen_due(una, DAY + timedelta(days=10), lab_review=DAY + timedelta(days=20))
    elsewhere = factories.ClinicianFactory(name="Dr Elsewhere")
    otto = factories.PatientFactory(name="Otto Elsewhere")
    factories.CareTeamFactory(patient=otto, clinician=elsewhere)
    regimen_due(otto, DAY - timedelta(days=4))
    open_alert(otto)
    return {"pat": patient, "owen": owen, "lara": lara, "una": una, "otto": otto}


# --- choosing it on the account page ---------------------------------------------------------


def account_page(client) -> BeautifulSoup:
    response = client.get(ACCOUNT)
    assert response.status_code == 200
    return pages.soup(response)


def digest_form(page: BeautifulSoup) -> dict:
    form = page.select_one('[data-testid="digest-form"]')
    checked = form.select_one('input[name="frequency"][checked]')
    weekday = form.select_one('select[name="weekday"] option[selected]')
    return {
        "frequency": checked["value"],
        "send_hour": form.select_one('input[name="send_hour"]')["value"],
        "weekday": weekday["value"],
        "action": form["action"],
    }


def messages_on(page: BeautifulSoup) -> list[str]:
    return [item.get_text(strip=True) for item in page.select('.alert[role="status"]')]


def test_a_clinician_finds_the_digest_off_on_their_account_page(client, clinician):
    client.force_login(clinician)

    page = account_page(client)

    assert page.select_one("#digest-heading").get_text() == "Email digest"
    assert digest_form(page) == {
        "frequency": "off",
        "send_hour": "8",
        "weekday": "1",
        "action": DIGEST,
    }


def test_the_clinicians_account_page_reads_the_choice_in_one_query(
    client, clinician, django_assert_num_queries
):
    factories.DigestSettingsFactory(user=clinician, send_hour=6)
    client.force_login(clinician)

    with django_assert_num_queries(3):  # the session, the user, their digest choice
        page = account_page(client)

    assert digest_form(page)["send_hour"] == "6"


def test_opting_in_saves_the_choice_and_says_when_it_comes(client, clinician):
    client.force_login(clinician)

    response = client.post(DIGEST, {"frequency": "weekly", "send_hour": "7", "weekday": "5"})

    assert response["Location"] == ACCOUNT + "#digest"
    page = account_page(client)
    assert messages_on(page) == ["Digest saved: every Friday from 07:00, your time."]
    assert digest_form(page) == {
        "frequency": "weekly",
        "send_hour": "7",
        "weekday": "5",
        "action": DIGEST,
    }
    saved = DigestSettings.objects.get(user=clinician)
    assert (saved.frequency, saved.send_hour, saved.weekday) == ("weekly", 7, 5)


def test_opting_out_again_keeps_one_row_and_says_so(client, clinician):
    factories.DigestSettingsFactory(user=clinician, send_hour=6)
    client.force_login(clinician)

    client.post(DIGEST, {"frequency": "off", "send_hour": "6", "weekday": "1"})

    assert messages_on(account_page(client)) == ["Digest turned off: no digest emails."]
    assert list(DigestSettings.objects.values_list("user", "frequency")) == [(clinician.pk, "off")]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"send_hour": "24"}, "send_hour", "Choose an hour from 0 (midnight) to 23 (11 pm)."),
        ({"send_hour": "-1"}, "send_hour", "Choose an hour from 0 (midnight) to 23 (11 pm)."),
        ({"send_hour": "eight"}, "send_hour", "Choose an hour from 0 (midnight) to 23 (11 pm)."),
        ({"send_hour": ""}, "send_hour", "Choose an hour from 0 (midnight) to 23 (11 pm)."),
        ({"weekday": "8"}, "weekday", "Select a valid choice. 8 is not one of the available"),
        ({"frequency": "hourly"}, "frequency", "Select a valid choice. hourly is not one of"),
    ],
)
def test_bad_input_is_explained_on_the_account_page_and_changes_nothing(
    client, clinician, changes, field, message
):
    factories.DigestSettingsFactory(user=clinician, send_hour=6)
    client.force_login(clinician)

    data = {"frequency": "daily", "send_hour": "9", "weekday": "3", **changes}
    response = client.post(DIGEST, data)

    assert response.status_code == 200
    page = pages.soup(response)
    form = page.select_one('[data-testid="digest-form"]')
    error = form.select_one(f"#error_1_id_{field}") or form.select_one(".invalid-feedback")
    assert message in error.get_text(" ", strip=True)
    # The rest of the account page is there, and its own form still posts to itself.
    assert page.select_one('[data-testid="account-form"]')["action"] == ACCOUNT
    saved = DigestSettings.objects.get(user=clinician)
    assert (saved.frequency, saved.send_hour, saved.weekday) == ("daily", 6, 1)


def test_a_patient_neither_sees_nor_can_post_the_digest_choice(patient_client, patient):
    page = account_page(patient_client)
    assert page.select_one('[data-testid="digest-form"]') is None
    assert "Email digest" not in page.get_text()

    response = patient_client.post(DIGEST, {"frequency": "daily", "send_hour": "8"})

    assert response.status_code == 404
    assert not DigestSettings.objects.exists()


def test_the_model_refuses_a_digest_for_a_patient_and_an_hour_out_of_range(patient, clinician):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        DigestSettings(user=patient, frequency="daily").full_clean()
    assert refused.value.message_dict == {"frequency": ["Only clinicians receive the digest."]}
    with pytest.raises(ValidationError) as refused:
        DigestSettings(user=clinician, frequency="daily", send_hour=30).full_clean()
    assert refused.value.message_dict == {
        "send_hour": ["Choose an hour from 0 (midnight) to 23 (11 pm)."]
    }


# --- when it goes --------------------------------------------------------------------------


def test_a_daily_digest_goes_from_the_hour_in_the_clinicians_zone_and_once(doctor, team):
    # 7:45 in Tokyo is 17:45 in New York and 22:45 UTC: past 8 in both, not in Tokyo.
    assert send(at(DAY, 7, 45)) == []
    assert ledger(doctor) == set()

    [first] = send(at(DAY, 8, 0))
    assert first.to == [doctor.email]
    assert first.subject == "Your daily B12 digest: 3 patients to look at"
    # Named by the clinician's date: in New York and in UTC it is still 1 December.
    assert ledger(doctor) == {("2026-12-02", "sent")}

    assert send(at(DAY, 8, 15)) == []
    assert send(at(DAY, 23, 45)) == []
    [tomorrows] = send(at(DAY + timedelta(days=1), 8, 30))
    assert ledger(doctor) == {("2026-12-02", "sent"), ("2026-12-03", "sent")}
    assert tomorrows.subject == first.subject


def test_a_second_run_of_the_command_sends_nothing_and_says_so(doctor, team):
    first = run(at(DAY, 9))
    again = run(at(DAY, 9, 15))

    assert first.strip() == "Sent 1 digest; 0 with nothing to list; 0 already sent"
    assert again.strip() == "Sent 0 digests; 0 with nothing to list; 1 already sent"
    assert len(mail.outbox) == 1


def test_with_v0_the_command_prints_nothing(doctor, team):
    assert run(at(DAY, 9), "-v", "0") == ""
    assert len(mail.outbox) == 1


def test_a_weekly_digest_goes_on_its_weekday_only_once_that_week(doctor, team):
    DigestSettings.objects.filter(user=doctor).update(
        frequency="weekly", weekday=DigestSettings.Weekday.FRIDAY, send_hour=9
    )
    sent_on = {}
    for offset in range(-2, 5):  # Monday 30 November to Sunday 6 December
        day = DAY + timedelta(days=offset)
        sent_on[day.strftime("%a")] = [m.subject for m in send(at(day, 8, 59)) + send(at(day, 10))]

    assert sent_on == {
        "Mon": [],
        "Tue": [],
        "Wed": [],
        "Thu": [],
        "Fri": ["Your weekly B12 digest: 3 patients to look at"],
        "Sat": [],
        "Sun": [],
    }
    assert ledger(doctor) == {("2026-W49", "sent")}
    [next_week] = send(at(DAY + timedelta(days=9), 9))  # Friday 11 December
    assert "This week, these patients" in next_week.body
    assert ledger(doctor) == {("2026-W49", "sent"), ("2026-W50", "sent")}


def test_a_clinician_who_has_not_opted_in_gets_nothing(clinician, team):
    DigestSettings.objects.filter(user=clinician).update(frequency="off")
    assert send(at(DAY, 12)) == []
    assert not DigestSent.objects.exists()


# --- what it says --------------------------------------------------------------------------


def test_it_lists_alerts_overdue_and_lab_reviews_with_links_to_the_records(doctor, team):
    [message] = send(at(DAY, 8))

    assert listed(message) == {
        "Pat Patient": ("Allergy signs", record_url(team["pat"])),
        "Lara Labs": ("lab review due", record_url(team["lara"])),
        "Owen Overdue": ("overdue", record_url(team["owen"])),
    }
    # Those with an open alert first, then by name.
    assert list(listed(message)) == ["Pat Patient", "Lara Labs", "Owen Overdue"]
    text = body(message)
    assert text.startswith("Hello Dr Care,")
    assert "Today, these patients of your care team need a look:" in text
    assert f"- Pat Patient: Allergy signs\n  {record_url(team['pat'])}" in text
    assert f"- Lara Labs: lab review due\n  {record_url(team['lara'])}" in text
    assert f"- Owen Overdue: overdue\n  {record_url(team['owen'])}" in text
    assert SITE + ACCOUNT + "#digest" in text
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_it_gives_no_scores_notes_signs_or_doses(doctor, team):
    [message] = send(at(DAY, 8))

    everything = "\n".join([message.subject, message.body, message.alternatives[0][0]])
    assert NOTE not in everything
    for sign in ("Hives", "Swelling", "lips", "itchy"):
        assert sign.casefold() not in everything.casefold()
    for symptom in SymptomEntry.SYMPTOMS:
        assert symptom.casefold() not in everything.casefold()
    without_links = re.sub(r"""(href=")?https?://[^\s"]+"?""", " ", everything)
    assert not re.search(r"\b7\b", without_links)  # the scores
    assert "mcg" not in everything
    assert "Hydroxocobalamin" not in everything
    # Nor any date: the due date and the lab review stay on the record.
    assert "November" not in everything and "December" not in everything


def test_an_overdue_alert_is_raised_first_and_listed_with_overdue(doctor, patient):
    owen = cared_for(doctor, "Owen Overdue")
    regimen_due(owen, date(2026, 8, 1))  # every 3 months: over an interval late by December

    [message] = send(at(DAY, 8))

    assert Alert.objects.open().filter(patient=owen, kind=Alert.Kind.OVERDUE).count() == 1
    assert listed(message) == {
        "Owen Overdue": ("Overdue by more than one interval, overdue", record_url(owen))
    }


def test_urgent_alerts_come_first_and_each_kind_once(doctor, patient):
    open_alert(patient, Alert.Kind.EARLY_DOSE, key="a")
    open_alert(patient, Alert.Kind.EARLY_DOSE, key="b")
    open_alert(patient, Alert.Kind.SAME_DAY, key="c")

    [message] = send(at(DAY, 8))

    assert listed(message)["Pat Patient"][0] == "Same-day symptoms, Injection confirmed early"


def test_acknowledged_alerts_are_not_listed(doctor, team):
    alert = Alert.objects.get(patient=team["pat"])
    alerts.acknowledge(alert, doctor)

    [message] = send(at(DAY, 8))

    assert "Pat Patient" not in message.body
    assert set(listed(message)) == {"Lara Labs", "Owen Overdue"}


def test_only_the_clinicians_own_care_team_is_listed(doctor, team):
    elsewhere = CareTeamMembership.objects.get(patient=team["otto"]).clinician
    factories.DigestSettingsFactory(user=elsewhere)

    sent = {m.to[0]: m for m in send(at(DAY, 22, zone=NEW_YORK))}

    assert "Otto Elsewhere" not in sent[doctor.email].body
    assert set(listed(sent[elsewhere.email])) == {"Otto Elsewhere"}


def test_a_patient_due_today_in_their_own_zone_is_not_overdue(doctor, patient):
    # 8:00 in Tokyo on 2 December is still 1 December in New York: due that day, not late.
    regimen_due(patient, DAY - timedelta(days=1))

    assert send(at(DAY, 8)) == []
    assert ledger(doctor) == {("2026-12-02", "empty")}


def test_with_nothing_to_list_nothing_is_sent_and_the_day_is_not_looked_at_again(doctor, patient):
    assert run(at(DAY, 8)).strip() == "Sent 0 digests; 1 with nothing to list; 0 already sent"
    assert ledger(doctor) == {("2026-12-02", "empty")}

    open_alert(patient)  # later that day: on the triage list now, in tomorrow's digest
    assert send(at(DAY, 12)) == []
    [tomorrows] = send(at(DAY + timedelta(days=1), 8))
    assert set(listed(tomorrows)) == {"Pat Patient"}


# --- failures, dry runs, and the reminders' command --------------------------------------------


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_a_failed_email_leaves_no_claim_and_is_sent_by_the_next_run(doctor, team, settings):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"

    with pytest.raises(CommandError, match="1 digest could not be sent"):
        run(at(DAY, 8))

    assert ledger(doctor) == {("2026-12-02", "failed")}
    assert "SMTPServerDisconnected" in DigestSent.objects.get().error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run(at(DAY, 8, 15)).strip() == "Sent 1 digest; 0 with nothing to list; 0 already sent"
    run(at(DAY, 8, 30))

    assert len(mail.outbox) == 1
    row = DigestSent.objects.get()
    assert (row.period, row.status, row.error, row.patients) == ("2026-12-02", "sent", "", 3)


def test_a_dry_run_says_what_would_go_and_changes_nothing(doctor, team):
    output = run(at(DAY, 8), "--dry-run")

    assert output.splitlines() == [
        f"Would email {doctor.email} the 2026-12-02 digest: 3 patients",
        "Would send 1 digest; 0 with nothing to list; 0 already sent",
    ]
    assert mail.outbox == []
    assert not DigestSent.objects.exists()


def test_a_dry_run_raises_no_overdue_alert(doctor, patient):
    regimen_due(patient, date(2026, 8, 1))

    run(at(DAY, 8), "--dry-run")

    assert not Alert.objects.exists()


def test_send_reminders_raises_overdue_alerts_too(patient, clinician):
    regimen_due(patient, date(2026, 8, 1))
    moment = at(DAY, 12, zone=NEW_YORK)

    with frozen(moment):
        result = send_due_reminders(now=moment)
        again = send_due_reminders(now=moment)

    assert (result.alerts_raised, again.alerts_raised) == (1, 0)
    alert = Alert.objects.open().get(patient=patient)
    assert (alert.kind, alert.details) == (Alert.Kind.OVERDUE, {"due": "2026-08-01"})
    # The clinician's triage list puts the patient first.
    assert CareTeamMembership.objects.get(patient=patient, clinician=clinician).needs_attention


# --- bounded SQL -------------------------------------------------------------------------


@pytest.mark.parametrize("patients", [1, 10])
def test_a_digest_takes_the_same_queries_for_one_patient_or_ten(
    doctor, patients, django_assert_num_queries
):
    for n in range(patients):
        person = cared_for(doctor, f"Patient {n}")
        regimen_due(person, DAY - timedelta(days=3), lab_review=DAY - timedelta(days=1))
        open_alert(person)
    moment = at(DAY, 8)

    with frozen(moment), django_assert_num_queries(9):
        # 1. the regimens that may be overdue by an interval (doses/alerts.py: none are);
        # 2. the clinicians who chose a digest; 3. the ledger rows of their periods;
        # then for Dr Care: 4. the open alerts of the care team; 5. its active regimens
        # overdue or due a lab review; 6-8. the claim, an INSERT in its own savepoint;
        # 9. the UPDATE marking it sent.
        send_digests(now=moment)

    [message] = mail.outbox
    assert len(listed(message)) == patients


# --- two runs at once (PostgreSQL) -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (run by CI's second pass)"
)
def test_two_runs_at_once_send_each_clinician_exactly_one_digest():
    """Two servers' cron run `send_digest` at the same moment: both find every period
    unsent, the unique ledger row lets one claim each, and each clinician gets one email.
    Each care team also has a patient overdue by more than an interval, so that both runs
    race to raise the same overdue alerts first."""
    doctors = []
    for n in range(6):
        doctor = factories.ClinicianFactory(name=f"Dr {n}", time_zone="Asia/Tokyo")
        factories.DigestSettingsFactory(user=doctor, send_hour=8)
        open_alert(cared_for(doctor, f"Alert Patient {n}"))
        regimen_due(cared_for(doctor, f"Overdue Patient {n}"), DAY - timedelta(days=120))
        doctors.append(doctor)

    def cron(i):
        call_command("send_digest", stdout=StringIO())
        return "ok"

    # The clock stands still for both threads (it is the process's clock).
    with frozen(at(DAY, 9)):
        outcomes = at_once(2, cron)

    assert outcomes == ["ok", "ok"]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(d.email for d in doctors)
    for message in mail.outbox:
        assert message.subject == "Your daily B12 digest: 2 patients to look at"
    assert set(DigestSent.objects.values_list("user_id", "period", "status")) == {
        (d.pk, "2026-12-02", "sent") for d in doctors
    }
    assert DigestSent.objects.count() == len(doctors)
    assert Alert.objects.open().filter(kind=Alert.Kind.OVERDUE).count() == len(doctors)
