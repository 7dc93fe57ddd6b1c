"""Sign-up, invitations and deleting an account in a real browser: the time zone filled in
from the browser's own, the emailed links opened as a person would (read from the test
outbox), and each ending where the person expects."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from accounts import invitations
from accounts.models import CareTeamMembership, User
from tests import factories
from tests.browser.a11y import axe_violations, describe_violations
from tests.browser.conftest import TIMEOUT_MS, VIEWPORT, login
from tests.browser.test_phone_width import PHONE

PASSWORD = "quiet-meadow-harbour-17"


@pytest.fixture
def paris_page(browser):
    """A browser whose own time zone is Europe/Paris."""
    context = browser.new_context(viewport=VIEWPORT, timezone_id="Europe/Paris")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(error))
    yield tab
    context.close()
    assert not errors, f"uncaught script errors in the page: {errors}"


def emailed_link(live_server, address: str, pattern: str) -> str:
    [message] = [m for m in mail.outbox if address in m.to]
    found = re.search(rf"http\S+{pattern}\S*", message.body).group(0)
    return live_server.url + urlsplit(found).path


def test_sign_up_open_the_emailed_link_and_land_home_signed_in(paris_page, live_server):
    page = paris_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    # The browser's zone is filled in by static/js/timezone.js.
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Paris")
    page.get_by_label("Your name").fill("Sam Signup")
    page.get_by_label("Email address").fill("sam@example.org")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_test_id("signup-sent")).to_contain_text("We have sent an email")

    page.goto(emailed_link(live_server, "sam@example.org", "/accounts/verify/"))
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="No active regimen")).to_be_visible()
    expect(page.locator(".navbar-text")).to_contain_text("Sam Signup · Europe/Paris")
    user = User.objects.get(email="sam@example.org")
    assert user.is_active and user.time_zone == "Europe/Paris"


def test_a_clinician_invites_and_the_patient_joins_from_the_link(paris_page, page, live_server):
    doctor = factories.ClinicianFactory(name="Dr Inviter", email="inviter@example.org")
    login(page, live_server, doctor.email)
    page.get_by_role("link", name="Invite a patient").click()
    page.get_by_label("Patient's name").fill("Nia Newcomer")
    page.get_by_label("Patient's email address").fill("nia@example.org")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_test_id("invitation-status")).to_have_text("Waiting")

    patient_tab = paris_page
    patient_tab.goto(emailed_link(live_server, "nia@example.org", "/accounts/invitation/"))
    expect(patient_tab.get_by_test_id("invitation-intro")).to_contain_text("Dr Inviter")
    expect(patient_tab.get_by_label("Your name")).to_have_value("Nia Newcomer")
    expect(patient_tab.get_by_label("Time zone")).to_have_value("Europe/Paris")
    patient_tab.locator("#id_password1").fill(PASSWORD)
    patient_tab.locator("#id_password2").fill(PASSWORD)
    patient_tab.get_by_role("button", name="Create my account").click()
    expect(patient_tab).to_have_url(f"{live_server.url}/")
    expect(patient_tab.get_by_role("status")).to_contain_text("Dr Inviter is on your care team")

    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("triage-row")).to_contain_text("Nia Newcomer")
    page.goto(f"{live_server.url}/accounts/invitations/")
    expect(page.get_by_test_id("invitation-status")).to_have_text("Accepted")
    membership = CareTeamMembership.objects.get(clinician=doctor)
    assert membership.source == CareTeamMembership.Source.INVITATION


def test_a_patient_deletes_their_account(page, live_server, patient):
    login(page, live_server, patient.email)
    page.get_by_role("link", name="My account").click()
    page.get_by_role("link", name="Delete my account…").click()
    expect(page.get_by_test_id("what-is-deleted")).to_contain_text("every injection")
    page.get_by_label("Your password").fill("not-my-password")
    page.get_by_role("button", name="Delete my account for good").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("That is not your password")
    assert User.objects.filter(pk=patient.pk).exists()

    page.get_by_label("Your password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Delete my account for good").click()
    expect(page.get_by_test_id("account-deleted")).to_be_visible()
    assert not User.objects.filter(pk=patient.pk).exists()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_the_new_pages_fit_a_phone_and_pass_axe(browser, live_server, patient):
    """At 360 px nothing scrolls sideways, and axe-core finds nothing serious."""
    doctor = factories.ClinicianFactory(name="Dr Inviter", email="inviter@example.org")
    invitations.invite(doctor, name="Nia Newcomer", email="nia.long.address@example.org")
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    link = emailed_link(live_server, "nia.long.address@example.org", "/accounts/invitation/")
    invitation = urlsplit(link).path
    visits = {
        None: [reverse("signup"), reverse("signup_sent"), reverse("signup_resend"), invitation],
        doctor: [reverse("invite_patient"), reverse("account_settings"), reverse("delete_account")],
        patient: [reverse("account_settings"), reverse("delete_account")],
    }
    try:
        for user, paths in visits.items():
            if user is not None:
                login(tab, live_server, user.email)
            for path in paths:
                assert tab.goto(live_server.url + path).ok, path
                width = tab.evaluate("document.documentElement.scrollWidth")
                assert width <= PHONE["width"], (path, width)
                violations = axe_violations(tab)
                assert not violations, f"{path}\n{describe_violations(violations)}"
            if user is not None:
                tab.get_by_role("button", name="Menu").click()
                tab.get_by_role("button", name="Sign out").click()
    finally:
        context.close()
