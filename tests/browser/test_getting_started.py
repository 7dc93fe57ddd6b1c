"""A newcomer's whole first visit, in Chromium at phone width: sign up, open the emailed link,
set up their injections from their prescription, and log the first one from the home. axe-core
checks each page of the way (the setup steps are reached only this way)."""

from datetime import timedelta

from playwright.sync_api import expect

from accounts.models import User
from doses.models import DoseLog
from regimens.models import Regimen
from tests import factories
from tests.browser.a11y import axe_violations, describe_violations
from tests.browser.test_setup_flow import PHONE, fits_a_phone, long_date
from tests.browser.test_signup_and_invitation import PASSWORD, emailed_link

EMAIL = "nell.newcomer@example.org"


def looks_right(page) -> None:
    """Fits the phone, and nothing serious or critical for axe."""
    fits_a_phone(page)
    found = axe_violations(page)
    assert not found, f"{page.url}:\n{describe_violations(found)}"


def test_from_sign_up_to_the_first_injection_logged(page, live_server):
    template = factories.template(factories.US_TEMPLATE)
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    looks_right(page)
    page.get_by_label("Your name").fill("Nell Newcomer")
    page.get_by_label("Email address").fill(EMAIL)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    looks_right(page)
    assert not User.objects.get(email=EMAIL).is_active  # not before the address is proven

    page.goto(emailed_link(live_server, EMAIL, "/accounts/verify/"))
    expect(page.get_by_role("heading", name="Confirm your email address")).to_be_visible()
    looks_right(page)  # the link only asks: a mail filter opening it uses nothing up
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    patient = User.objects.get(email=EMAIL)
    assert patient.is_active and patient.role == User.Role.PATIENT
    looks_right(page)

    page.get_by_role("link", name="Set up my injections").click()
    expect(page.get_by_role("heading", name="Choose your plan")).to_be_visible()
    looks_right(page)
    page.get_by_label(template.name).check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Check each phase")).to_be_visible()
    looks_right(page)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Your medicine and start date")).to_be_visible()
    looks_right(page)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Have you already started?")).to_be_visible()
    looks_right(page)
    page.get_by_label("No: my first injection of this plan is still to come").check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Review and save")).to_be_visible()
    looks_right(page)
    page.get_by_role("button", name="Save").click()

    today = patient.today()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("next-due")).to_have_text(long_date(today))
    looks_right(page)

    # One tap to the prefilled form, one to save.
    page.locator("main").get_by_role("link", name="Log injection").click()
    expect(page.get_by_role("button", name="Save injection")).to_be_visible()
    looks_right(page)
    page.get_by_role("button", name="Save injection").click()

    next_due = long_date(today + timedelta(days=1))
    expect(page.get_by_role("status")).to_contain_text(f"Next injection due {next_due}.")
    expect(page.get_by_test_id("next-due")).to_have_text(next_due)
    regimen = Regimen.objects.get(patient=patient)
    [dose] = DoseLog.objects.filter(regimen=regimen)
    assert dose.recorded_by == patient and dose.dose_mcg == 1000
    assert regimen.needs_confirmation  # entered by the patient: a clinician confirms it
