"""A photo of a vial label in a real browser: the patient sends one from the supplies page
and sees it beside what the plan says (and a file that is not a photo refused with a message);
a care-team clinician opens the patient's labels from the record, marks the label as not
matching with a note (and is asked for the note first), and the alert is on the record; the
patient then sees the verdict on the supply."""

from datetime import timedelta

from playwright.sync_api import expect

from regimens.models import Regimen
from supplies.models import LabelPhoto
from tests import factories
from tests.browser.conftest import login
from tests.supplies import images


def test_a_label_photo_is_sent_checked_and_the_verdict_seen(page, live_server, patient, clinician):
    today = patient.today()
    factories.regimen_for(patient, today)
    factories.add_supply(
        patient, expires_on=today + timedelta(days=300), received_on=today, lot_number="V-12"
    )

    login(page, live_server, patient.email)
    page.goto(f"{live_server.url}/supplies/")
    page.get_by_role("link", name="Add a photo of the label").click()
    expect(page.get_by_test_id("label-plan")).to_contain_text("Volume to draw")
    expect(page.get_by_test_id("label-none")).to_be_visible()

    page.get_by_label("Photo of the label").set_input_files(
        {"name": "label.svg", "mimeType": "image/svg+xml", "buffer": images.svg().read()}
    )
    page.get_by_role("button", name="Send the photo").click()
    expect(page.locator(".invalid-feedback")).to_have_text(
        "This file is not a photo: choose a JPEG, PNG or WebP picture of the label."
    )
    assert not LabelPhoto.objects.exists()

    page.get_by_label("Photo of the label").set_input_files(
        {"name": "label.jpg", "mimeType": "image/jpeg", "buffer": images.picture("JPEG", exif=True)}
    )
    page.get_by_role("button", name="Send the photo").click()
    expect(page.locator("main > [role=status]")).to_contain_text("Photo saved.")
    photo = page.get_by_test_id("label-photo")
    expect(photo).to_be_visible()
    # It really loads: decode() settles once the picture has arrived (and fails if it cannot).
    assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") == 64
    expect(page.get_by_test_id("label-verdict")).to_have_text("Not checked yet")

    page.context.clear_cookies()
    login(page, live_server, clinician.email)
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    page.get_by_role("link", name="Vial labels").click()
    row = page.get_by_test_id("label-row")
    expect(row).to_contain_text("lot V-12")
    expect(row.get_by_test_id("label-photo")).to_be_visible()
    row.get_by_label("Does not match").check()
    row.get_by_role("button", name="Save verdict").click()
    expect(page.locator(".invalid-feedback")).to_have_text("Say what does not match.")
    row = page.get_by_test_id("label-row")
    row.get_by_label("Does not match").check()
    row.get_by_label("Note").fill("The label says 100 mcg/mL")
    row.get_by_role("button", name="Save verdict").click()
    expect(page.locator("main > [role=status]")).to_contain_text("Verdict saved")
    expect(page.get_by_test_id("label-verdict")).to_contain_text("Does not match the prescription")

    page.get_by_role("link", name="Back to the record").click()
    expect(page.get_by_test_id("alert-title")).to_have_text(
        "Vial label does not match the prescription"
    )
    expect(page.get_by_test_id("alert-text")).to_contain_text("The label says 100 mcg/mL")

    page.context.clear_cookies()
    login(page, live_server, patient.email)
    page.goto(f"{live_server.url}/supplies/")
    expect(page.get_by_test_id("supply-label")).to_contain_text(
        "Does not match the prescription “The label says 100 mcg/mL”"
    )
    page.get_by_role("link", name="Label photo").click()
    expect(page.get_by_test_id("label-verdict")).to_contain_text(
        "Does not match the prescription by Dr Care"
    )
    expect(page.get_by_test_id("label-verdict-note")).to_have_text("“The label says 100 mcg/mL”")


def test_a_label_photo_sent_at_set_up_is_checked_and_shown_beside_the_regimen(
    page, live_server, patient, clinician
):
    """The patient attaches the label's photo when saving the plan they entered (a file that
    is not a photo refused first, nothing saved); the regimen on their record shows it not
    checked yet; a care-team clinician verifies it; the patient's record then says so."""
    template = factories.template(factories.US_TEMPLATE)
    login(page, live_server, patient.email)
    page.get_by_role("link", name="Set up my injections").click()
    page.get_by_label(template.name).check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Check each phase")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Your medicine and start date")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Have you already started?")).to_be_visible()
    page.get_by_label("No: my first injection of this plan is still to come").check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Review and save")).to_be_visible()

    page.get_by_label("Photo of the vial label (optional)").set_input_files(
        {"name": "label.svg", "mimeType": "image/svg+xml", "buffer": images.svg().read()}
    )
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".invalid-feedback")).to_have_text(
        "This file is not a photo: choose a JPEG, PNG or WebP picture of the label."
    )
    expect(page.get_by_role("heading", name="Review and save")).to_be_visible()
    assert not Regimen.objects.filter(patient=patient).exists()
    assert not LabelPhoto.objects.exists()

    page.get_by_label("Photo of the vial label (optional)").set_input_files(
        {"name": "label.jpg", "mimeType": "image/jpeg", "buffer": images.picture("JPEG", exif=True)}
    )
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("main > [role=status]").last).to_contain_text("Photo saved.")
    assert LabelPhoto.objects.get().regimen == Regimen.objects.get(patient=patient)

    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    label = page.get_by_test_id("regimen-label")
    expect(label.get_by_test_id("regimen-volume")).to_have_text(
        "Cyanocobalamin, 1000 mcg/mL: draw 1.0 mL for 1000 mcg"
    )
    expect(label.get_by_test_id("label-verdict")).to_have_text("Not checked yet")

    page.context.clear_cookies()
    login(page, live_server, clinician.email)
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    page.get_by_test_id("regimen-label").get_by_role("link", name="Check the labels").click()
    row = page.get_by_test_id("label-row")
    expect(row).to_contain_text("sent when setting up the plan")
    photo = row.get_by_test_id("label-photo")
    assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") == 64
    row.get_by_label("Verified against the prescription").check()
    row.get_by_role("button", name="Save verdict").click()
    expect(page.locator("main > [role=status]")).to_contain_text("Verdict saved")

    page.context.clear_cookies()
    login(page, live_server, patient.email)
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    expect(page.get_by_test_id("regimen-label").get_by_test_id("label-verdict")).to_contain_text(
        "Verified against the prescription by Dr Care"
    )
