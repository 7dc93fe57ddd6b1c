"""Supplies and settings in a real browser: adding a supply from the home page, what is left
after an injection is logged, the warning when supplies run short, removing a supply and
undoing it, an expired supply refused; reminder settings saved and kept, bad values explained;
the private calendar feed fetched, parsed, replaced and turned off.

Dates are never hard-coded: regimens start relative to the patient's today, and the dates
expected come from the regimen's own schedule (Regimen.upcoming).
"""

import re
from datetime import date, datetime, timedelta
from fractions import Fraction

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from doses.models import DoseLog
from supplies.models import Supply
from tests import factories
from tests.browser.conftest import login

LEAD_DAYS_MESSAGE = "Choose a lead time from 1 to 7 days before the due date."
SEND_HOUR_MESSAGE = "Choose an hour from 0 (midnight) to 23 (11 pm)."
LOT = "AMP-7731"


def list_date(day: date) -> str:
    """Django's "D j M Y", as the supplies page writes dates: "Mon 2 Mar 2026"."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def table_date(day: date) -> str:
    """Django's "j M Y", as the supplies table writes dates: "2 Mar 2026"."""
    return f"{day.day} {day:%b %Y}"


def ml(volume) -> str:
    """A volume as the supplies page writes it: "2 mL", "1.5 mL"."""
    return f"{float(volume):g} mL"


def due_dates(regimen, count: int) -> list[date]:
    regimen.refresh_from_db()
    return [day for day, _ in regimen.upcoming(count)]


def flash(page):
    """The message shown at the top of the page after a change (the settings page has another,
    empty, status region for its copy button)."""
    return page.locator("main > [role=status]")


def fill_supply_form(page, *, count: int, container_ml: str, expires: date) -> None:
    page.get_by_label("Volume of each (mL)").fill(container_ml)
    page.get_by_label("How many").fill(str(count))
    page.get_by_label("Expiry date").fill(expires.isoformat())
    page.get_by_label("Lot number").fill(LOT)


def test_supply_from_home_card_used_by_injection_removed_and_restored(page, live_server, patient):
    today = patient.today()
    regimen = factories.regimen_for(patient, today)
    product = f"{regimen.get_medication_display().lower()} {regimen.concentration_mcg_per_ml}"
    description = f"2 × 1 mL {product} mcg/mL"
    expires = today + timedelta(days=365)

    login(page, live_server, patient.email)
    card = page.get_by_test_id("supplies-card")
    expect(card).to_contain_text("No supplies recorded")
    card.get_by_role("link", name="Add supplies").click()
    expect(page).to_have_url(f"{live_server.url}/supplies/new/")
    # The plan's product and strength, and today, are offered already.
    expect(page.get_by_label("Product")).to_have_value(regimen.medication)
    expect(page.get_by_label("Strength (mcg/mL)")).to_have_value(
        str(regimen.concentration_mcg_per_ml)
    )
    expect(page.get_by_label("In use from")).to_have_value(today.isoformat())
    fill_supply_form(page, count=2, container_ml="1", expires=expires)
    page.get_by_role("button", name="Save supply").click()

    expect(page).to_have_url(f"{live_server.url}/supplies/")
    expect(flash(page)).to_have_text(f"Supply added: {description}.")
    rows = page.get_by_test_id("supply-row")
    expect(rows).to_have_count(1)
    cells = rows.first.get_by_role("cell")
    expect(cells.nth(0)).to_contain_text(description)
    expect(cells.nth(0)).to_contain_text(f"lot {LOT}")
    expect(cells.nth(1)).to_contain_text("2 mL of 2 mL")
    expect(cells.nth(1)).to_contain_text("2 doses at 1000 mcg")
    expect(cells.nth(2).locator("time")).to_have_text(table_date(expires))
    expect(cells.nth(3)).to_have_text(table_date(today))
    # 2 mL at 1 mL a dose: the next two injections are covered, the third is not.
    first, second, third = due_dates(regimen, 3)
    assert first == today
    expect(page.get_by_test_id("supply-summary")).to_have_text(
        f"Supplies last until {list_date(second)} (2 injections)."
        f" More are needed for the injection due {list_date(third)}."
    )
    expect(page.get_by_test_id("supply-warning")).to_have_count(0)

    page.get_by_role("navigation").get_by_role("link", name="Home").click()
    expect(card.get_by_test_id("supply-summary")).to_contain_text(
        f"Supplies last until {list_date(second)}"
    )
    expect(card).to_contain_text("2 mL left for your plan")

    # Half a dose's volume: what is left drops by exactly that.
    page.locator("main").get_by_role("link", name="Log injection").click()
    page.fill("#id_dose_mcg", "500")
    volume = Fraction(500, regimen.concentration_mcg_per_ml)
    expect(page.locator("#volume-ml")).to_have_text(f"{float(volume):.2f} mL")
    when = datetime.strptime(page.locator("#id_administered_at").input_value(), "%Y-%m-%dT%H:%M")
    page.get_by_role("button", name="Save injection").click()
    expect(page).to_have_url(f"{live_server.url}/")
    assert DoseLog.objects.get(patient=patient).dose_mcg == 500
    assert when.date() == today

    page.get_by_role("navigation").get_by_role("link", name="Supplies").click()
    left = 2 - volume
    expect(cells.nth(1)).to_contain_text(f"{ml(left)} of 2 mL")
    expect(cells.nth(1)).to_contain_text("1 dose at 1000 mcg")
    # 1.5 mL is one more 1000 mcg dose: the second of the next two is not covered.
    first, second = due_dates(regimen, 2)
    expect(page.get_by_test_id("supply-summary")).to_have_text(
        f"Supplies last until {list_date(first)} (1 injection)."
        f" More are needed for the injection due {list_date(second)}."
    )
    warning = (
        f"Your supplies will not last to your next two injections "
        f"({list_date(first)} and {list_date(second)})."
    )
    expect(page.get_by_test_id("supply-warning")).to_have_text(warning)
    page.get_by_role("navigation").get_by_role("link", name="Home").click()
    expect(card.get_by_test_id("supply-warning")).to_have_text(warning)
    expect(card).to_contain_text(f"{ml(left)} left for your plan")

    page.get_by_role("navigation").get_by_role("link", name="Supplies").click()
    rows.first.get_by_label("Reason for removing (optional)").fill("Box dropped and broken")
    rows.first.get_by_role("button", name="Remove").click()
    expect(page).to_have_url(f"{live_server.url}/supplies/")
    expect(flash(page)).to_have_text(
        f"Supply removed: {description}. Use “Undo” below to bring it back."
    )
    expect(rows).to_have_count(0)
    expect(page.get_by_test_id("supply-empty")).to_be_visible()
    expect(page.get_by_test_id("supply-summary")).to_have_count(0)
    expect(page.get_by_test_id("supply-warning")).to_have_count(0)
    removed = page.get_by_test_id("removed-supply")
    expect(removed).to_have_count(1)
    expect(removed).to_contain_text(f"{description}, expires {table_date(expires)}")
    expect(removed).to_contain_text(f"removed {table_date(today)}")

    removed.get_by_role("button", name="Undo").click()
    expect(flash(page)).to_have_text(f"Supply restored: {description}.")
    expect(removed).to_have_count(0)
    expect(rows).to_have_count(1)
    expect(cells.nth(1)).to_contain_text(f"{ml(left)} of 2 mL")
    expect(page.get_by_test_id("supply-warning")).to_have_text(warning)
    history = rows.first.get_by_text("Earlier versions (2)")
    expect(history).to_be_visible()
    history.click()
    versions = rows.first.get_by_test_id("supply-version").locator("li")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text(f"Restored by {patient.name}")
    expect(versions.last).to_contain_text(f"Removed by {patient.name}")
    expect(versions.last).to_contain_text("“Box dropped and broken”")


def test_expired_supply_is_refused(page, live_server, patient):
    today = patient.today()
    factories.regimen_for(patient, today)
    yesterday = today - timedelta(days=1)

    login(page, live_server, patient.email)
    page.get_by_role("navigation").get_by_role("link", name="Supplies").click()
    expect(page.get_by_test_id("supply-empty")).to_be_visible()
    page.get_by_role("link", name="Add supplies").click()
    fill_supply_form(page, count=10, container_ml="1", expires=yesterday)
    page.get_by_role("button", name="Save supply").click()

    expect(page).to_have_url(f"{live_server.url}/supplies/new/")
    error = f"This supply expired on {list_date(yesterday)}: an expired supply cannot be added."
    expect(page.get_by_text(error)).to_be_visible()
    expect(page.get_by_label("Expiry date")).to_have_attribute("aria-invalid", "true")
    # What was typed stays, to correct.
    expect(page.get_by_label("How many")).to_have_value("10")
    expect(page.get_by_label("Expiry date")).to_have_value(yesterday.isoformat())
    assert not Supply.objects.filter(patient=patient).exists()

    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(f"{live_server.url}/supplies/")
    expect(page.get_by_test_id("supply-empty")).to_be_visible()
    expect(page.get_by_test_id("supply-row")).to_have_count(0)


def test_reminder_settings_saved_kept_and_bad_values_explained(page, live_server, patient):
    factories.regimen_for(patient, patient.today())
    login(page, live_server, patient.email)
    page.get_by_role("navigation").get_by_role("link", name="Settings").click()
    settings_url = f"{live_server.url}/settings/"
    expect(page).to_have_url(settings_url)

    lead = page.get_by_label("Lead time (days)")
    hour = page.get_by_label("Send from (hour)")
    checkin = page.get_by_label("Weekly symptom check-in")
    due_today = page.get_by_label("On the day an injection is due")
    expect(lead).to_have_value("1")
    expect(hour).to_have_value("8")
    expect(checkin).to_be_checked()
    lead.fill("3")
    hour.fill("19")
    checkin.uncheck()
    page.get_by_role("button", name="Save reminder settings").click()

    expect(page).to_have_url(settings_url)
    expect(flash(page)).to_have_text("Reminder settings saved.")
    page.reload()
    expect(flash(page)).to_have_count(0)
    expect(lead).to_have_value("3")
    expect(hour).to_have_value("19")
    expect(checkin).not_to_be_checked()
    expect(due_today).to_be_checked()

    lead.fill("0")  # 0 would never send anything
    hour.fill("25")
    page.get_by_role("button", name="Save reminder settings").click()
    expect(page.get_by_text(LEAD_DAYS_MESSAGE)).to_be_visible()
    expect(page.get_by_text(SEND_HOUR_MESSAGE)).to_be_visible()
    expect(flash(page)).to_have_count(0)
    expect(lead).to_have_value("0")  # what was typed, to correct
    expect(hour).to_have_value("25")

    page.goto(settings_url)  # nothing of the refused form was kept
    expect(lead).to_have_value("3")
    expect(hour).to_have_value("19")
    expect(checkin).not_to_be_checked()


@pytest.fixture
def anonymous(browser):
    """A request context with no cookies, as a calendar app fetching the feed."""
    context = browser.new_context()
    yield context.request
    context.close()


def feed_dates(response) -> list[date]:
    calendar = Calendar.from_ical(response.body())
    return [event.decoded("dtstart") for event in calendar.walk("VEVENT")]


def test_calendar_feed_created_fetched_replaced_and_turned_off(
    page, live_server, patient, anonymous
):
    today = patient.today()
    # Repletion done (seven daily doses): the next twelve run through weekly into monthly.
    regimen = factories.regimen_for(patient, today - timedelta(days=10))
    factories.add_injections(regimen, 7, regimen.start_date)
    expected = due_dates(regimen, 12)
    assert len(expected) == 12 and expected[0] > today

    login(page, live_server, patient.email)
    page.get_by_role("navigation").get_by_role("link", name="Settings").click()
    address = page.get_by_test_id("feed-url")
    expect(address).to_have_count(0)
    page.get_by_role("button", name="Create my calendar address").click()

    expect(flash(page)).to_have_text("Your calendar address is ready: add it to your calendar app.")
    expect(page.get_by_test_id("feed-fetched")).to_have_text("Not fetched by a calendar app yet.")
    old_url = address.input_value()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/calendar/[\w-]+\.ics", old_url)
    response = anonymous.get(old_url)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert feed_dates(response) == expected
    page.reload()
    expect(page.get_by_test_id("feed-fetched")).to_contain_text("Last fetched by a calendar app on")

    page.get_by_role("button", name="Make a new address").click()
    expect(flash(page)).to_have_text(
        "New calendar address made. The old one no longer works: "
        "add the new one to your calendar app."
    )
    new_url = address.input_value()
    assert new_url != old_url
    assert anonymous.get(old_url).status == 404
    response = anonymous.get(new_url)
    assert response.status == 200
    assert feed_dates(response) == expected

    page.get_by_role("button", name="Turn off the calendar feed").click()
    expect(flash(page)).to_have_text("Calendar feed turned off. Its address no longer works.")
    expect(address).to_have_count(0)
    expect(page.get_by_role("button", name="Create my calendar address")).to_be_visible()
    assert anonymous.get(new_url).status == 404
    assert anonymous.get(old_url).status == 404
