""" "Set up my injections" in a real browser, at phone width: from a new patient's home through
every step to the home showing the next injection, then logging that injection from the home.

Dates are never hard-coded: the plan starts on the patient's today, and the dates expected are
worked from the template's rules (daily for a week: the first is due on the start date, the
next one day after an injection).
"""

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from regimens.models import Regimen
from tests import factories
from tests.browser.conftest import login

PHONE = {"width": 360, "height": 740}


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def fits_a_phone(page) -> None:
    """Call once the page is known to be the new one (an expect on its heading): a click that
    navigates returns before the next document exists."""
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_new_patient_sets_up_their_injections_and_logs_the_first(
    page, live_server, patient, clinician
):
    template = factories.template(factories.US_TEMPLATE)
    today = patient.today()
    page.set_viewport_size(PHONE)
    login(page, live_server, patient.email)

    page.get_by_role("link", name="Set up my injections").click()
    expect(page.get_by_role("heading", name="Choose your plan")).to_be_visible()
    fits_a_phone(page)
    # Nothing chosen: the message shows beside the choice, and the step stays.
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_test_id("field-error")).to_have_text(
        "Choose the plan closest to your prescription."
    )
    page.get_by_label(template.name).check()
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", name="Check each phase")).to_be_visible()
    fits_a_phone(page)
    expect(page.locator("#id_phase-0-dose_mcg")).to_have_value("1000")
    # A daily phase asks "every how many", not which weekdays; an open-ended one no count.
    expect(page.locator("#id_phase-0-schedule_every")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Monday").first).to_be_hidden()
    expect(page.locator("#id_phase-2-end_value")).to_be_hidden()
    page.locator("#id_phase-0-dose_mcg").fill("20000")
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#id_phase-0-dose_mcg")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.get_by_text("Enter a dose from 1 to 10,000 mcg.")).to_be_visible()
    page.locator("#id_phase-0-dose_mcg").fill("1000")
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", name="Your medicine and start date")).to_be_visible()
    fits_a_phone(page)
    expect(page.get_by_label("Start date")).to_have_value(today.isoformat())
    expect(page.get_by_label("Strength (mcg per mL)")).to_have_value("1000")
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", name="Have you already started?")).to_be_visible()
    fits_a_phone(page)
    # The questions about earlier injections show only once the patient says they started.
    expect(page.get_by_label("Date of your last injection")).to_be_hidden()
    page.get_by_label("Yes: I have already had injections of this plan").check()
    expect(page.get_by_label("Date of your last injection")).to_be_visible()
    page.get_by_label("No: my first injection of this plan is still to come").check()
    expect(page.get_by_label("Date of your last injection")).to_be_hidden()
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", name="Review and save")).to_be_visible()
    fits_a_phone(page)
    upcoming = page.get_by_test_id("review-upcoming").locator("li")
    expect(upcoming.first).to_contain_text(long_date(today))
    expect(upcoming.nth(1)).to_contain_text(long_date(today + timedelta(days=1)))
    assert not Regimen.objects.filter(patient=patient).exists()  # nothing saved yet

    # Back to edit keeps what was entered, and the review comes back the same.
    page.get_by_role("link", name="Back to edit").click()
    expect(page.locator("#id_phase-0-dose_mcg")).to_have_value("1000")
    for _step in ("phases", "product", "started"):
        page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("next-due")).to_have_text(long_date(today))
    expect(page.get_by_test_id("entered-by-you")).to_have_text(
        "Entered by you; not yet confirmed by a clinician"
    )
    fits_a_phone(page)

    page.locator("main").get_by_role("link", name="Log injection").click()
    expect(page.locator("#id_dose_mcg")).to_have_value("1000")
    page.get_by_role("button", name="Save injection").click()

    expect(page).to_have_url(f"{live_server.url}/")
    next_due = long_date(today + timedelta(days=1))
    expect(page.get_by_role("status")).to_contain_text(f"Next injection due {next_due}.")
    expect(page.get_by_test_id("next-due")).to_have_text(next_due)
    regimen = Regimen.objects.get(patient=patient)
    assert regimen.next_due == today + timedelta(days=1)
    assert regimen.doses.count() == 1
