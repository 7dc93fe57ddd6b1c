"""A pharmacist checks a vial label in a real browser: from their patient list to the patient's
page, where the photo really loads beside the prescription, a mismatch is first asked for its
note, and a verified label is marked so; the patient then sees who verified it."""

from datetime import timedelta

from playwright.sync_api import expect

from supplies import labels
from tests import factories
from tests.browser.conftest import login
from tests.supplies import images


def test_a_pharmacist_verifies_a_label_photo(page, live_server, patient):
    today = patient.today()
    factories.regimen_for(patient, today)
    supply = factories.add_supply(
        patient, expires_on=today + timedelta(days=300), received_on=today, lot_number="V-12"
    )
    labels.attach_photo(supply, patient, images.upload(images.picture("JPEG")))
    pharmacist = factories.PharmacistFactory(name="Phil Pharmacist", email="phil@example.org")
    factories.CareTeamFactory(patient=patient, clinician=pharmacist)

    login(page, live_server, pharmacist.email)
    expect(page.get_by_test_id("label-waiting")).to_have_text("A label awaits your check")
    page.get_by_role("link", name="Pat Patient").click()
    expect(page.get_by_test_id("label-plan")).to_contain_text("Volume to draw")
    row = page.get_by_test_id("label-row")
    expect(row).to_contain_text("lot V-12")
    photo = row.get_by_test_id("label-photo")
    # It really loads: decode() settles once the picture has arrived (and fails if it cannot).
    assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") == 64

    row.get_by_label("Does not match").check()
    row.get_by_role("button", name="Save verdict").click()
    expect(page.locator(".invalid-feedback")).to_have_text("Say what does not match.")
    page.get_by_role("link", name="Back to the patient").click()

    row = page.get_by_test_id("label-row")
    row.get_by_label("Verified against the prescription").check()
    row.get_by_label("Note").fill("Matches the box")
    row.get_by_role("button", name="Save verdict").click()
    expect(page.locator("main > [role=status]")).to_contain_text("Verdict saved")
    expect(page.get_by_test_id("label-verdict")).to_contain_text(
        "Verified against the prescription by Phil Pharmacist"
    )
    page.get_by_test_id("nav-my-patients").click()
    expect(page.get_by_test_id("pharmacy-row")).to_contain_text("Nothing to check")

    page.context.clear_cookies()
    login(page, live_server, patient.email)
    page.goto(f"{live_server.url}/supplies/{supply.pk}/label/")
    expect(page.get_by_test_id("label-verdict")).to_contain_text(
        "Verified against the prescription by Phil Pharmacist"
    )
    expect(page.get_by_test_id("label-verdict-note")).to_have_text("“Matches the box”")
