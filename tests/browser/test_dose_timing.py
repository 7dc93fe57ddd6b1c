"""In a real browser: an early injection is not saved until the patient confirms it, the saved
dose says so in the history, the message after logging undoes it, and a coming dose can be
skipped ahead with a reason from the list.

Dates are relative to the patient's today, and what is expected is worked out with the
schedule rules (regimens/schedule.py), never hard-coded.
"""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from doses.models import DoseLog
from tests import factories
from tests.browser.conftest import login


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


@pytest.fixture
def maintenance(patient):
    """The US course, every dose on its due date: seven daily, four weekly, the last of them
    nine days ago, so the first maintenance dose (every 4 weeks) is due in 19 days."""
    today = patient.today()
    regimen = factories.regimen_for(patient, today - timedelta(days=43))
    for _ in range(11):
        factories.give(regimen, regimen.next_due)
    assert regimen.next_due == today + timedelta(days=19)
    return regimen


def test_an_early_dose_is_confirmed_then_undone(page, live_server, patient, maintenance):
    due = maintenance.next_due
    login(page, live_server, patient.email)
    page.locator("main").get_by_role("link", name="Log injection").click()
    page.get_by_role("button", name="Save injection").click()

    warning = page.get_by_test_id("timing-warning")
    expect(warning).to_contain_text("This dose would be early")
    expect(warning).to_contain_text(f"The next injection is due {due:%A} {due.day} {due:%B}")
    assert DoseLog.objects.filter(patient=patient).count() == 11  # nothing saved yet

    # A double click on the confirm button still records one dose.
    warning.get_by_role("button", name="Yes, log this dose").dblclick()
    expect(page).to_have_url(f"{live_server.url}/")
    assert DoseLog.objects.filter(patient=patient).count() == 12
    new_due = patient.today() + timedelta(days=28)
    expect(page.get_by_test_id("next-due")).to_have_text(long_date(new_due))

    page.get_by_role("link", name="History").first.click()
    first = page.get_by_test_id("timeline").locator("li").first
    expect(first.get_by_test_id("timing-note")).to_have_text("confirmed early")

    page.goto(f"{live_server.url}/")
    page.locator("main").get_by_role("link", name="Log injection").click()
    page.get_by_role("button", name="Save injection").click()
    expect(page.get_by_test_id("timing-warning")).to_contain_text("second one that day")
    page.get_by_role("button", name="Yes, log this dose").click()
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("status").first).to_contain_text("Undone")
    expect(page.get_by_test_id("next-due")).to_have_text(long_date(new_due))
    assert DoseLog.objects.filter(patient=patient, deleted_at__isnull=True).count() == 12


def test_a_coming_dose_is_skipped_ahead(page, live_server, patient, maintenance):
    due = maintenance.next_due
    then = due + timedelta(days=28)
    login(page, live_server, patient.email)
    page.get_by_role("link", name="Skip the coming dose").click()
    expect(page.locator("h1")).to_have_text(f"Skip the coming dose due {long_date(due)}")
    expect(page.get_by_test_id("then-due")).to_contain_text(long_date(then))

    page.get_by_label("Away from home").check()
    page.get_by_role("button", name="Mark as skipped").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("next-due")).to_have_text(long_date(then))
    skipped = DoseLog.objects.get(patient=patient, status=DoseLog.Status.SKIPPED)
    assert skipped.skip_reason_text == "Away from home"
