"""The check-in's warnings in a real browser, before anything is saved: raising the numbness
score above the last check-in's brings up the same-day advice naming it (and lowering it
again puts it away); ticking a sign of a severe allergic reaction brings up the emergency
banner naming the sign, with a tap-to-call link to the configured emergency number. Saving
keeps both on the check-in's page.

No date is asserted: the last check-in is made three days before whatever now is."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from doses import actions
from symptoms.models import SymptomEntry
from tests.browser.a11y import axe_violations, describe_violations
from tests.browser.conftest import login


def set_slider(page, name: str, value: int) -> None:
    """Move a range input as a drag would: its value, then the input and change events."""
    page.locator(f"input[name={name}]").evaluate(
        """(slider, value) => {
            slider.value = String(value);
            slider.dispatchEvent(new Event("input", {bubbles: true}));
            slider.dispatchEvent(new Event("change", {bubbles: true}));
        }""",
        value,
    )


def test_the_same_day_advice_and_the_emergency_banner_come_up_as_the_patient_answers(
    page, live_server, patient, settings
):
    settings.EMERGENCY_NUMBER = "999"
    scores = dict.fromkeys(SymptomEntry.SYMPTOMS, 2)
    actions.record_checkin(
        patient, patient, recorded_at=timezone.now() - timedelta(days=3), **scores
    )
    login(page, live_server, patient.email)
    page.goto(f"{live_server.url}/checkins/new/")

    advice = page.get_by_test_id("same-day")
    banner = page.get_by_test_id("emergency")
    expect(advice).to_be_hidden()
    expect(banner).to_be_hidden()
    expect(page.get_by_test_id("rise-rule")).to_contain_text(
        "a score higher than at your last check-in"
    )

    # The same score as last time is no rise; one point more is.
    set_slider(page, "numbness", 2)
    expect(advice).to_be_hidden()
    set_slider(page, "numbness", 3)
    expect(advice).to_be_visible()
    expect(advice).to_contain_text("Contact your clinician today.")
    expect(advice.locator("li:visible")).to_have_text(
        ["Numbness is higher than at your last check-in (2 / 10)."]
    )
    set_slider(page, "balance", 7)
    expect(advice.locator("li:visible")).to_have_count(2)
    set_slider(page, "numbness", 1)
    set_slider(page, "balance", 2)
    expect(advice).to_be_hidden()
    set_slider(page, "balance", 6)
    expect(advice.locator("li:visible")).to_have_text(
        ["Balance problems / unsteadiness is higher than at your last check-in (2 / 10)."]
    )

    page.get_by_label("Swelling of the face, lips, tongue or throat").check()
    expect(banner).to_be_visible()
    expect(banner.locator("li:visible")).to_have_text(
        ["Swelling of the face, lips, tongue or throat"]
    )
    page.get_by_label("Hives or widespread itchy rash").check()
    expect(banner.locator("li:visible")).to_have_text(
        ["Hives or widespread itchy rash", "Swelling of the face, lips, tongue or throat"]
    )
    call = banner.get_by_role("link", name="Call 999 now")
    expect(call).to_be_visible()
    expect(call).to_have_attribute("href", "tel:999")
    violations = axe_violations(page)  # with both warnings showing
    assert not violations, describe_violations(violations)

    page.get_by_role("button", name="Save check-in").click()

    expect(page.get_by_text("Check-in saved.")).to_be_visible()
    saved_advice = page.get_by_test_id("same-day")
    expect(saved_advice).to_be_visible()
    expect(saved_advice.locator("li")).to_have_text(
        ["Balance problems / unsteadiness: 6 / 10, up from 2 / 10 at the previous check-in."]
    )
    saved_banner = page.get_by_test_id("emergency")
    expect(saved_banner.locator("li")).to_have_text(
        ["Hives or widespread itchy rash", "Swelling of the face, lips, tongue or throat"]
    )
    expect(saved_banner.get_by_role("link", name="Call 999 now")).to_have_attribute(
        "href", "tel:999"
    )
