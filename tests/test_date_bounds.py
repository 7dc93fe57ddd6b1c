"""Dates without bounds (issue 16): every date a person enters is between 1900 and 2100 (past
events at most two days ahead, plans a year, expiry dates ten years); a date query parameter out
of range gives a message and the default range; and a date stored out of range (written around
the forms) never makes a page fail.

Today is Friday 20 March 2026 at noon in New York; the patient's regimen (cyanocobalamin, US
template) started on Monday 2 March 2026.
"""

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts import dates
from doses.models import DoseLog
from labs import actions as lab_actions
from labs.models import LabResult
from plan_setup.started_forms import EarlierInjection
from records import backup
from regimens.forms import LabReviewForm, PrescribeForm
from regimens.models import Regimen, RegimenChange
from supplies.models import Supply
from symptoms.models import SymptomEntry
from tests import factories, pages

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)
YEAR_1 = date(1, 1, 1)
YEAR_9999 = date(9999, 12, 31)
MOMENTS = {
    YEAR_1: datetime(1, 1, 1, 0, 30, tzinfo=UTC),
    YEAR_9999: datetime(9999, 12, 31, 23, 30, tzinfo=UTC),
}


pytestmark = [pytest.mark.django_db, pytest.mark.frozen(datetime(2026, 3, 20, 12, tzinfo=NEW_YORK))]


@pytest.fixture
def regimen(patient):
    return factories.regimen_for(patient, START)


@pytest.fixture
def clinician_client(client, clinician):
    client.force_login(clinician)
    return client


def page(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return pages.soup(response)


def said(soup: BeautifulSoup, selector: str) -> list[str]:
    return pages.texts(soup, selector)


def errors(soup: BeautifulSoup) -> list[str]:
    return said(soup, ".invalid-feedback, ul.errorlist li")


def supply_data(**changes) -> dict:
    return {
        "submission_token": str(uuid.uuid4()),
        "medication": "cyanocobalamin",
        "concentration_mcg_per_ml": "1000",
        "container_ml": "1",
        "count": "10",
        "expires_on": "2027-01-31",
        "lot_number": "",
        "received_on": "2026-03-02",
        "note": "",
        **changes,
    }


def add_lab(patient, taken_on=START) -> LabResult:
    lab, _ = lab_actions.record_lab(
        patient, patient, analyte="b12", value=Decimal("300"), unit="pg/mL", taken_on=taken_on
    )
    return lab


# --- what a person enters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"received_on": "0001-01-01"}, "Enter a date between 1 Jan 1900 and 22 Mar 2026."),
        ({"expires_on": "9999-12-31"}, "Enter a date between 1 Jan 1900 and 20 Mar 2036."),
        ({"expires_on": "2040-01-01"}, "Enter a date no later than 20 Mar 2036."),
    ],
)
def test_a_supply_with_a_date_out_of_bounds_is_refused_on_its_field(
    patient, patient_client, regimen, changes, field_message
):
    soup = page(patient_client.post(reverse("supply_new"), supply_data(**changes)))

    assert field_message in errors(soup)
    assert not Supply.objects.exists()


@pytest.mark.parametrize("taken_on", ["0001-01-01", "1899-12-31"])
def test_a_lab_drawn_before_1900_is_refused(patient, patient_client, taken_on):
    form = page(patient_client.get(reverse("lab_new")))
    token = form.select_one("input[name=submission_token]")["value"]
    data = {
        "submission_token": token,
        "analyte": "b12",
        "taken_on": taken_on,
        "value": "300",
        "unit": "pg/mL",
        "note": "",
    }

    soup = page(patient_client.post(reverse("lab_new"), data))

    assert "Enter a date between 1 Jan 1900 and 22 Mar 2026." in errors(soup)
    assert not LabResult.objects.exists()


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("0001-01-01", "Enter a date between 1 Jan 1900 and 21 Mar 2027."),
        ("9999-12-31", "Enter a date between 1 Jan 1900 and 21 Mar 2027."),
        ("2028-01-01", "Enter a date no later than 21 Mar 2027."),
    ],
)
def test_a_regimen_cannot_be_prescribed_to_start_in_year_1_9999_or_years_ahead(start, message):
    form = PrescribeForm({"template": factories.template().pk, "start_date": start})

    assert not form.is_valid()
    assert form.errors["start_date"] == [message]


def test_every_model_refuses_a_stored_date_out_of_bounds_on_its_field(patient, regimen):
    regimen.start_date = YEAR_9999
    checkin = SymptomEntry(
        patient=patient,
        recorded_by=patient,
        recorded_at=MOMENTS[YEAR_1],
        **{key: 1 for key in SymptomEntry.SYMPTOMS},
    )

    with pytest.raises(ValidationError) as regimen_error:
        regimen.full_clean()
    with pytest.raises(ValidationError) as checkin_error:
        checkin.full_clean()

    assert "start_date" in regimen_error.value.message_dict
    assert checkin_error.value.message_dict["recorded_at"] == [
        "Enter a date between 1 Jan 1900 and 22 Mar 2026."
    ]


# --- date query parameters -----------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["patient_record", "patient_report"])
@pytest.mark.parametrize(
    "query", ["last=9999-12-31", "first=0001-01-01", "first=1899-12-31", "last=2101-01-01"]
)
def test_a_range_out_of_bounds_says_so_and_shows_the_whole_record(
    patient, regimen, clinician_client, url_name, query
):
    factories.give(regimen, START)
    add_lab(patient)
    url = reverse(url_name, args=[patient.pk])

    soup = page(clinician_client.get(f"{url}?{query}"))
    whole = page(clinician_client.get(url))

    assert said(soup, "[data-testid=range-error]") == [
        "Enter a date between 1 Jan 1900 and 31 Dec 2100."
    ]
    assert soup.select_one("main").get_text(" ").count("2 Mar 2026") == whole.select_one(
        "main"
    ).get_text(" ").count("2 Mar 2026")


@pytest.mark.parametrize("name", ["symptoms", "intervals", "lab-b12"])
@pytest.mark.parametrize("query", ["last=9999-12-31", "first=0001-01-01", "first=banana"])
def test_a_chart_with_a_range_out_of_bounds_draws_the_default_range(
    patient, regimen, clinician_client, name, query
):
    factories.give(regimen, START)
    add_lab(patient)
    url = reverse("patient_chart", args=[patient.pk, name])

    response = clinician_client.get(f"{url}?{query}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<?xml")


def test_parse_day_reads_a_bounded_date_or_says_why():
    assert dates.parse_day("2026-03-02") == (date(2026, 3, 2), None)
    assert dates.parse_day("") == (None, None)
    assert dates.parse_day("9999-12-31") == (
        None,
        "Enter a date between 1 Jan 1900 and 31 Dec 2100.",
    )
    assert dates.parse_day("2026-02-30") == (None, "Enter a date as YYYY-MM-DD.")


# --- dates stored out of bounds ------------------------------------------------------------


@pytest.fixture(params=[YEAR_1, YEAR_9999], ids=["year-1", "year-9999"])
def bad_day(request):
    return request.param


def test_a_supply_stored_with_a_bad_date_leaves_home_supplies_and_log_working(
    patient, patient_client, regimen, bad_day
):
    factories.give(regimen, START)
    box = {
        "count": 5,
        "expires_on": date(2027, 1, 31),
        "received_on": START,
        "lot_number": "LOT-OK",
    }
    bad = factories.add_supply(patient, **box)
    good = factories.add_supply(patient, **box)
    Supply.objects.filter(pk=good.pk).update(lot_number="LOT-GOOD")
    Supply.objects.filter(pk=bad.pk).update(received_on=bad_day, expires_on=bad_day)

    home = page(patient_client.get(reverse("home")))
    stock = page(patient_client.get(reverse("supplies")))
    log = page(patient_client.get(reverse("history")))

    assert home.select_one("main").get_text(strip=True)
    assert "LOT-GOOD" in stock.get_text(" ")
    assert "2 Mar 2026" in log.get_text(" ")


def test_records_stored_with_bad_dates_leave_every_page_working(
    patient, clinician_client, regimen, bad_day
):
    own_client = Client()
    own_client.force_login(patient)
    factories.give(regimen, START)
    factories.give(regimen, date(2026, 3, 3))
    add_lab(patient)
    bad_lab = add_lab(patient, taken_on=date(2026, 3, 4))
    LabResult.objects.filter(pk=bad_lab.pk).update(taken_on=bad_day)
    first_dose = DoseLog.objects.order_by("administered_at").first()
    DoseLog.objects.filter(pk=first_dose.pk).update(administered_at=MOMENTS[bad_day])
    factories.check_in(patient, score=2)
    SymptomEntry.objects.update(recorded_at=MOMENTS[bad_day])
    RegimenChange.objects.filter(patient=patient).update(at=MOMENTS[bad_day])
    record_url = reverse("patient_record", args=[patient.pk])

    record = page(clinician_client.get(record_url))
    report = page(clinician_client.get(reverse("patient_report", args=[patient.pk])))
    patients = page(clinician_client.get(reverse("home")))
    charts = [
        clinician_client.get(reverse("patient_chart", args=[patient.pk, name]))
        for name in ("symptoms", "intervals", "wearoff", "lab-b12")
    ]
    own = [
        own_client.get(reverse(name))
        for name in ("home", "history", "labs", "export", "export_csv", "export_fhir")
    ]

    # The injection of 3 March and the result of 2 March are still there.
    assert "3 Mar 2026" in record.get_text(" ")
    assert "2 Mar 2026" in report.get_text(" ")
    assert "Pat Patient" in patients.get_text(" ")
    assert [chart.status_code for chart in charts] == [200] * 4
    assert [response.status_code for response in own] == [200] * 6


@pytest.mark.parametrize("start", [YEAR_1, YEAR_9999], ids=["year-1", "year-9999"])
def test_a_regimen_stored_with_a_bad_start_leaves_pages_and_the_feed_working(
    client, patient, clinician_client, regimen, start
):
    factories.give(regimen, START)
    Regimen.objects.filter(pk=regimen.pk).update(
        start_date=start, next_due=start, last_event_on=start, phase_entered_on=start
    )
    feed = factories.CalendarFeedFactory(user=patient)

    record = page(clinician_client.get(reverse("patient_record", args=[patient.pk])))
    report = page(clinician_client.get(reverse("patient_report", args=[patient.pk])))
    calendar = client.get(reverse("calendar_feed", args=[feed.token]))
    client.force_login(patient)
    home = page(client.get(reverse("home")))

    assert "2 Mar 2026" in record.get_text(" ")
    assert "2 Mar 2026" in report.get_text(" ")
    assert calendar.status_code == 200
    assert calendar.content.startswith(b"BEGIN:VCALENDAR")
    assert home.select_one("main").get_text(strip=True)


def test_clamp_and_add_days_never_overflow():
    assert dates.clamp(YEAR_1) == dates.EARLIEST
    assert dates.clamp(MOMENTS[YEAR_9999]) == dates.LATEST_MOMENT
    assert dates.add_days(date(9999, 12, 30), 30) == dates.LATEST
    assert dates.add_days(date(1, 1, 2), -30) == dates.EARLIEST


# --- the JSON import -----------------------------------------------------------------------


def test_the_import_refuses_a_date_out_of_bounds_and_imports_nothing(patient, regimen):
    factories.give(regimen, START)
    data = backup.export_patient(patient)
    backup.wipe_patient(patient)
    for row in data["objects"]:
        if row["model"] == "doses.doselog":
            row["fields"]["administered_at"] = "0001-01-01T00:00:00+00:00"

    with pytest.raises(ValueError, match="administered_at must be between 1900-01-01"):
        backup.import_patient(data)

    assert not DoseLog.objects.exists()
    assert not Regimen.objects.exists()


def test_the_import_refuses_an_unreadable_date(patient, regimen):
    data = backup.export_patient(patient)
    backup.wipe_patient(patient)
    for row in data["objects"]:
        if row["model"] == "regimens.regimen":
            row["fields"]["start_date"] = "10000-01-01"

    with pytest.raises(ValueError, match="cannot be read"):
        backup.import_patient(json.loads(json.dumps(data)))

    assert not Regimen.objects.exists()


@pytest.mark.parametrize("when", ["0001-01-01T09:00", "9999-12-31T23:00", "1899-12-31T09:00"])
def test_an_injection_dated_out_of_bounds_is_refused(patient, patient_client, regimen, when):
    form = page(patient_client.get(reverse("log_dose")))
    data = {
        field["name"]: field.get("value", "")
        for field in form.select("form input[name]")
        if field.get("type") not in ("checkbox", "radio", "submit")
    }
    data.update({"administered_at": when, "dose_mcg": "1000", "route": "IM", "site": "LD"})

    soup = page(patient_client.post(reverse("log_dose"), data))

    assert any("1900" in error for error in errors(soup)), errors(soup)
    assert not DoseLog.objects.exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_an_earlier_injection_at_set_up_must_be_between_1900_and_today(day):
    form = EarlierInjection({"day": day, "time": "09:00", "site": "LD"}, route="IM")

    assert not form.is_valid()
    assert form.errors["day"] == ["Enter a date between 1 Jan 1900 and 22 Mar 2026."]


def test_a_lab_review_cannot_be_planned_in_year_9999():
    form = LabReviewForm({"on": "9999-12-31", "reason": ""})

    assert not form.is_valid()
    assert form.errors["on"] == ["Enter a date between 1 Jan 1900 and 31 Dec 2100."]
