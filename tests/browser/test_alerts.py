"""An alert from end to end in Chromium: the patient ticks an allergy sign on the injection form
(the emergency banner comes up before saving), the clinician finds them first on the triage
list with the sign in words, reads it above everything on the record, acknowledges it with a
note, and the acknowledgement is in the timeline while the flag is gone.

Then the clinician's pages on a phone (360 px) with that real record after a phase change:
nothing sticks out past the window, and the triage row and the record's actions are on screen.

No date is asserted: the regimen starts some days before whatever today is."""

from datetime import timedelta

from playwright.sync_api import expect

from doses import actions
from regimens import actions as regimen_actions
from symptoms.models import SymptomEntry
from tests import factories
from tests.browser.conftest import login

PHONE = {"width": 360, "height": 740}


def test_an_allergy_sign_is_seen_acknowledged_and_kept(page, live_server, patient, clinician):
    quiet = factories.PatientFactory(name="Quinn Quiet", email="quinn@example.org")
    factories.CareTeamFactory(patient=quiet, clinician=clinician)
    factories.regimen_for(quiet, quiet.today() - timedelta(days=3))  # overdue: sorts first
    factories.regimen_for(patient, patient.today())

    login(page, live_server, patient.email)
    page.goto(f"{live_server.url}/injections/log/")
    banner = page.get_by_test_id("emergency")
    expect(banner).to_be_hidden()
    page.get_by_label("Swelling of the face, lips, tongue or throat").check()
    expect(banner).to_be_visible()
    expect(banner.locator("li:visible")).to_have_text(
        ["Swelling of the face, lips, tongue or throat"]
    )
    page.get_by_label("Reaction or notes").fill("Lip swelled after the shot")
    page.get_by_role("button", name="Save injection").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator(".alert-danger").first).to_contain_text(
        "Ticked: Swelling of the face, lips, tongue or throat."
    )

    page.context.clear_cookies()
    login(page, live_server, clinician.email)
    rows = page.get_by_test_id("triage-row")
    expect(rows.first).to_contain_text(patient.name)  # needs attention: before the overdue one
    expect(rows.first.get_by_test_id("triage-alert")).to_contain_text(
        "Allergy signs · injection of"
    )
    expect(rows.first.get_by_test_id("triage-alert")).to_contain_text(
        "Swelling of the face, lips, tongue or throat"
    )
    page.get_by_label("Alerts").select_option(label="Allergy signs")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)

    rows.first.get_by_role("link", name=patient.name).click()
    alert = page.get_by_test_id("open-alert")
    expect(alert).to_have_count(1)
    expect(alert.get_by_test_id("alert-note")).to_have_text(
        "Patient's note: “Lip swelled after the shot”"
    )
    alert.get_by_label("Note (optional)").fill("Called; seen in clinic today")
    alert.get_by_role("button", name="Acknowledge").click()

    expect(page.get_by_text("Acknowledged: Allergy signs.")).to_be_visible()
    expect(page.get_by_test_id("open-alert")).to_have_count(0)
    entry = page.locator('[data-kind="acknowledged"]')
    expect(entry).to_contain_text("Alert acknowledged · Allergy signs")
    expect(entry).to_contain_text("by Dr Care")
    expect(entry).to_contain_text("Called; seen in clinic today")

    page.goto(f"{live_server.url}/")
    expect(rows.first).to_contain_text("Quinn Quiet")
    expect(page.get_by_test_id("triage-alert")).to_have_count(0)


def overflowing(page) -> list[str]:
    """Everything whose box ends past the window's right edge (no exceptions)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(el => el.getClientRects().length)
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map(el => el.tagName + '.' + el.className + ' ' + (el.textContent || '').trim()
                 .slice(0, 40))"""
    )


def test_the_clinicians_pages_fit_a_phone_with_a_real_record(page, live_server, patient, clinician):
    regimen = factories.regimen_for(patient, patient.today() - timedelta(days=40))
    while regimen.current_phase.kind != "maintenance":
        factories.give(regimen, regimen.next_due, lot_number="LOT-2026-ABCDEFG")
    regimen_actions.change_phase(
        regimen.current_phase,
        clinician,
        reason="Symptoms return in week 3",
        schedule_every=3,
        schedule_unit="week",
    )
    actions.record_checkin(
        patient,
        patient,
        allergy_signs=["hives"],
        side_effects=["Pain, redness or swelling where injected"],
        note="A long note about an itchy rash that spread over both arms overnight",
        **dict.fromkeys(SymptomEntry.SYMPTOMS, 4),
    )
    page.set_viewport_size(PHONE)
    login(page, live_server, clinician.email)

    for path in (
        "/",
        f"/patients/{patient.pk}/",
        f"/patients/{patient.pk}/report/",
        f"/patients/{patient.pk}/injections/log/",
        f"/patients/{patient.pk}/regimen/prescribe/",
        f"/patients/{patient.pk}/labs/new/",
        "/accounts/settings/",
    ):
        response = page.goto(live_server.url + path)
        assert response.ok, path
        assert overflowing(page) == [], (path, overflowing(page))

    page.goto(f"{live_server.url}/")
    row = page.get_by_test_id("triage-row").first
    for label in ("Next due", "Flags"):
        cell = row.locator(f'td[data-label="{label}"]')
        expect(cell).to_be_in_viewport()
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    for action in (
        page.get_by_role("button", name="Acknowledge").first,
        page.get_by_role("link", name="Change").first,
        page.get_by_role("link", name="Record clinic injection"),
    ):
        action.scroll_into_view_if_needed()
        expect(action).to_be_in_viewport(ratio=1)
