"""A clinician's journey in a real browser: the triage list, tightening a patient's maintenance
interval (and the patient seeing the new date), and the printable report printed to PDF.

Dates are never hard-coded: regimens are built relative to each patient's today, and the dates
expected are computed with the schedule rules (shared/reference/schedule.md). Patients, the
clinician and the server (UTC) sit in different time zones on purpose.
"""

import io
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from regimens import adherence
from regimens.models import RegimenChange
from tests import factories
from tests.browser.conftest import TIMEOUT_MS, VIEWPORT, login

CLINICIAN_ZONE = "Europe/London"


def long_date(day: date) -> str:
    """A date as the record, the home page and the messages write it: "Monday 2 March 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def list_date(day: date) -> str:
    """Django's "D j M Y", as lists write dates: "Mon 2 Mar 2026"."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def report_date(day: date) -> str:
    """Django's "j M Y", as the report writes dates: "2 Mar 2026"."""
    return f"{day.day} {day:%b %Y}"


def printed(date_text: str, text: str) -> bool:
    """Whether `text` shows `date_text` as a whole date: "2 Nov 2026" is not in "12 Nov 2026"."""
    return re.search(rf"(?<!\d){re.escape(date_text)}", text) is not None


def local_day(moment, user) -> date:
    """Rule 1: a timestamp's calendar date in `user`'s zone."""
    return timezone.localtime(moment, user.zone).date()


def pdf_text(data: bytes) -> str:
    """The PDF's text, whitespace collapsed so that table cells read as one line."""
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() or "" for page in pages).split())


@pytest.fixture
def doctor(db):
    return factories.ClinicianFactory(
        name="Dr Care", email="care@example.org", time_zone=CLINICIAN_ZONE
    )


def care_team_patient(doctor, name: str, email: str, zone: str):
    patient = factories.PatientFactory(name=name, email=email, time_zone=zone)
    factories.CareTeamFactory(patient=patient, clinician=doctor)
    return patient


def in_maintenance(patient, last_day: date):
    """A US-practice regimen given entirely on time (7 daily, 4 weekly doses at 09:00 local),
    whose first every-4-weeks maintenance dose was given on `last_day` at 23:00 local: the
    next calendar day in UTC, so a date taken in the wrong zone would show."""
    start = last_day - timedelta(days=62)
    regimen = factories.regimen_for(patient, start)
    for n in range(7):
        factories.give(regimen, start + timedelta(days=n))
    for week in range(1, 5):
        factories.give(regimen, start + timedelta(days=6 + 7 * week))
    assert regimen.next_due == last_day  # maintenance starts 4 weeks after the last weekly dose
    factories.give(regimen, last_day, hour=23)
    assert regimen.current_phase.label == "Every 4 weeks"
    return regimen


def test_triage_then_tighten_maintenance_interval(page, browser, live_server, doctor):
    # Alphabetical order (Milo, Nina, Oscar, Wendy) is not the order expected.
    late = care_team_patient(doctor, "Wendy Late", "wendy@example.org", "Australia/Sydney")
    steady = care_team_patient(doctor, "Milo Steady", "milo@example.org", "America/Los_Angeles")
    unstarted = care_team_patient(doctor, "Nina Unstarted", "nina@example.org", "Europe/Berlin")
    elsewhere = factories.PatientFactory(name="Oscar Elsewhere", email="oscar@example.org")
    factories.CareTeamFactory(patient=elsewhere)  # another clinician's patient
    factories.regimen_for(elsewhere, elsewhere.today() - timedelta(days=30))  # would sort first

    # Wendy: three daily doses, then nothing for five days.
    late_regimen = factories.regimen_for(late, late.today() - timedelta(days=8))
    for n in range(3):
        factories.give(late_regimen, late_regimen.start_date + timedelta(days=n))
    late_days = (late.today() - late_regimen.next_due).days
    assert late_days == 5
    # Milo: in maintenance, last dose 24 days ago, so due in 4 days every 4 weeks.
    regimen = in_maintenance(steady, steady.today() - timedelta(days=24))
    last_dose = regimen.doses.order_by("-administered_at").first()
    last_day = local_day(last_dose.administered_at, steady)
    assert regimen.next_due == last_day + timedelta(weeks=4)
    assert (regimen.next_due - steady.today()).days == 4

    login(page, live_server, doctor.email)
    expect(page.get_by_role("heading", name="My patients")).to_be_visible()
    rows = page.get_by_test_id("triage-row")
    expect(rows.locator("td:first-child a")).to_have_text([late.name, steady.name, unstarted.name])
    expect(page.get_by_text(elsewhere.name)).to_have_count(0)
    expect(rows.nth(0).get_by_test_id("triage-status")).to_have_text(f"{late_days} days late")
    expect(rows.nth(0)).to_contain_text("Overdue")  # the flag
    expect(rows.nth(1).get_by_test_id("triage-status")).to_have_text("in 4 days")
    expect(rows.nth(2).get_by_test_id("triage-status")).to_have_count(0)
    expect(rows.nth(2)).to_contain_text("No active regimen")

    rows.nth(1).get_by_role("link", name=steady.name).click()
    record_url = f"{live_server.url}/patients/{steady.pk}/"
    expect(page).to_have_url(record_url)
    expect(page.get_by_role("heading", name=steady.name, level=1)).to_be_visible()
    expect(page.get_by_test_id("record-next-due")).to_have_text(long_date(regimen.next_due))
    timeline = page.get_by_test_id("timeline").locator("li")
    # The record reads in Milo's zone: the 23:00 dose is on his day, not London's or UTC's.
    expect(timeline.and_(page.locator("[data-kind=given]")).first).to_contain_text(
        f"{list_date(last_day)}, 23:00"
    )

    maintenance_row = page.get_by_test_id("phases").get_by_role("row").filter(has_text="current")
    expect(maintenance_row).to_contain_text("Every 4 weeks")
    expect(maintenance_row).to_contain_text("every 4 weeks")
    maintenance_row.get_by_role("link", name="Change").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change “Every 4 weeks” from now on")
    expect(page.locator("#id_schedule_unit")).to_have_value("week")
    every = page.get_by_label("Every", exact=True)
    expect(every).to_have_value("4")
    every.fill("2")
    page.get_by_label("Why").fill("B12 still low on every 4 weeks")
    page.get_by_role("button", name="Preview the due dates").click()
    expect(page.get_by_test_id("change-preview")).to_contain_text("After this change")
    page.get_by_role("button", name="Save change").click()

    # Rule 7: from the last injection (its date in Milo's zone) with the new schedule.
    expected = last_day + timedelta(days=14)
    late_now = (steady.today() - expected).days
    assert late_now == 10
    expect(page).to_have_url(record_url)
    expect(page.get_by_role("status")).to_have_text(
        "Phase changed from now on (Maintenance: every 2 weeks)."
        f" Next injection due {long_date(expected)}."
    )
    expect(page.get_by_test_id("record-next-due")).to_have_text(long_date(expected))
    expect(page.locator("p", has=page.get_by_test_id("record-next-due"))).to_contain_text(
        f"{late_now} days late"
    )
    expect(maintenance_row).to_contain_text("every 2 weeks")
    expect(timeline.first).to_contain_text("Regimen · Phase changed · Maintenance: every 2 weeks")
    expect(timeline.first).to_contain_text(
        "schedule every 4 → 2; label Every 4 weeks → Maintenance: every 2 weeks"
        " · “B12 still low on every 4 weeks” by Dr Care"
    )
    change = RegimenChange.objects.get(regimen=regimen, kind=RegimenChange.Kind.PHASE_CHANGED)
    assert change.by == doctor
    assert change.reason == "B12 still low on every 4 weeks"
    assert (change.old_values, change.new_values) == (
        {"schedule_every": 4, "label": "Every 4 weeks"},
        {"schedule_every": 2, "label": "Maintenance: every 2 weeks"},
    )
    regimen.refresh_from_db()
    assert regimen.next_due == expected

    # Milo is now the most overdue: the list follows at once.
    page.get_by_role("link", name="B12 log").click()
    expect(rows.locator("td:first-child a")).to_have_text([steady.name, late.name, unstarted.name])
    expect(rows.nth(0).get_by_test_id("triage-status")).to_have_text(f"{late_now} days late")

    # Milo signs in on his own device and sees the same date.
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        own = context.new_page()
        script_errors = []
        own.on("pageerror", lambda error: script_errors.append(error))
        login(own, live_server, steady.email)
        expect(own.get_by_test_id("next-due")).to_have_text(long_date(expected))
        expect(own.get_by_test_id("next-status")).to_have_text(f"{late_now} days late")
        upcoming = own.get_by_test_id("upcoming").locator("li")
        expect(upcoming.nth(0)).to_contain_text(list_date(expected))
        expect(upcoming.nth(1)).to_contain_text(list_date(expected + timedelta(weeks=2)))
        assert not script_errors, script_errors
    finally:
        context.close()

    # Rule 1 on the clinician's list too: Milo's last injection is on his calendar day, as on
    # his record and his home page (23:00 in Los Angeles is already the next day in London).
    last_injection = rows.nth(0).locator('td[data-label="Last injection"]')
    expect(last_injection.locator("time")).to_have_text(report_date(last_day))


@pytest.fixture
def reported(doctor):
    """A patient (Los Angeles) with a US-practice regimen begun 20 days ago: seven daily doses
    on time, the first weekly dose two days late; check-ins and labs inside and outside the
    range the report is asked for (days 3 to 6 of the regimen). The doses on days 2 and 6 are
    at 23:00, the next day in UTC and in London: one just outside the range, one just in."""
    patient = care_team_patient(doctor, "Rita Report", "rita@example.org", "America/Los_Angeles")
    start = patient.today() - timedelta(days=20)
    regimen = factories.regimen_for(patient, start)
    days = [start + timedelta(days=n) for n in range(7)] + [start + timedelta(days=15)]
    first, last = start + timedelta(days=3), start + timedelta(days=6)
    late_evening = (first - timedelta(days=1), last)
    doses = [factories.give(regimen, day, hour=23 if day in late_evening else 9) for day in days]

    def checkin(day, fatigue):
        at = factories.at(patient, day, 20)
        return factories.SymptomEntryFactory(
            patient=patient,
            recorded_at=at,
            phase_id=regimen.phase_id_at(at),  # as the check-in form keeps it
            fatigue=fatigue,
            tingling=4,
            numbness=1,
            balance=2,
            memory=3,
            mood=5,
            side_effects=["Headache"],
        )

    def lab(day, value, unit):
        return factories.LabResultFactory(
            patient=patient, taken_on=day, value=value, unit=unit, recorded_by=doctor
        )

    return {
        "patient": patient,
        "regimen": regimen,
        "doses": doses,
        "first": first,
        "last": last,
        "checkins": (checkin(start + timedelta(days=4), 8), checkin(start + timedelta(days=14), 2)),
        "labs": (
            lab(start + timedelta(days=5), 250, "pmol/L"),
            lab(start - timedelta(days=10), 120, "pg/mL"),
        ),
    }


def test_printable_report_prints_the_range_without_controls(page, live_server, doctor, reported):
    patient, regimen = reported["patient"], reported["regimen"]
    first, last = reported["first"], reported["last"]
    result = adherence.adherence(
        regimen.start_date, regimen.phase_rules(), regimen.events(), patient.today()
    )
    assert (result.given, result.on_time, result.late) == (8, 7, 1)  # the setup is as claimed

    login(page, live_server, doctor.email)
    page.get_by_role("link", name=patient.name).click()
    page.get_by_role("link", name="Printable report").click()
    report_url = f"{live_server.url}/patients/{patient.pk}/report/"
    expect(page).to_have_url(report_url)
    page.fill("#id_first", first.isoformat())
    page.fill("#id_last", last.isoformat())
    page.get_by_role("button", name="Update").click()
    expect(page).to_have_url(f"{report_url}?first={first.isoformat()}&last={last.isoformat()}")
    expect(page.get_by_test_id("report-range")).to_contain_text(
        f"{report_date(first)} to {report_date(last)}"
    )

    page.emulate_media(media="print")
    expect(page.get_by_role("navigation")).to_have_count(0)  # hidden for print
    expect(page.get_by_role("button")).to_have_count(0)
    expect(page.locator(".btn:visible")).to_have_count(0)
    text = pdf_text(page.pdf(format="A4", print_background=True))

    assert f"B12 injection report: {patient.name}" in text
    assert f"{report_date(first)} to {report_date(last)}" in text
    assert regimen.name in text
    assert f"times in {patient.time_zone}" in text
    for dose in reported["doses"]:  # in the patient's zone, whoever reads it (rule 1)
        shown = timezone.localtime(dose.administered_at, patient.zone)
        line = f"{report_date(shown.date())}, {shown:%H:%M}"
        if first <= shown.date() <= last:
            product = "Cyanocobalamin, 1000 mcg/mL"
            assert f"{line} Given 1000 mcg {product} – Left deltoid Intramuscular" in text
        else:
            assert not printed(line, text)
    inside, outside = reported["checkins"]
    day = report_date(local_day(inside.recorded_at, patient))
    assert f"{day} {inside.phase.label} 8 4 1 2 3 5 Headache" in text  # with its phase then
    assert not printed(report_date(local_day(outside.recorded_at, patient)), text)
    # Adherence counts the days of the range only (regimens/adherence.py).
    ranged = adherence.adherence(
        regimen.start_date, regimen.phase_rules(), regimen.events(), patient.today(), first, last
    )
    assert ranged.given < result.given
    percent = round(100 * ranged.on_time / ranged.given)
    assert f"On time {ranged.on_time} of {ranged.given} ({percent}%)" in text
    for control in ("Sign out", "Update", "Printable report", "Dr Care", "B12 log", "Change"):
        # the navigation bar and buttons ("Changes to the plan" is a heading)
        assert not re.search(rf"\b{control}\b", text), f"{control!r} printed"

    in_range, before = reported["labs"]
    assert not printed(report_date(before.taken_on), text)
    # As the lab wrote it, and in the canonical unit (250 x 1.355 pg/mL per pmol/L).
    assert (
        f"{report_date(in_range.taken_on)} Serum vitamin B12 (cobalamin) 250 pmol/L 338.75 pg/mL"
        in text
    )
