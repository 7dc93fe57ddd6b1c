"""A patient's journey in a real browser: home, log an injection, the dose form's live hints,
a symptom check-in, correcting, deleting and restoring a dose, and a double-clicked submit.

Dates are never hard-coded: each test builds its regimen relative to the patient's today and
computes the dates it expects with the schedule rules (regimens/schedule.py).
"""

import re
import time
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from doses.models import DoseLog, DoseLogVersion
from regimens import reference, schedule
from symptoms.models import SymptomEntry
from tests import factories
from tests.browser.conftest import TIMEOUT_MS, login


def long_date(day: date) -> str:
    """A date as the pages and messages write it: "Monday 2 March 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def short_datetime(moment: datetime) -> str:
    """Django's "j M Y, H:i": "2 Mar 2026, 14:05"."""
    return f"{moment.day} {moment:%b %Y, %H:%M}"


def history_datetime(moment: datetime) -> str:
    """Django's "D j M Y, H:i": "Mon 2 Mar 2026, 09:00"."""
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M}"


def expected_next_due(regimen, event_days: list[date]) -> date | None:
    """What the rules say is due after given doses on `event_days`."""
    events = [schedule.Event(day, schedule.GIVEN) for day in event_days]
    return schedule.replay(regimen.start_date, regimen.phase_rules(), events).next_due


def offered_sites(page) -> list[str]:
    """The site codes the site picker's radio list still shows."""
    return page.locator(".site-option:visible input[name=site]").evaluate_all(
        "radios => radios.map(r => r.value)"
    )


@pytest.fixture
def repletion_almost_done(patient):
    """A US-practice regimen started six days ago with six daily doses given (09:00 local):
    the seventh and last repletion dose is due today."""
    today = patient.today()
    regimen = factories.regimen_for(patient, today - timedelta(days=6))
    days = [regimen.start_date + timedelta(days=n) for n in range(6)]
    for day in days:
        factories.give(regimen, day)
    return regimen, days


def test_log_injection_moves_next_due_date(page, live_server, patient, repletion_almost_done):
    regimen, given_days = repletion_almost_done
    due_before = expected_next_due(regimen, given_days)
    assert due_before == patient.today()  # the setup is what the test claims

    login(page, live_server, patient.email)
    expect(page.get_by_test_id("next-due")).to_have_text(long_date(due_before))
    expect(page.get_by_test_id("next-status")).to_have_text("due today")
    expect(page.get_by_test_id("phase-badge")).to_have_text("Repletion")
    expect(page.get_by_test_id("suggested-site")).to_have_text("Right deltoid")

    page.locator("main").get_by_role("link", name="Log injection").click()
    expect(page).to_have_url(f"{live_server.url}/injections/log/")
    expect(page.locator("#id_dose_mcg")).to_have_value("1000")
    expect(page.locator("#id_route")).to_have_value("IM")
    # Every earlier dose went into the left deltoid: the least recently used site is next.
    expect(page.locator("#id_site_RD")).to_be_checked()
    expect(page.locator("#volume-ml")).to_have_text("1.00 mL")
    # "Now" in the patient's zone, to the minute.
    when = datetime.strptime(page.locator("#id_administered_at").input_value(), "%Y-%m-%dT%H:%M")
    local_now = timezone.localtime(timezone.now(), patient.zone).replace(tzinfo=None)
    assert timedelta(minutes=-2) < local_now - when < timedelta(minutes=2)

    page.get_by_role("button", name="Save injection").click()

    expect(page).to_have_url(f"{live_server.url}/")
    due_after = expected_next_due(regimen, [*given_days, when.date()])
    # The seventh dose ends repletion: the first weekly dose is due a week later.
    assert due_after == when.date() + timedelta(days=7)
    # The message offers to undo the injection just logged (tests/browser/test_dose_timing.py).
    expect(page.get_by_role("status")).to_have_text(
        f"Injection recorded. Next injection due {long_date(due_after)}. Undo"
    )
    expect(page.get_by_test_id("next-due")).to_have_text(long_date(due_after))
    expect(page.get_by_test_id("phase-badge")).to_have_text("Stabilization")
    expect(page.get_by_test_id("last-dose")).to_contain_text("1000 mcg · Right deltoid")


def test_dose_form_updates_volume_and_sites_live(page, live_server, patient):
    regimen = factories.regimen_for(patient, patient.today())
    login(page, live_server, patient.email)
    page.goto(f"{live_server.url}/injections/log/")

    volume = page.locator("#volume-ml")
    expect(volume).to_have_text("1.00 mL")
    for mcg in (500, 250, 1500):
        page.fill("#id_dose_mcg", str(mcg))
        expect(volume).to_have_text(f"{mcg / regimen.concentration_mcg_per_ml:.2f} mL")
    page.fill("#id_dose_mcg", "500")
    expect(volume).to_have_text("0.50 mL")
    page.fill("#id_dose_mcg", "")
    expect(volume).to_have_text("–")

    im_sites, sc_sites = reference.sites_for_route("IM"), reference.sites_for_route("SC")
    assert offered_sites(page) == im_sites
    expect(page.locator("#id_site_LD")).to_be_checked()

    page.select_option("#id_route", "SC")
    assert offered_sites(page) == sc_sites
    expect(page.locator("#id_site_LD")).to_be_hidden()
    expect(page.locator("#id_site_LLAQ")).to_be_visible()
    # The deltoid chosen for IM no longer fits: the route's suggested site is chosen instead.
    expect(page.locator("#id_site_LD")).not_to_be_checked()
    expect(page.locator("#id_site_LLAQ")).to_be_checked()

    page.select_option("#id_route", "IM")
    assert offered_sites(page) == im_sites


def test_checkin_sliders_side_effect_and_emergency_message(page, live_server, patient):
    # The weekly prompt is for a patient with a plan (a brand-new one is not asked yet).
    factories.regimen_for(patient, patient.today())
    login(page, live_server, patient.email)
    page.get_by_test_id("checkin-prompt").get_by_role("link", name="Check in now").click()
    expect(page).to_have_url(f"{live_server.url}/checkins/new/")

    scores = {"fatigue": 7, "tingling": 3, "numbness": 0, "balance": 2, "memory": 5, "mood": 10}
    for key, score in scores.items():
        page.fill(f"#id_{key}", str(score))
        expect(page.locator(f"#id_{key}-value")).to_have_text(str(score))
    page.get_by_label("Headache").check()

    emergency = page.get_by_test_id("emergency")
    expect(emergency).to_be_hidden()
    hives = page.get_by_label("Hives or widespread itchy rash")
    hives.check()
    expect(emergency).to_be_visible()  # at once, before anything is submitted
    # The message, the sign ticked and a tap-to-call link (tests/browser/test_checkin_alerts.py).
    expect(emergency).to_contain_text(reference.urgent("emergency"))
    hives.uncheck()
    expect(emergency).to_be_hidden()
    page.get_by_label("Trouble breathing or wheezing").check()
    expect(emergency).to_be_visible()
    page.fill("#id_note", "Tired after work")

    page.get_by_role("button", name="Save check-in").click()

    expect(page.get_by_role("status")).to_have_text("Check-in saved.")
    entry = SymptomEntry.objects.get(patient=patient)
    expect(page).to_have_url(f"{live_server.url}/checkins/{entry.pk}/")
    for item in reference.symptoms():
        header = page.get_by_role("rowheader", name=item["name"], exact=True)
        row = page.get_by_role("row").filter(has=header)
        expect(row.get_by_role("cell")).to_have_text(f"{scores[item['key']]} / 10")
    expect(page.locator("p", has_text="Side effects:")).to_have_text("Side effects: Headache")
    expect(page.locator("p", has_text="Note:")).to_have_text("Note: Tired after work")
    expect(page.get_by_test_id("emergency")).to_be_visible()
    assert entry.allergy_signs == ["breathing"]
    assert entry.total == sum(scores.values())


def test_correct_then_delete_and_undo(page, live_server, patient):
    regimen = factories.regimen_for(patient, patient.today() - timedelta(days=2))
    first = factories.give(regimen, regimen.start_date, hour=9)
    factories.give(regimen, regimen.start_date + timedelta(days=1), hour=9)
    first_at = timezone.localtime(first.administered_at, patient.zone)

    login(page, live_server, patient.email)
    page.get_by_role("navigation").get_by_role("link", name="History").click()
    item = page.get_by_test_id("timeline").locator("li").filter(has_text=history_datetime(first_at))
    item.get_by_role("link", name="Injection · 1000 mcg · Left deltoid").click()
    dose_url = f"{live_server.url}/injections/{first.pk}/"
    expect(page).to_have_url(dose_url)
    expect(page.get_by_text("No changes: this is the record as first entered.")).to_be_visible()

    page.get_by_role("link", name="Correct").click()
    expect(page.locator("#id_dose_mcg")).to_have_value("1000")
    page.fill("#id_dose_mcg", "500")
    expect(page.locator("#volume-ml")).to_have_text("0.50 mL")
    page.get_by_label("Why are you correcting it?").fill("Drew only half the syringe")
    page.get_by_role("button", name="Save correction").click()

    expect(page).to_have_url(dose_url)
    expect(page.get_by_role("status")).to_have_text(
        "Injection corrected. The previous version is kept below."
    )
    expect(page.get_by_test_id("dose-values")).to_contain_text("500 mcg (0.5 mL)")
    corrected = DoseLogVersion.objects.get(dose=first, change="corrected")
    changed_at = timezone.localtime(corrected.changed_at, patient.zone)
    versions = page.get_by_test_id("version")
    expect(versions).to_have_count(1)
    expect(versions.first).to_contain_text(
        f"Corrected by {patient.name} on {short_datetime(changed_at)}"
        " · “Drew only half the syringe”"
    )
    expect(versions.first).to_contain_text("Before: Status Given")
    expect(versions.first).to_contain_text("Dose 1000 mcg")

    page.fill("#id_reason", "Logged on the wrong day")
    page.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(dose_url)
    expect(page.get_by_role("status")).to_have_text(
        "Injection deleted. You can undo this from its page."
    )
    expect(page.get_by_test_id("deleted-banner")).to_be_visible()
    expect(page.get_by_role("link", name="Correct")).to_have_count(0)
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text(f"Deleted by {patient.name}")
    expect(versions.first).to_contain_text("“Logged on the wrong day”")
    expect(versions.first).to_contain_text("Dose 500 mcg")
    assert DoseLog.objects.get(pk=first.pk).deleted_at is not None

    page.get_by_role("button", name="Undo delete").click()
    expect(page).to_have_url(dose_url)
    expect(page.get_by_role("status")).to_have_text("Injection restored.")
    expect(page.get_by_test_id("deleted-banner")).to_have_count(0)
    expect(page.get_by_role("link", name="Correct")).to_be_visible()
    expect(versions).to_have_count(3)
    expect(versions.first).to_contain_text(f"Restored by {patient.name}")
    restored = DoseLog.objects.get(pk=first.pk)
    assert restored.deleted_at is None
    assert restored.dose_mcg == 500
    # The earlier version's time reads as the patient entered it: 09:00 in their own zone
    # (whatever the date format), not the UTC instant the database holds.
    expect(versions.last).to_contain_text(
        re.compile(rf"Time [^·]*\b{first_at.day}\b[^·]*\b{first_at:%H:%M}\b")
    )


def test_double_click_on_save_logs_one_injection(page, live_server, patient):
    regimen = factories.regimen_for(patient, patient.today() - timedelta(days=1))
    login(page, live_server, patient.email)
    page.goto(f"{live_server.url}/injections/log/")
    when = datetime.strptime(page.locator("#id_administered_at").input_value(), "%Y-%m-%dT%H:%M")

    page.get_by_role("button", name="Save injection").dblclick()

    expect(page).to_have_url(f"{live_server.url}/")
    time.sleep(0.3)  # let any request the browser abandoned finish on the server
    assert DoseLog.objects.filter(patient=patient).count() == 1
    expect(page.get_by_test_id("phase-progress")).to_contain_text("1 given")
    expect(page.get_by_test_id("next-due")).to_have_text(
        long_date(expected_next_due(regimen, [when.date()]))
    )


def test_second_click_while_first_save_is_in_flight_logs_one(page, live_server, patient):
    """Chromium folds a fast double click into one POST. On a slow connection the second click
    comes while the first answer is still on its way, and a second POST reaches the server:
    hold the first response back to get exactly that."""
    factories.regimen_for(patient, patient.today() - timedelta(days=1))
    login(page, live_server, patient.email)
    page.goto(f"{live_server.url}/injections/log/")
    held, posts = [], []

    def slow_network(route):
        if route.request.method != "POST":
            route.continue_()
            return
        posts.append(route.request.post_data)
        if held:
            route.continue_()
        else:  # the server answers the first one, but the browser does not hear back yet
            held.append(route.fetch(max_redirects=0))

    page.route("**/injections/log/", slow_network)
    # Raw mouse clicks: a locator would wait for the pending navigation to finish first.
    box = page.get_by_role("button", name="Save injection").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    deadline = time.monotonic() + TIMEOUT_MS / 1000  # the server may be busy with other tests
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(20)
    assert held, "the first submission never left the browser"
    page.mouse.click(x, y)

    expect(page).to_have_url(f"{live_server.url}/")
    assert len(posts) == 2 and posts[0] == posts[1]  # same form, same token, sent twice
    assert held[0].status == 302
    assert DoseLog.objects.filter(patient=patient).count() == 1
    expect(page.get_by_test_id("phase-progress")).to_contain_text("1 given")
