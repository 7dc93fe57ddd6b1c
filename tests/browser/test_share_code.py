"""A patient brings their own clinician in with a share code and later takes them out, in a real
browser: two people, each in their own browser context, as on two devices."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import TIMEOUT_MS, VIEWPORT, login

CODE_SHAPE = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}$")


@pytest.fixture
def patient_with_regimen(db):
    patient = factories.PatientFactory(name="Pat Sharer", email="pat.sharer@example.org")
    factories.regimen_for(patient, patient.today() - timedelta(days=2))
    return patient


@pytest.fixture
def own_doctor(db):
    return factories.ClinicianFactory(
        name="Dr Own", email="own@example.org", time_zone="Europe/London"
    )


def test_share_code_approve_then_remove(
    page, browser, live_server, patient_with_regimen, own_doctor
):
    patient = patient_with_regimen
    login(page, live_server, patient.email)
    page.get_by_role("link", name="My care team").first.click()
    expect(page.get_by_role("heading", name="My care team", level=1)).to_be_visible()
    page.get_by_role("button", name="Create a share code").click()
    code = page.get_by_test_id("new-share-code").inner_text().strip()
    assert CODE_SHAPE.match(code), code

    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        doctor = context.new_page()
        script_errors = []
        doctor.on("pageerror", lambda error: script_errors.append(error))
        login(doctor, live_server, own_doctor.email)
        expect(doctor.get_by_test_id("triage-row")).to_have_count(0)
        doctor.get_by_role("link", name="Add a patient with a share code").click()
        doctor.get_by_label("Share code").fill(code.lower().replace("-", " "))
        doctor.get_by_role("button", name="Send request").click()
        expect(doctor.get_by_role("status")).to_contain_text(
            "Request sent. Pat Sharer must approve it"
        )

        # The patient's home shows the request; they approve it on the care-team page.
        page.get_by_role("link", name="Home").click()
        requests = page.get_by_test_id("care-team-requests")
        expect(requests).to_contain_text("Dr Own · own@example.org")
        requests.get_by_role("link", name="Approve or decline").click()
        page.get_by_role("button", name="Approve Dr Own").click()
        expect(page.get_by_role("status")).to_contain_text(
            "Dr Own (own@example.org) can now see your record."
        )

        # The clinician finds the patient on their list and opens the record.
        doctor.get_by_role("link", name="Home").click()
        doctor.get_by_test_id("triage-row").get_by_role("link", name="Pat Sharer").click()
        record_url = f"{live_server.url}/patients/{patient.pk}/"
        expect(doctor).to_have_url(record_url)
        expect(doctor.get_by_role("heading", name="Pat Sharer", level=1)).to_be_visible()

        # The patient removes them, after confirming.
        member = page.get_by_test_id("care-team-member").filter(has_text="Dr Own")
        member.get_by_role("link", name="Remove Dr Own").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Remove Dr Own from your care team?"
        )
        page.get_by_role("button", name="Remove Dr Own").click()
        expect(page.get_by_role("status")).to_contain_text("Dr Own can no longer see your record.")
        expect(page.get_by_test_id("care-team-member")).to_have_count(0)

        # The clinician's next load of the record: not found; their list is empty again.
        doctor.reload()
        expect(doctor.get_by_text(re.compile("not found", re.IGNORECASE)).first).to_be_visible()
        expect(doctor.get_by_text("Pat Sharer")).to_have_count(0)
        doctor.goto(f"{live_server.url}/")
        expect(doctor.get_by_test_id("triage-row")).to_have_count(0)
        assert not script_errors, script_errors
    finally:
        context.close()

    # The patient's audit page shows the grant and the removal.
    page.goto(f"{live_server.url}/accounts/record-views/")
    events = page.get_by_test_id("care-team-event")
    expect(events).to_have_count(2)
    expect(events.nth(0)).to_contain_text("Access removed")
    expect(events.nth(1)).to_contain_text("Access granted, through your share code")
