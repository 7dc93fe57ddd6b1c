"""Download my data: injections, check-ins or labs over a range of the patient's own days, as a
CSV that opens cleanly in a spreadsheet, for the patient and for their care-team clinicians;
the page that offers it, with the FHIR and JSON downloads; its errors; who may have it; and a
fixed number of queries whatever the size of the record.

The patient lives in Auckland, 12 hours ahead of UTC in winter: a morning injection there is
the previous evening in UTC, so a date taken from UTC would be a day early."""

import csv
import io
import re
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.models import RecordView
from doses import actions
from tests import factories
from tests.pages import by_testid, form_values, soup, text, texts

AUCKLAND = ZoneInfo("Pacific/Auckland")
START = date(2026, 5, 4)  # a Monday
TODAY = date(2026, 6, 1)

INJECTION_HEADER = [
    "Date",
    "Time (Pacific/Auckland)",
    "Status",
    "Dose (mcg)",
    "Volume (mL)",
    "Product",
    "Strength (mcg/mL)",
    "Route",
    "Site",
    "Lot",
    "Given by",
    "Phase",
    "Notes or reason skipped",
    "Confirmed as",
    "Prescribed dose then (mcg)",
    "On time within (± days)",
]
CHECKIN_HEADER = [
    "Date",
    "Time (Pacific/Auckland)",
    "Fatigue (0-10)",
    "Tingling (0-10)",
    "Numbness (0-10)",
    "Balance (0-10)",
    "Memory (0-10)",
    "Mood (0-10)",
    "Total (0-60)",
    "Side effects",
    "Allergy signs",
    "Note",
    "Phase",
]
LAB_HEADER = [
    "Date taken",
    "Test",
    "Value",
    "Unit",
    "Standard value",
    "Standard unit",
    "Typical low",
    "Typical high",
    "Outside typical range",
    "Note",
]


pytestmark = [pytest.mark.django_db, pytest.mark.frozen(datetime(2026, 6, 1, 15, tzinfo=AUCKLAND))]


@pytest.fixture(autouse=True)
def kiwi(patient):
    patient.time_zone = "Pacific/Auckland"
    patient.save()
    return patient


@pytest.fixture
def clinician_client(client, clinician):
    client.force_login(clinician)
    return client


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AUCKLAND)


def download(client, kind, start, end, url=None):
    return client.get(
        url or reverse("export_csv"),
        {"kind": kind, "start": start.isoformat(), "end": end.isoformat()},
    )


def rows(response) -> list[list[str]]:
    """The CSV's rows, header first, after checking that it is a spreadsheet-friendly file."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark
    text = body.decode("utf-8")[1:]
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # every line ends in CRLF
    return list(csv.reader(io.StringIO(text, newline="")))


def column(table, name) -> list[str]:
    index = table[0].index(name)
    return [row[index] for row in table[1:]]


def read(response) -> SimpleNamespace:
    """Text by data-testid, each link's address by its words (the first such link), the
    headings (the title and the h1), the field errors, and the values a browser would submit
    but the hidden ones."""
    page = soup(response)
    links = {}
    for link in page.select("a"):
        links.setdefault(text(link), link.get("href"))
    return SimpleNamespace(
        testids=by_testid(page),
        links=links,
        headings=texts(page, "title, h1"),
        errors=texts(page, '[class*="invalid-feedback"]'),
        values=form_values(page, skip=("hidden",)),
    )


# --- injections ------------------------------------------------------------------------------


def test_injections_are_dated_in_the_patients_zone_with_units_in_the_headers(
    patient, patient_client
):
    regimen = factories.regimen_for(patient, START)
    factories.give(regimen, START, 8, site="LD", lot_number="KX42", reaction_notes="Sore arm")
    factories.give(regimen, START + timedelta(days=1), 21, site="RVL")

    table = rows(download(patient_client, "injections", START, TODAY))

    assert table == [
        INJECTION_HEADER,
        # 08:00 on 4 May in Auckland is 20:00 on 3 May in UTC.
        [
            "2026-05-04",
            "08:00",
            "Given",
            "1000",
            "1",
            "Cyanocobalamin",
            "1000",
            "Intramuscular",
            "Left deltoid",
            "KX42",
            "Myself",
            "Daily for 1 week",
            "Sore arm",
            "",
            "1000",
            "0",
        ],
        [
            "2026-05-05",
            "21:00",
            "Given",
            "1000",
            "1",
            "Cyanocobalamin",
            "1000",
            "Intramuscular",
            "Right thigh (vastus lateralis)",
            "",
            "Myself",
            "Daily for 1 week",
            "",
            "",
            "1000",
            "0",
        ],
    ]


def test_skipped_injections_are_listed_with_the_reason_and_deleted_ones_are_left_out(
    patient, patient_client
):
    regimen = factories.regimen_for(patient, START)
    factories.give(regimen, START, 9)
    mistake = factories.give(regimen, START + timedelta(days=1), 9, lot_number="WRONG")
    actions.delete_dose(mistake, patient, "Logged twice")
    regimen.refresh_from_db()
    actions.skip_dose(regimen, patient, "Out of stock")  # due 5 May, recorded at noon
    factories.give(regimen, START + timedelta(days=2), 9, dose=500)

    table = rows(download(patient_client, "injections", START, TODAY))

    assert [row[:5] for row in table[1:]] == [
        ["2026-05-04", "09:00", "Given", "1000", "1"],
        ["2026-05-05", "12:00", "Skipped", "", ""],
        ["2026-05-06", "09:00", "Given", "500", "0.5"],
    ]
    assert column(table, "Notes or reason skipped")[1] == "Out of stock"
    assert "WRONG" not in column(table, "Lot")


def test_the_range_is_inclusive_of_both_days_in_the_patients_zone(patient, patient_client):
    regimen = factories.regimen_for(patient, START)
    for day, hour in [(3, 23), (4, 0), (5, 12), (6, 23), (7, 0)]:
        factories.give(regimen, date(2026, 5, day), hour)
    factories.check_in(patient, local(date(2026, 5, 3), 23, 59))
    factories.check_in(patient, local(date(2026, 5, 4), 0, 1))
    factories.check_in(patient, local(date(2026, 5, 6), 23, 59))
    factories.check_in(patient, local(date(2026, 5, 7), 0, 1))
    for day in (3, 4, 6, 7):
        factories.record_lab(patient, date(2026, 5, day), "400")
    first, last = date(2026, 5, 4), date(2026, 5, 6)

    doses = rows(download(patient_client, "injections", first, last))
    checkins = rows(download(patient_client, "checkins", first, last))
    labs = rows(download(patient_client, "labs", first, last))

    # 00:00 on the first day to 23:59 on the last, Auckland time. (UTC days would run from noon
    # on 4 May to noon on 7 May here: they would drop the first injection and take in the last.)
    assert [row[:2] for row in doses[1:]] == [
        ["2026-05-04", "00:00"],
        ["2026-05-05", "12:00"],
        ["2026-05-06", "23:00"],
    ]
    assert [row[:2] for row in checkins[1:]] == [["2026-05-04", "00:01"], ["2026-05-06", "23:59"]]
    assert column(labs, "Date taken") == ["2026-05-04", "2026-05-06"]


# --- check-ins and labs ----------------------------------------------------------------------


def test_check_ins_have_a_column_per_symptom_and_the_total(patient, patient_client):
    factories.check_in(
        patient,
        local(date(2026, 5, 20), 7, 30),
        score=3,
        side_effects=["Headache", "Nausea"],
        allergy_signs=["hives"],
        note="Tired after work",
    )
    factories.check_in(patient, local(date(2026, 5, 10), 19), score=0)

    table = rows(download(patient_client, "checkins", START, TODAY))

    assert table == [
        CHECKIN_HEADER,
        # No regimen yet: no phase.
        ["2026-05-10", "19:00", "0", "0", "0", "0", "0", "0", "0", "", "", "", ""],
        [
            "2026-05-20",
            "07:30",
            *["3"] * 6,
            "18",
            "Headache; Nausea",
            "Hives or widespread itchy rash",
            "Tired after work",
            "",
        ],
    ]


def test_labs_keep_the_value_as_entered_and_give_the_standard_value_and_range(
    patient, patient_client
):
    factories.record_lab(patient, date(2026, 5, 12), "300", unit="pmol/L", note="Fasting")
    factories.record_lab(patient, date(2026, 5, 5), "150")
    factories.record_lab(patient, date(2026, 5, 5), "13.5", unit="g/dL", analyte="hemoglobin")

    table = rows(download(patient_client, "labs", START, TODAY))

    assert table == [
        LAB_HEADER,
        ["2026-05-05", "Serum vitamin B12 (cobalamin)", "150", "pg/mL", "150", "pg/mL"]
        + ["200", "900", "Low", ""],
        ["2026-05-05", "Hemoglobin", "13.5", "g/dL", "13.5", "g/dL", "12", "17.5", "No", ""],
        # 300 pmol/L x 1.355 = 406.5 pg/mL
        ["2026-05-12", "Serum vitamin B12 (cobalamin)", "300", "pmol/L", "406.5", "pg/mL"]
        + ["200", "900", "No", "Fasting"],
    ]


# --- a file a spreadsheet opens safely -------------------------------------------------------


def test_text_that_a_spreadsheet_would_run_as_a_formula_is_defused(patient, patient_client):
    regimen = factories.regimen_for(patient, START)
    factories.give(
        regimen,
        START,
        9,
        lot_number='=HYPERLINK("http://x.example","Lot")',
        reaction_notes="+1 sore, @home",
    )
    factories.check_in(patient, local(date(2026, 5, 6), 9), note="-2 better than last week")
    factories.record_lab(patient, date(2026, 5, 6), "400", note="\tsee letter")

    doses = rows(download(patient_client, "injections", START, TODAY))
    checkins = rows(download(patient_client, "checkins", START, TODAY))
    labs = rows(download(patient_client, "labs", START, TODAY))

    assert column(doses, "Lot") == ['\'=HYPERLINK("http://x.example","Lot")']
    assert column(doses, "Notes or reason skipped") == ["'+1 sore, @home"]
    assert column(checkins, "Note") == ["'-2 better than last week"]
    assert column(labs, "Note") == ["'\tsee letter"]
    # Numbers stay numbers.
    assert column(doses, "Dose (mcg)") == ["1000"]
    assert column(labs, "Standard value") == ["400"]


def test_the_file_is_an_attachment_named_for_the_kind_and_days(patient, patient_client):
    response = download(patient_client, "labs", date(2026, 1, 1), TODAY)

    assert response["Content-Disposition"] == (
        'attachment; filename="b12-labs-2026-01-01-to-2026-06-01.csv"'
    )
    assert rows(response) == [LAB_HEADER]


def test_an_end_after_today_is_taken_as_today(patient, patient_client):
    response = download(patient_client, "checkins", START, date(2026, 12, 31))

    assert response["Content-Disposition"].endswith('"b12-checkins-2026-05-04-to-2026-06-01.csv"')


# --- the page --------------------------------------------------------------------------------


def test_the_page_offers_the_csv_fhir_and_backup_downloads(patient, patient_client):
    factories.check_in(patient, local(date(2026, 4, 15), 8))
    factories.record_lab(patient, date(2026, 4, 14), "400")

    response = patient_client.get(reverse("export_csv"))

    assert response.status_code == 200
    page = read(response)
    assert page.headings == ["Download my data · B12 log", "Download my data"]
    assert page.values == {"kind": "injections", "start": "2026-04-14", "end": "2026-06-01"}
    assert page.links["Download FHIR bundle"] == reverse("export_fhir")
    assert page.links["Download backup"] == reverse("export")
    assert "Pacific/Auckland" in page.testids["csv-purpose"][0]
    assert "another health system" in page.testids["fhir-purpose"][0]
    assert "restored" in page.testids["backup-purpose"][0]


def test_with_nothing_recorded_the_range_starts_a_year_ago(patient_client):
    page = read(patient_client.get(reverse("export_csv")))

    assert (page.values["start"], page.values["end"]) == ("2025-06-01", "2026-06-01")


def test_history_and_record_pages_link_to_it(patient, clinician, patient_client, client):
    history = read(patient_client.get(reverse("history")))
    client.force_login(clinician)
    record = read(client.get(reverse("patient_record", args=[patient.pk])))

    assert history.links["Download my data"] == reverse("export_csv")
    assert record.links["Export"] == reverse("patient_export_csv", args=[patient.pk])


@pytest.mark.parametrize(
    "params, error",
    [
        (
            {"kind": "labs", "start": "2026-05-10", "end": "2026-05-09"},
            "The end (2026-05-09) is before the start (2026-05-10): "
            "choose an end on or after the start.",
        ),
        (
            {"kind": "labs", "start": "2026-06-02", "end": "2026-06-03"},
            "The start is in the future: choose 2026-06-01 or earlier.",
        ),
        ({"kind": "labs", "start": "0001-01-01", "end": ""}, "Choose a start from 1900 onwards."),
        ({"kind": "labs", "start": "10 May", "end": ""}, "Enter a valid date."),
        ({"kind": "everything", "start": "", "end": ""}, "Select a valid choice."),
        ({"start": "2026-05-01"}, "Choose which records to download."),
    ],
)
def test_a_bad_form_shows_the_page_again_with_the_error_and_downloads_nothing(
    patient_client, params, error
):
    response = patient_client.get(reverse("export_csv"), params)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    assert not re.search(r"<script(?![^>]*\bsrc=)|\sstyle=\"", response.content.decode())
    assert any(text.startswith(error) for text in read(response).errors), read(response).errors


def test_blank_dates_mean_from_the_first_record_to_today(patient, patient_client):
    factories.record_lab(patient, date(2026, 3, 3), "400")

    response = patient_client.get(reverse("export_csv"), {"kind": "labs", "start": "", "end": ""})

    assert response["Content-Disposition"].endswith('"b12-labs-2026-03-03-to-2026-06-01.csv"')
    assert column(rows(response), "Date taken") == ["2026-03-03"]


def test_it_is_a_page_to_read_not_to_post_to(patient_client):
    assert patient_client.post(reverse("export_csv"), {"kind": "labs"}).status_code == 405


# --- the clinician ---------------------------------------------------------------------------


def test_a_care_team_clinician_downloads_and_the_patient_sees_it_in_the_audit(
    patient, clinician, clinician_client
):
    factories.record_lab(patient, date(2026, 5, 5), "400")
    url = reverse("patient_export_csv", args=[patient.pk])

    page = read(clinician_client.get(url))
    # The page shows the day of the first record: looking at it is a look at the record.
    assert list(RecordView.objects.values_list("what", flat=True)) == ["CSV download page"]
    response = download(clinician_client, "labs", START, TODAY, url=url)

    assert response["Content-Disposition"] == (
        'attachment; filename="b12-pat-patient-labs-2026-05-04-to-2026-06-01.csv"'
    )
    assert column(rows(response), "Test") == ["Serum vitamin B12 (cobalamin)"]
    view = RecordView.objects.latest("pk")
    assert (view.patient, view.viewer, view.what) == (patient, clinician, "CSV export of labs")
    assert page.headings[1] == "Download data for Pat Patient"
    assert page.links["Download FHIR bundle"] == reverse("patient_export_fhir", args=[patient.pk])
    assert "Download backup" not in page.links  # the JSON backup is the patient's own
    record = reverse("patient_record", args=[patient.pk])
    assert page.links["Back to Pat Patient's record"] == record


def test_a_bad_form_from_a_clinician_downloads_nothing_and_logs_only_the_page(
    patient, clinician_client
):
    url = reverse("patient_export_csv", args=[patient.pk])
    bad = {"kind": "labs", "start": "2026-05-10", "end": "2026-05-01"}
    response = clinician_client.get(url, bad)

    assert response.status_code == 200
    assert "Content-Disposition" not in response
    assert list(RecordView.objects.values_list("what", flat=True)) == ["CSV download page"]


# --- who may have it -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_clinician", "patient", "other_patient", "admin_user"])
def test_only_the_care_team_has_the_clinicians_download(patient, client, who, request):
    if who == "other_clinician":
        user = factories.ClinicianFactory(name="Dr Elsewhere")
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)
    url = reverse("patient_export_csv", args=[patient.pk])

    assert client.get(url).status_code == 404
    assert download(client, "labs", START, TODAY, url=url).status_code == 404
    assert RecordView.objects.count() == 0


@pytest.mark.parametrize("who", ["clinician", "admin_user"])
def test_the_patients_own_download_is_for_patients(client, who, request):
    client.force_login(request.getfixturevalue(who))

    assert download(client, "labs", START, TODAY).status_code == 404


def test_a_patient_gets_only_their_own_records(patient, other_patient, client):
    other_patient.time_zone = "Pacific/Auckland"
    other_patient.save()
    factories.record_lab(other_patient, date(2026, 5, 5), "999", note="Olga's")
    client.force_login(patient)

    assert rows(download(client, "labs", START, TODAY)) == [LAB_HEADER]


def test_signed_out_it_asks_to_sign_in(client):
    response = download(client, "labs", START, TODAY)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- a fixed number of queries ---------------------------------------------------------------


def fill(patient, clinician, size: int) -> None:
    regimen = factories.regimen_for(patient, date(2025, 1, 1), prescriber=clinician)
    factories.add_injections(regimen, size, date(2025, 1, 1))
    for n in range(size):
        day = date(2026, 1, 1) + timedelta(days=n % 150)
        factories.check_in(patient, local(day, 8, n % 60), score=n % 11)
        factories.record_lab(patient, day, str(200 + n))


@pytest.mark.parametrize("size", [2, 40])
@pytest.mark.parametrize("kind, queries", [("injections", 1), ("checkins", 2), ("labs", 2)])
def test_a_download_costs_the_same_queries_whatever_the_size_of_the_record(
    patient, clinician, client, django_assert_num_queries, size, kind, queries
):
    fill(patient, clinician, size)
    start = date(2025, 1, 1)

    client.force_login(patient)
    # The session and the signed-in patient, then the rows (and for labs, the typical ranges;
    # for check-ins, the changes of their phases, to show each as it was then).
    with django_assert_num_queries(2 + queries):
        mine = rows(download(client, kind, start, TODAY))

    client.force_login(clinician)
    url = reverse("patient_export_csv", args=[patient.pk])
    # The session, the clinician, the patient through the care team, the audit row; the rows.
    with django_assert_num_queries(4 + queries):
        theirs = rows(download(client, kind, start, TODAY, url=url))

    assert len(mine) == len(theirs) == size + 1
    assert mine == theirs


@pytest.mark.parametrize("size", [2, 40])
def test_the_page_costs_the_same_queries_whatever_the_size_of_the_record(
    patient, clinician, patient_client, django_assert_num_queries, size
):
    fill(patient, clinician, size)

    # The session, the patient, and the first record's date for the form's default start.
    with django_assert_num_queries(3):
        page = read(patient_client.get(reverse("export_csv")))

    assert page.values["start"] == "2025-01-01"
