"""The strict Content-Security-Policy holds in a real browser: no page of either role makes
Chromium report a violation, and the pages' own scripts still work under it."""

from datetime import timedelta

from playwright.sync_api import expect

from supplies import actions as supplies
from tests import factories
from tests.browser.conftest import login


def test_no_page_breaks_the_content_security_policy(page, live_server, patient, clinician):
    regimen = factories.regimen_for(patient, patient.today() - timedelta(days=3))
    factories.give(regimen, patient.today() - timedelta(days=3))
    factories.check_in(patient, score=2)
    # A supply and a calendar feed, so that their pages show everything they can.
    supply, _ = supplies.add_supply(
        patient,
        patient,
        medication=regimen.medication,
        concentration_mcg_per_ml=regimen.concentration_mcg_per_ml,
        container_ml=1,
        count=5,
        expires_on=patient.today() + timedelta(days=365),
        received_on=patient.today() - timedelta(days=3),
    )
    factories.CalendarFeedFactory(user=patient)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    login(page, live_server, patient.email)
    for path in [
        "/",
        "/injections/log/",
        "/checkins/new/",
        "/history/",
        "/labs/new/",
        f"/patients/{patient.pk}/",
        "/supplies/",
        "/supplies/new/",
        f"/supplies/{supply.pk}/correct/",
        "/settings/",
        "/export/csv/",
        "/accounts/two-factor/setup/",  # the QR code: an SVG in a data: image
    ]:
        response = page.goto(live_server.url + path)
        assert response.ok, f"{path} answered {response.status}"
        page.wait_for_load_state("load")
    # The page's own script runs under the policy: the volume follows the dose.
    page.goto(live_server.url + "/injections/log/")
    page.fill("#id_dose_mcg", "500")
    expect(page.locator("#volume-ml")).to_have_text("0.50 mL")
    page.goto(live_server.url + "/accounts/login/")
    page.context.clear_cookies()
    login(page, live_server, clinician.email)
    for path in [
        "/",
        f"/patients/{patient.pk}/",
        f"/patients/{patient.pk}/report/",
        f"/patients/{patient.pk}/regimen/prescribe/?template=1",
        f"/patients/{patient.pk}/export/csv/",
    ]:
        response = page.goto(live_server.url + path)
        assert response.ok, f"{path} answered {response.status}"
        page.wait_for_load_state("load")
    assert violations == []
