""" "Set up my injections" in a real browser, for a patient already part-way through: each
injection already had is entered with its own date, time and site, or with its site marked
"not recorded"; the rows for earlier injections show one at a time ("Add another"), and what
is saved is what was entered. Dates are worked from the patient's today, never hard-coded."""

from datetime import date, datetime, time, timedelta

from playwright.sync_api import expect

from doses.models import DoseLog
from tests import factories
from tests.browser.a11y import axe_violations, describe_violations, unlabelled_fields
from tests.browser.conftest import login


def short(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def test_each_earlier_injection_keeps_its_own_time_and_site(page, live_server, patient):
    template = factories.template(factories.US_TEMPLATE)  # daily x7 first
    today = patient.today()
    login(page, live_server, patient.email)
    page.goto(f"{live_server.url}/regimen/setup/")
    page.get_by_label(template.name).check()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Next").click()  # the phases as they are
    page.get_by_label("Start date").fill((today - timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Next").click()

    page.get_by_label("Yes: I have already had injections of this plan").check()
    page.get_by_label("Which phase are you in now?").select_option(index=1)
    page.get_by_label("Date of your last injection").fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("Time of your last injection").fill("08:30")
    page.get_by_label("Site of your last injection").select_option(label="Right deltoid")
    # One empty row for earlier injections; another on request.
    expect(page.get_by_label("Earlier injection 1: date")).to_be_visible()
    expect(page.get_by_label("Earlier injection 2: date")).to_be_hidden()
    page.get_by_label("Earlier injection 1: date").fill((today - timedelta(days=3)).isoformat())
    page.get_by_label("Earlier injection 1: time").fill("19:00")
    page.get_by_label("Earlier injection 1: site").select_option(
        label="I don't remember: site not recorded"
    )
    page.get_by_role("button", name="Add another earlier injection").click()
    expect(page.get_by_label("Earlier injection 2: date")).to_be_focused()
    page.get_by_label("Earlier injection 2: date").fill((today - timedelta(days=2)).isoformat())
    page.get_by_label("Earlier injection 2: time").fill("07:45")
    page.get_by_label("Earlier injection 2: site").select_option(label="Left deltoid")
    expect(page.get_by_label("Earlier injection 3: date")).to_be_hidden()
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    assert unlabelled_fields(page) == []
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", name="Review and save")).to_be_visible()
    expect(page.get_by_test_id("review-injections").locator("li")).to_have_text(
        [
            f"{short(today - timedelta(days=3))}, 19:00 · site not recorded · Repletion",
            f"{short(today - timedelta(days=2))}, 07:45 · Left deltoid · Repletion",
            f"{short(today - timedelta(days=1))}, 08:30 · Right deltoid · Repletion"
            " · your last injection",
        ]
    )
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{live_server.url}/")

    doses = DoseLog.objects.filter(patient=patient).order_by("administered_at")
    zone = patient.zone
    assert [(d.administered_at.astimezone(zone), d.site, d.site_not_recorded) for d in doses] == [
        (datetime.combine(today - timedelta(days=3), time(19), zone), "", True),
        (datetime.combine(today - timedelta(days=2), time(7, 45), zone), "LD", False),
        (datetime.combine(today - timedelta(days=1), time(8, 30), zone), "RD", False),
    ]
