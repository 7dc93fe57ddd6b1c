"""The charts on a 360 px phone: each drawn at least NARROWEST_PX wide, so that its text is at
least 12 CSS px (tests/clinic/test_chart_legibility.py computes that from the viewBox); a tap
on a chart opens it in a full-screen dialog, under the strict Content-Security-Policy, which its
button closes; without JavaScript the same tap opens the chart's SVG itself."""

from datetime import timedelta

from playwright.sync_api import expect

from clinic.chart_drawing import NARROWEST_PX
from tests import factories
from tests.browser.conftest import login

PHONE = {"width": 360, "height": 740}


def history(patient):
    regimen = factories.regimen_for(patient, patient.today() - timedelta(days=20))
    for days in (20, 19, 18):
        factories.give(regimen, patient.today() - timedelta(days=days))
    factories.check_in(patient, score=4)
    factories.LabResultFactory(
        patient=patient, taken_on=patient.today() - timedelta(days=21), value="150"
    )


def drawn_widths(page) -> list[float]:
    images = page.locator("a[data-chart-full] img")
    expect(images.first).to_be_visible()
    for image in images.all():
        expect(image).to_have_js_property("complete", True)
    return images.evaluate_all("all => all.map(img => img.getBoundingClientRect().width)")


def test_a_tap_opens_a_chart_full_screen_and_its_button_closes_it(page, live_server, patient):
    history(patient)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.set_viewport_size(PHONE)
    login(page, live_server, patient.email)

    widths = drawn_widths(page)
    assert len(widths) == 1 and widths[0] >= NARROWEST_PX, widths  # the home's small chart
    dialog = page.get_by_test_id("chart-dialog")
    expect(dialog).to_be_hidden()

    page.get_by_test_id("home-chart").click()

    expect(dialog).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/")  # still the page, not the SVG
    large = dialog.locator("img")
    expect(large).to_have_attribute("src", f"/patients/{patient.pk}/charts/symptoms.svg?compact=1")
    expect(large).to_have_js_property("complete", True)
    box = large.bounding_box()
    assert box["width"] >= PHONE["width"] - 30  # the width of the screen, less the margins
    assert large.evaluate("img => img.naturalWidth") > 0
    expect(dialog.get_by_role("heading")).to_have_text("How you have been")
    page.get_by_test_id("chart-dialog-close").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("home-chart-link")).to_be_focused()  # back where the tap was

    # The record's charts too, each at least as wide; Escape closes the dialog as well.
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    widths = drawn_widths(page)
    assert len(widths) == 4 and min(widths) >= NARROWEST_PX, widths
    page.get_by_test_id("chart-intervals").click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Days between injections")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # The data beside it, behind its disclosure.
    data = page.get_by_test_id("chart-intervals-data")
    expect(data.get_by_test_id("table-intervals")).to_be_hidden()
    data.get_by_text("Show the data as a table").click()
    expect(data.get_by_test_id("table-intervals")).to_be_visible()
    assert violations == []


def test_without_javascript_a_tap_opens_the_charts_svg(browser, live_server, patient):
    history(patient)
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, live_server, patient.email)
        page.get_by_test_id("home-chart").click()
        expect(page).to_have_url(
            f"{live_server.url}/patients/{patient.pk}/charts/symptoms.svg?compact=1"
        )
        expect(page.locator("svg title")).to_have_text("Symptoms (0 none – 10 worst)")
    finally:
        context.close()
