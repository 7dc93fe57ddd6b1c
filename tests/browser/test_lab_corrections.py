"""A lab result corrected, deleted and brought back in a real browser: the patient enters a B12
result in pmol/L, sees it with the typical range in both units, corrects a typing error (a
refused value first, with its message), sees the earlier version on the result's page, deletes
it, sees it gone from the labs page, and undoes the delete.

Dates are never hard-coded: the sample is drawn a week before the patient's today.
"""

from datetime import date, timedelta

from playwright.sync_api import expect

from labs.models import LabResult
from tests.browser.a11y import axe_violations, describe_violations
from tests.browser.conftest import login

B12 = "Serum vitamin B12 (cobalamin)"


def table_date(day: date) -> str:
    """Django's "j M Y", as the lab pages write dates: "2 Mar 2026"."""
    return f"{day.day} {day:%b %Y}"


def flash(page):
    return page.locator("main > [role=status]")


def no_axe_violations(page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def test_a_patient_enters_corrects_deletes_and_restores_a_lab_result(page, live_server, patient):
    drawn = patient.today() - timedelta(days=7)

    login(page, live_server, patient.email)
    page.get_by_role("link", name="Labs", exact=True).first.click()
    page.get_by_role("link", name="Add a result").click()
    page.get_by_label("Analyte").select_option(label=B12)
    page.get_by_label("Date drawn").fill(drawn.isoformat())
    page.get_by_label("Result").fill("148")
    page.get_by_label("Unit").select_option("pmol/L")
    page.get_by_role("button", name="Save result").click()

    expect(flash(page)).to_contain_text(f"{B12} result saved.")
    row = page.get_by_test_id("lab-row")
    expect(row).to_contain_text("148 pmol/L")
    expect(row).to_contain_text("200–900 pg/mL")
    expect(row.get_by_test_id("lab-range-entered")).to_have_text("= 147.6–664.2 pmol/L")

    # The result's own page: as entered, in the common unit, the range in both units.
    row.get_by_role("link", name=B12).click()
    lab = LabResult.objects.get(patient=patient)
    expect(page).to_have_url(f"{live_server.url}/labs/{lab.pk}/")
    expect(page.get_by_test_id("lab-value")).to_have_text("148 pmol/L")
    expect(page.get_by_test_id("lab-canonical")).to_have_text("200.54 pg/mL")
    expect(page.get_by_test_id("lab-range")).to_contain_text("200–900 pg/mL")
    expect(page.get_by_test_id("lab-range")).to_contain_text("147.6–664.2 pmol/L")
    no_axe_violations(page)

    # A correction the rules refuse: said beside the field, nothing saved.
    page.get_by_role("link", name="Correct", exact=True).click()
    expect(page.get_by_role("heading", name="Correct this lab result")).to_be_visible()
    expect(page.get_by_label("Result")).to_have_value("148")
    no_axe_violations(page)
    page.get_by_label("Result").fill("5")
    page.get_by_label("Unit").select_option("pg/mL")
    page.get_by_role("button", name="Save correction").click()
    expect(page.get_by_text(f"5 pg/mL is not a plausible {B12} result.")).to_be_visible()
    lab.refresh_from_db()
    assert (str(lab.value.normalize()), lab.unit) == ("148", "pmol/L")

    # The correction itself, with a reason.
    page.get_by_label("Result").fill("418")
    page.get_by_label("Unit").select_option("pmol/L")
    page.get_by_label("Why are you correcting it?").fill("Typed 148 for 418")
    page.get_by_role("button", name="Save correction").click()

    expect(flash(page)).to_contain_text("Lab result corrected.")
    expect(page.get_by_test_id("lab-value")).to_have_text("418 pmol/L")
    version = page.get_by_test_id("version")
    expect(version).to_have_count(1)
    expect(version).to_contain_text(f"Corrected by {patient.name}")
    expect(version).to_contain_text("“Typed 148 for 418”")
    expect(version).to_contain_text(f"Drawn {table_date(drawn)} · Result 148 pmol/L")

    # Delete: the page offers the undo, and the labs page no longer lists it.
    page.get_by_label("Reason for deleting (optional)").fill("Wrong report")
    page.get_by_role("button", name="Delete", exact=True).click()
    banner = page.get_by_test_id("deleted-banner")
    expect(banner).to_contain_text("Deleted on")
    expect(page.get_by_role("link", name="Correct", exact=True)).to_have_count(0)
    no_axe_violations(page)
    page.get_by_role("link", name="Back to lab results").click()
    expect(page.get_by_test_id("labs-empty")).to_be_visible()
    page.go_back()

    banner.get_by_role("button", name="Undo delete").click()
    expect(flash(page)).to_contain_text("Lab result restored.")
    expect(page.get_by_test_id("deleted-banner")).to_have_count(0)
    expect(page.get_by_test_id("version")).to_have_count(3)
    expect(page.get_by_test_id("version").first).to_contain_text("Restored")
    page.get_by_role("link", name="Back to lab results").click()
    expect(page.get_by_test_id("lab-row")).to_contain_text("418 pmol/L")
    lab.refresh_from_db()
    assert lab.deleted_at is None
