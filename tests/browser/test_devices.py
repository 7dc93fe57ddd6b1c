"""A patient keeps a phone signed in, sees it under "Signed-in devices" and signs out
everywhere else from another browser."""

from playwright.sync_api import expect

from tests import factories


def sign_in_kept(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", factories.PASSWORD)
    page.get_by_label("Keep me signed in on this device").check()
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")


def test_a_kept_device_is_listed_and_signed_out_from_elsewhere(page, browser, live_server, patient):
    other = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        phone = other.new_page()
        sign_in_kept(phone, live_server, patient.email)
        cookie = next(c for c in other.cookies() if c["name"] == "sessionid")
        assert cookie["expires"] > 0  # a lasting cookie, not one that ends with the browser

        sign_in_kept(page, live_server, patient.email)
        page.goto(f"{live_server.url}/accounts/settings/")
        page.get_by_test_id("devices-link").click()
        expect(page.get_by_role("heading", name="Signed-in devices")).to_be_visible()
        expect(page.get_by_test_id("device")).to_have_count(2)
        expect(page.get_by_test_id("this-device")).to_have_count(1)
        expect(page.get_by_test_id("devices")).to_contain_text("Kept signed in")

        page.get_by_test_id("sign-out-everywhere").click()
        expect(page.get_by_text("Signed out on 1 other device.")).to_be_visible()
        expect(page.get_by_test_id("device")).to_have_count(1)

        phone.goto(f"{live_server.url}/accounts/settings/")
        expect(phone).to_have_url(f"{live_server.url}/accounts/login/?next=/accounts/settings/")
    finally:
        other.close()
