"""A carer in a real browser: let in by a patient's share code, switching between the two
people they give injections to, logging for the second, and the injection saying by whom."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import TIMEOUT_MS, VIEWPORT, login


@pytest.fixture
def two_people(db):
    ann = factories.PatientFactory(name="Ann Cared", email="ann@example.org")
    factories.regimen_for(ann, ann.today() - timedelta(days=2))
    ben = factories.PatientFactory(name="Ben Cared", email="ben@example.org")
    factories.regimen_for(ben, ben.today() - timedelta(days=2), factories.UK_TEMPLATE)
    return ann, ben


@pytest.fixture
def carer(db):
    return factories.CarerFactory(name="Cara Giver", email="cara@example.org")


def test_a_carer_let_in_by_code_switches_people_and_logs_for_one(
    page, browser, live_server, two_people, carer
):
    ann, ben = two_people
    factories.CareTeamFactory(patient=ann, clinician=carer)  # Ann let her in earlier

    # Ben makes a share code and tells it to his carer.
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        patient = context.new_page()
        login(patient, live_server, ben.email)
        patient.get_by_role("link", name="My care team").first.click()
        patient.get_by_role("button", name="Create a share code").click()
        code = patient.get_by_test_id("new-share-code").inner_text().strip()

        script_errors = []
        page.on("pageerror", lambda error: script_errors.append(error))
        login(page, live_server, carer.email)
        expect(page.get_by_test_id("caring-for")).to_contain_text("You are recording for Ann Cared")
        page.get_by_role("link", name="Enter a share code").first.click()
        page.get_by_label("Share code").fill(code)
        page.get_by_role("button", name="Send request").click()
        expect(page.get_by_role("status")).to_contain_text("Ben Cared must approve it")

        patient.get_by_role("link", name="Home").click()
        patient.get_by_test_id("care-team-requests").get_by_role(
            "link", name="Approve or decline"
        ).click()
        patient.get_by_role("button", name="Approve Cara Giver").click()

        # The carer switches to Ben: his home, his plan.
        page.get_by_role("link", name="Home").click()
        page.get_by_role("button", name="Switch to Ben Cared").click()
        expect(page.get_by_test_id("caring-for")).to_contain_text("You are recording for Ben Cared")
        expect(page.get_by_role("button", name="Switch to Ann Cared")).to_be_visible()

        # She logs Ben's injection: the form says a carer gave it.
        page.locator("main").get_by_role("link", name="Log injection").click()
        expect(page.get_by_label("Administered by")).to_have_value("carer")
        page.get_by_role("button", name="Save injection").click()
        expect(page.get_by_role("status").first).to_contain_text("Injection recorded")
        assert ben.doses.get().recorded_by == carer
        assert not ann.doses.exists()

        # Ben's history names her.
        patient.get_by_role("link", name="History").first.click()
        expect(patient.get_by_test_id("recorded-by").first).to_have_text("by Cara Giver")

        # Ann's pages are unchanged when she switches back.
        page.get_by_role("link", name="Home").click()
        page.get_by_role("button", name="Switch to Ann Cared").click()
        page.get_by_role("link", name="History").first.click()
        expect(page.get_by_test_id("recorded-by")).to_have_count(0)
        assert not script_errors, script_errors
    finally:
        context.close()
