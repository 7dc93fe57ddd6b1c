"""Downloads in a real browser: the patient's "Download my data" page reached from History, a
CSV of injections and one of lab results over a range of days, a range that ends before it
starts, the FHIR bundle; and a care-team clinician's CSV of their patient from the record page.

The patient is in New York: an injection at 22:00 there is the next day in UTC, so its row
must carry the patient's own date. Dates are computed from the patient's today.
"""

import csv
import io
import json
from datetime import UTC, date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from labs import actions
from tests import factories
from tests.browser.conftest import login
from tests.records.test_csv_export import INJECTION_HEADER, LAB_HEADER

LOT = "KX4471"
OLD_LOT = "QA1009"


def injection_header(patient) -> list[str]:
    """The CSV's header (tests.records.test_csv_export.py), with this patient's zone."""
    return [name.replace("Pacific/Auckland", patient.time_zone) for name in INJECTION_HEADER]


def local_date(dose, patient) -> date:
    """Rule 1: a timestamp's calendar date in the patient's zone."""
    return dose.administered_at.astimezone(patient.zone).date()


def download(page, button_name: str, *, role: str = "button"):
    """Click a download button or link; returns (suggested file name, file bytes)."""
    with page.expect_download() as info:
        page.get_by_role(role, name=button_name).click()
    file = info.value
    assert file.failure() is None
    return file.suggested_filename, Path(file.path()).read_bytes()


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode()), "a byte order mark, for spreadsheets"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# (days ago, value in pg/mL, note): the first is before the range the tests download.
LAB_RESULTS = [(40, "150", "Before treatment"), (5, "312", "Fasting")]


def first_record(patient) -> date:
    """The earliest day recorded: the first lab result, before the first injection."""
    return patient.today() - timedelta(days=LAB_RESULTS[0][0])


@pytest.fixture
def record(patient):
    """Two injections 17 days apart (the later one at 22:00 local, already the next day in
    UTC) and two lab results, the earlier of each outside the last ten days."""
    today = patient.today()
    regimen = factories.regimen_for(patient, today - timedelta(days=20))
    factories.give(regimen, regimen.start_date, hour=9, lot_number=OLD_LOT)
    late = factories.give(regimen, today - timedelta(days=3), hour=22, lot_number=LOT)
    assert local_date(late, patient) != late.administered_at.astimezone(UTC).date()
    for days_ago, value, note in LAB_RESULTS:
        actions.record_lab(
            patient,
            patient,
            taken_on=today - timedelta(days=days_ago),
            analyte="b12",
            value=Decimal(value),
            unit="pg/mL",
            note=note,
        )
    return regimen, late


def test_patient_downloads_injections_and_labs_over_a_range(page, live_server, patient, record):
    regimen, late = record
    today = patient.today()
    start, late_day = today - timedelta(days=10), today - timedelta(days=3)

    login(page, live_server, patient.email)
    page.get_by_role("navigation").get_by_role("link", name="History").click()
    page.get_by_role("link", name="Download my data").click()
    expect(page).to_have_url(f"{live_server.url}/export/csv/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Download my data")
    expect(page.get_by_test_id("csv-purpose")).to_contain_text(patient.time_zone)
    # By default: injections, from the first record (the earlier lab result) to today.
    expect(page.get_by_label("Injections")).to_be_checked()
    expect(page.get_by_label("From")).to_have_value(first_record(patient).isoformat())
    expect(page.get_by_label("To (inclusive)")).to_have_value(today.isoformat())

    page.get_by_label("From").fill(start.isoformat())
    name, data = download(page, "Download CSV")
    assert name == f"b12-injections-{start.isoformat()}-to-{today.isoformat()}.csv"
    header, *rows = csv_rows(data)
    assert header == injection_header(patient)
    assert len(rows) == 1, "the first injection is before the range"
    row = dict(zip(header, rows[0], strict=True))
    assert row["Date"] == late_day.isoformat()
    assert row[f"Time ({patient.time_zone})"] == "22:00"
    assert row["Status"] == "Given"
    assert row["Dose (mcg)"] == str(late.dose_mcg)
    assert row["Volume (mL)"] == f"{regimen.volume_ml(late.dose_mcg):g}"
    assert row["Site"] == "Left deltoid"
    assert row["Lot"] == LOT
    expect(page).to_have_url(f"{live_server.url}/export/csv/")  # the page stays

    page.get_by_label("Lab results").check()
    page.get_by_label("From").fill(start.isoformat())
    page.get_by_label("To (inclusive)").fill(today.isoformat())
    name, data = download(page, "Download CSV")
    assert name == f"b12-labs-{start.isoformat()}-to-{today.isoformat()}.csv"
    header, *rows = csv_rows(data)
    assert header == LAB_HEADER
    assert len(rows) == 1, "the first result is before the range"
    row = dict(zip(header, rows[0], strict=True))
    days_ago, value, note = LAB_RESULTS[1]
    assert row["Date taken"] == (today - timedelta(days=days_ago)).isoformat()
    assert row["Test"] == "Serum vitamin B12 (cobalamin)"
    assert (row["Value"], row["Unit"]) == (value, "pg/mL")
    assert row["Note"] == note


def test_range_ending_before_it_starts_is_explained(page, live_server, patient, record):
    today = patient.today()
    start, end = today - timedelta(days=3), today - timedelta(days=10)
    downloads = []
    page.on("download", lambda file: downloads.append(file))

    login(page, live_server, patient.email)
    page.goto(f"{live_server.url}/export/csv/")
    page.get_by_label("From").fill(start.isoformat())
    page.get_by_label("To (inclusive)").fill(end.isoformat())
    page.get_by_role("button", name="Download CSV").click()

    expect(
        page.get_by_text(
            f"The end ({end.isoformat()}) is before the start ({start.isoformat()}): "
            "choose an end on or after the start."
        )
    ).to_be_visible()
    expect(page.get_by_label("To (inclusive)")).to_have_value(end.isoformat())
    assert downloads == []


def test_patient_downloads_fhir_bundle(page, live_server, patient, record):
    _, late = record
    login(page, live_server, patient.email)
    page.get_by_role("navigation").get_by_role("link", name="History").click()
    page.get_by_role("link", name="Download my data").click()

    name, data = download(page, "Download FHIR bundle", role="link")
    assert name == f"b12-record-{patient.today().isoformat()}.fhir.json"
    bundle = json.loads(data.decode("utf-8"))
    assert bundle["resourceType"] == "Bundle"
    resources = [entry["resource"] for entry in bundle["entry"]]
    (me,) = [r for r in resources if r["resourceType"] == "Patient"]
    given = [r for r in resources if r["resourceType"] == "MedicationAdministration"]
    assert len(given) == 2
    lots = {r["contained"][0]["batch"]["lotNumber"]: r for r in given}
    assert set(lots) == {OLD_LOT, LOT}
    latest = lots[LOT]
    assert latest["status"] == "completed"
    assert latest["subject"]["reference"].endswith(me["id"])
    # The time as the patient lived it, with their zone's offset.
    assert latest["effectiveDateTime"].startswith(f"{local_date(late, patient).isoformat()}T22:00")
    assert latest["dosage"]["dose"]["value"] == late.dose_mcg


def test_clinician_exports_a_patients_csv_from_the_record(
    page, live_server, patient, clinician, record
):
    regimen, late = record
    today = patient.today()
    login(page, live_server, clinician.email)
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    page.locator("main").get_by_role("link", name="Export").click()

    expect(page).to_have_url(f"{live_server.url}/patients/{patient.pk}/export/csv/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Download data for {patient.name}")
    expect(page.get_by_test_id("csv-purpose")).to_contain_text(patient.time_zone)
    expect(page.get_by_text("Full backup (JSON)")).to_have_count(0)  # the patient's own only
    first_day = first_record(patient)
    expect(page.get_by_label("From")).to_have_value(first_day.isoformat())

    name, data = download(page, "Download CSV")
    assert name == f"b12-pat-patient-injections-{first_day.isoformat()}-to-{today.isoformat()}.csv"
    header, *rows = csv_rows(data)
    assert header == injection_header(patient)
    assert [(row[0], row[9]) for row in rows] == [
        (regimen.start_date.isoformat(), OLD_LOT),
        (local_date(late, patient).isoformat(), LOT),
    ]

    # The patient sees who downloaded their data.
    page.context.clear_cookies()
    login(page, live_server, patient.email)
    page.get_by_role("link", name="Who looked at my record").click()
    views = page.get_by_test_id("record-views").get_by_role("row")
    expect(views.filter(has_text="CSV export of injections")).to_contain_text(clinician.name)
