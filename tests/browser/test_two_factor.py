"""Two-step sign-in in a real browser: a clinician (whose role requires it) signs in, is sent
to add an authenticator app, scans nothing but types the key shown (the test computes the
app's code from it, as an app would), keeps the recovery codes, and the next sign-in asks for
a code before the triage list."""

import base64

from django_otp.oath import totp
from playwright.sync_api import expect

from tests import factories
from tests.browser.a11y import axe_violations, describe_violations


def app_code(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for this key now (or that many 30-second steps on)."""
    key = base64.b32decode(secret.replace(" ", ""))
    return f"{totp(key, drift=steps_ahead):06d}"


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_clinician_adds_an_app_then_signs_in_with_its_code(
    page, live_server, clinician, settings
):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["clinician", "admin"]
    sign_in(page, live_server, clinician.email)
    expect(page.get_by_role("heading", name="Turn on two-step sign-in")).to_be_visible()
    expect(page.get_by_text("Your role sees many patients' records")).to_be_visible()
    # The QR code is drawn: the CSP lets the data: image load.
    qr = page.get_by_test_id("qr-code")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.decode().then(() => img.naturalWidth > 0)")
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)

    # Nothing else opens before the app is added.
    page.goto(f"{live_server.url}/accounts/settings/")
    expect(page.get_by_role("heading", name="Turn on two-step sign-in")).to_be_visible()

    secret = page.get_by_test_id("secret").inner_text()
    page.get_by_label("Code").fill("000000" if app_code(secret) != "000000" else "111111")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("That code is not right.")).to_be_visible()

    page.wait_for_timeout(1100)  # the one-second pause after a wrong code
    page.get_by_label("Code").fill(app_code(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Two-step sign-in is on")).to_be_visible()
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    page.get_by_test_id("codes-saved").click()  # on to the page asked for
    expect(page).to_have_url(f"{live_server.url}/accounts/settings/")
    expect(page.get_by_test_id("two-factor-card")).to_contain_text("Your role requires it.")
    page.goto(f"{live_server.url}/")
    expect(page.get_by_text("Pat Patient").first).to_be_visible()  # the triage list

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, clinician.email)
    expect(page.get_by_text("Enter the 6-digit code")).to_be_visible()
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    # The code just used is spent; the app's next one is accepted (one step of tolerance).
    page.get_by_label("Code").fill(app_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_text("Pat Patient").first).to_be_visible()
