"""Without JavaScript, on a 360 px phone: the menu is a list of links (with Sign out), the
check-in sliders show their values and scale, and "Skip to content" leads to the page."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import TIMEOUT_MS


@pytest.fixture
def no_script(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_a_patient_finds_their_way_and_signs_out_without_javascript(
    no_script, live_server, patient
):
    page = no_script
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", patient.email)
    page.fill("#id_password", factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")

    # No menu button that would need a script: the links are there to tap.
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    menu = page.get_by_role("navigation")
    menu.get_by_role("link", name="Labs").click()
    expect(page).to_have_url(f"{live_server.url}/labs/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    menu.get_by_role("link", name="Check in").click()
    expect(page).to_have_url(f"{live_server.url}/checkins/new/")
    first = page.locator("output.score-value").first
    expect(first).to_be_visible()
    expect(first).to_have_text("0")
    expect(page.get_by_test_id("scale").first).to_contain_text("10 worst imaginable")

    # The first Tab lands on "Skip to content", which is then shown and leads to <main>.
    page.keyboard.press("Tab")
    skip = page.get_by_test_id("skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/checkins/new/#content")

    menu.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}/labs/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/labs/")
