"""Every page fits a phone: at 360×740 nothing makes the page scroll sideways (a wide table
scrolls inside its own box instead)."""

from datetime import timedelta

from playwright.sync_api import expect

from labs import actions as lab_actions
from tests import factories
from tests.browser.conftest import login

PHONE = {"width": 360, "height": 740}


def overflowing(page) -> list[str]:
    """What sticks out past the right edge of the window, outside a scrolling table box."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(el => !el.closest('.table-responsive'))
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map(el => el.tagName + ' ' + (el.textContent || '').trim().slice(0, 40))"""
    )


def check(page, live_server, paths):
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response.ok, path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width, overflowing(page)[:5])


def test_the_patients_and_the_clinicians_pages_fit_a_phone(page, live_server, patient, clinician):
    regimen = factories.regimen_for(patient, patient.today() - timedelta(days=20))
    for days in (20, 19, 18):
        factories.give(regimen, patient.today() - timedelta(days=days), lot_number="LOT-12345")
    factories.check_in(patient, score=4)
    lab_actions.record_lab(
        patient,
        patient,
        analyte="b12",
        value="148",
        unit="pmol/L",
        taken_on=patient.today() - timedelta(days=21),
    )
    page.set_viewport_size(PHONE)

    login(page, live_server, patient.email)
    check(
        page,
        live_server,
        [
            "/",
            "/injections/log/",
            "/checkins/new/",
            "/labs/",
            "/labs/new/",
            "/history/",
            "/supplies/",
            "/supplies/new/",
            "/settings/",
            "/export/csv/",
            f"/patients/{patient.pk}/",
            "/accounts/record-views/",
        ],
    )

    page.context.clear_cookies()
    login(page, live_server, clinician.email)
    check(
        page,
        live_server,
        [
            "/",
            f"/patients/{patient.pk}/",
            f"/patients/{patient.pk}/report/",
            f"/patients/{patient.pk}/injections/log/",
            f"/patients/{patient.pk}/regimen/prescribe/",
            f"/patients/{patient.pk}/export/csv/",
        ],
    )


def test_on_a_desktop_the_patients_top_bar_is_one_row_of_one_line_links(page, live_server, patient):
    """At 1280 px every link of the patient's bar (the longest bar) sits on one line and all at
    the same height; narrower windows fold the bar into its menu button instead of wrapping."""
    login(page, live_server, patient.email)
    links = page.locator("nav .nav-link")
    boxes = [links.nth(n).bounding_box() for n in range(links.count())]
    assert len(boxes) >= 9
    line = boxes[0]["height"]
    assert all(box["height"] == line for box in boxes), [box["height"] for box in boxes]
    assert len({round(box["y"]) for box in boxes}) == 1
    page.set_viewport_size({"width": 1100, "height": 800})
    expect(page.get_by_role("button", name="Menu")).to_be_visible()
    expect(links.first).to_be_hidden()


def test_a_carers_pages_fit_a_phone(page, live_server, patient):
    """With the banner saying whom they record for and the switch to their other person."""
    factories.regimen_for(patient, patient.today() - timedelta(days=20))
    other = factories.PatientFactory(name="Bartholomew Second-Person", email="bart@example.org")
    factories.regimen_for(other, other.today() - timedelta(days=3), factories.UK_TEMPLATE)
    carer = factories.CarerFactory(name="Cara Giver", email="cara@example.org")
    for person in (patient, other):
        factories.CareTeamFactory(patient=person, clinician=carer)
    page.set_viewport_size(PHONE)
    login(page, live_server, carer.email)
    check(
        page,
        live_server,
        ["/", "/injections/log/", "/checkins/new/", "/labs/", "/history/", "/supplies/"],
    )
    # Bartholomew comes first by name; the switch offers the other person.
    expect(page.get_by_test_id("caring-for")).to_contain_text("Bartholomew Second-Person")
    expect(page.get_by_test_id("switch-person")).to_have_count(1)
