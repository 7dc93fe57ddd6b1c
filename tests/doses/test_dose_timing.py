"""An early dose or a second dose the same day is never saved in silence: the form comes back
saying what is unusual and what will happen, and only the confirmed resubmission (same token)
saves it. The record then says it was confirmed, wherever the dose is shown; the clinician's
list flags the patient. After logging, the message offers Undo.

The patient (New York) started the US cyanocobalamin course on Friday 23 October 2026 and had
every loading and weekly dose on time: the last weekly dose on Thursday 26 November, so the
first maintenance dose (every 4 weeks, on time within 3 days) is due Thursday 24 December.
"""

import csv
import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from doses.models import DoseLog
from tests import factories, pages
from tests.clock import frozen

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 10, 23)
DUE = date(2026, 12, 24)


@pytest.fixture
def maintenance(patient):
    with frozen(START):
        regimen = factories.regimen_for(patient, START)
    for _ in range(11):
        with frozen(regimen.next_due):
            factories.give(regimen, regimen.next_due)
    assert regimen.next_due == DUE
    return regimen


def soup(response) -> BeautifulSoup:
    return pages.soup(response)


def words(node) -> str:
    return pages.text(node) if node else ""


def filled_form(client, url) -> dict:
    """The values the rendered form would submit, as a browser would send them."""
    form = (
        soup(client.get(url)).find("input", attrs={"name": "submission_token"}).find_parent("form")
    )
    data = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or name == "csrfmiddlewaretoken":
            continue
        if field.name == "select":
            chosen = field.find("option", selected=True)
            data[name] = chosen["value"] if chosen else ""
        elif field.get("type") in ("radio", "checkbox"):
            if field.has_attr("checked"):
                data[name] = field["value"]
        elif field.name == "textarea":
            data[name] = field.get_text()
        elif field.get("type") != "submit":
            data[name] = field.get("value", "")
    return data


def log(client, when: datetime, url=None, **extra):
    url = url or reverse("log_dose")
    data = filled_form(client, url)
    data["administered_at"] = f"{when:%Y-%m-%dT%H:%M}"
    data.update(extra)
    return client.post(url, data, follow=True), data


def warning(response) -> str:
    return words(soup(response).find(attrs={"data-testid": "timing-warning"}))


# --- early -----------------------------------------------------------------------------------


def test_an_early_dose_comes_back_to_be_confirmed_and_saves_nothing(
    patient, patient_client, maintenance
):
    with frozen(date(2026, 12, 5)):  # 19 days before it is due
        page, _data = log(patient_client, datetime(2026, 12, 5, 9))

    assert page.redirect_chain == []
    said = warning(page)
    assert "This dose would be early" in said
    assert "The next injection is due Thursday 24 December" in said
    assert "counts as on time from Monday 21 December" in said
    assert "Saturday 5 December is 19 days before it is due" in said
    assert "moves the next dates from 24 Dec, 21 Jan, 18 Feb … to 2 Jan, 30 Jan, 27 Feb" in said
    assert DoseLog.objects.filter(patient=patient).count() == 11
    maintenance.refresh_from_db()
    assert maintenance.next_due == DUE


def test_the_confirmed_early_dose_is_saved_once_and_keeps_that_it_was_confirmed(
    patient, patient_client, maintenance
):
    with frozen(date(2026, 12, 5)):
        page, data = log(patient_client, datetime(2026, 12, 5, 9))
        confirm = {**data, "confirm_timing": "yes"}
        first = patient_client.post(reverse("log_dose"), confirm, follow=True)
        again = patient_client.post(reverse("log_dose"), confirm, follow=True)  # double click

    assert first.redirect_chain == again.redirect_chain == [(reverse("home"), 302)]
    doses = DoseLog.objects.filter(patient=patient, administered_at__date__gte=date(2026, 12, 1))
    assert doses.count() == 1
    dose = doses.get()
    assert dose.confirmed_early and not dose.confirmed_second
    assert dose.due_when_logged == DUE
    maintenance.refresh_from_db()
    assert maintenance.next_due == date(2027, 1, 2)  # schedule rule 4: it floats from the dose


def test_a_dose_inside_the_on_time_window_saves_at_once(patient, patient_client, maintenance):
    with frozen(date(2026, 12, 21)):  # 3 days early: on time for every 4 weeks
        page, _data = log(patient_client, datetime(2026, 12, 21, 9))

    assert page.redirect_chain == [(reverse("home"), 302)]
    dose = DoseLog.objects.filter(patient=patient).first()
    assert not dose.confirmed_early and not dose.confirmed_second
    assert dose.due_when_logged == DUE


def test_a_dose_one_day_before_the_window_is_early(patient, patient_client, maintenance):
    with frozen(date(2026, 12, 20)):
        page, _data = log(patient_client, datetime(2026, 12, 20, 9))

    assert "This dose would be early" in warning(page)


# --- a second dose the same day --------------------------------------------------------------


def test_a_second_dose_the_same_day_is_asked_about(patient, patient_client, maintenance):
    with frozen(DUE, 20):
        log(patient_client, datetime(2026, 12, 24, 8))
        page, data = log(patient_client, datetime(2026, 12, 24, 19))
        said = warning(page)
        patient_client.post(reverse("log_dose"), {**data, "confirm_timing": "yes"})

    # A second dose on the due day is also early for the next one: both are said.
    assert "a second one that day" in said
    assert "An injection is already recorded on Thursday 24 December at 08:00." in said
    second = DoseLog.objects.filter(patient=patient).first()
    assert second.administered_at == datetime(2026, 12, 24, 19, tzinfo=NEW_YORK)
    assert second.confirmed_second


def test_a_confirmed_second_dose_is_shown_and_flags_the_patient(
    patient, clinician, patient_client, client, maintenance
):
    with frozen(DUE, 20):
        log(patient_client, datetime(2026, 12, 24, 8))
        _page, data = log(patient_client, datetime(2026, 12, 24, 19))
        patient_client.post(reverse("log_dose"), {**data, "confirm_timing": "yes"})
        history = soup(patient_client.get(reverse("history")))
        client.force_login(clinician)
        triage = soup(client.get(reverse("home")))
        record = soup(client.get(reverse("patient_record", args=[patient.pk])))

    first = history.find(attrs={"data-testid": "timeline"}).find("li")
    assert "confirmed second dose that day" in words(first)
    assert "Second injection on one day · injection of 24 Dec 2026" in words(triage.find("table"))
    assert "Second injection on one day" in pages.texts(record, "[data-testid=alert-title]")


def test_the_same_day_is_the_patients_own_day(patient, patient_client, maintenance):
    # 23:30 on the 23rd in New York is the 24th in UTC: a different day for the patient.
    with frozen(DUE, 20):
        factories.give(maintenance, date(2026, 12, 23), 23)
        page, _data = log(patient_client, datetime(2026, 12, 24, 19))

    assert "second dose" not in warning(page)


def test_a_deleted_dose_does_not_make_a_second_one(patient, patient_client, maintenance):
    from doses import actions

    with frozen(DUE, 20):
        dose = factories.give(maintenance, DUE, 8)
        actions.delete_dose(dose, patient)
        page, _data = log(patient_client, datetime(2026, 12, 24, 19))

    assert page.redirect_chain == [(reverse("home"), 302)]


# --- the clinic ------------------------------------------------------------------------------


def test_a_clinic_injection_given_early_is_asked_about_too(patient, clinician, client, maintenance):
    client.force_login(clinician)
    url = reverse("clinic_dose", args=[patient.pk])
    with frozen(date(2026, 12, 5)):
        page, data = log(client, datetime(2026, 12, 5, 9), url=url)
        client.post(url, {**data, "confirm_timing": "yes"})

    assert "This dose would be early" in warning(page)
    dose = DoseLog.objects.filter(patient=patient).first()
    assert dose.confirmed_early and dose.administered_by == DoseLog.AdministeredBy.CLINIC


# --- where the confirmation shows ------------------------------------------------------------


@pytest.fixture
def confirmed_early(patient, patient_client, maintenance):
    with frozen(date(2026, 12, 5)):
        _page, data = log(patient_client, datetime(2026, 12, 5, 9))
        patient_client.post(reverse("log_dose"), {**data, "confirm_timing": "yes"})
    return DoseLog.objects.filter(patient=patient).first()


def test_the_history_and_the_injection_page_say_it_was_confirmed_early(
    patient_client, confirmed_early
):
    with frozen(date(2026, 12, 6)):
        history = soup(patient_client.get(reverse("history")))
        detail = soup(patient_client.get(reverse("dose_detail", args=[confirmed_early.pk])))

    first = history.find(attrs={"data-testid": "timeline"}).find("li")
    assert "confirmed early" in words(first)
    assert words(detail.find(attrs={"data-testid": "timing-notes"})) == (
        "confirmed early (due Thursday 24 December 2026 when it was logged)"
    )


def test_the_clinicians_record_report_and_list_show_it(patient, clinician, client, confirmed_early):
    client.force_login(clinician)
    with frozen(date(2026, 12, 6)):
        record = soup(client.get(reverse("patient_record", args=[patient.pk])))
        report = soup(client.get(reverse("patient_report", args=[patient.pk])))
        triage = soup(client.get(reverse("home")))

    assert "confirmed early" in words(record.find(attrs={"data-testid": "timeline"}).find("li"))
    rows = report.find(attrs={"data-testid": "report-doses"}).find_all("tr")
    assert "confirmed early" in words(rows[-1])
    assert "Injection confirmed early · injection of 5 Dec 2026: it was due 24 Dec 2026" in words(
        triage.find("table")
    )


def test_the_exports_carry_it(patient, patient_client, confirmed_early):
    with frozen(date(2026, 12, 6)):
        sheet = patient_client.get(
            reverse("export_csv"),
            {"kind": "injections", "start": "2026-12-01", "end": "2026-12-06"},
        )
        bundle = json.loads(patient_client.get(reverse("export_fhir")).content)

    rows = list(csv.DictReader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert [row["Confirmed as"] for row in rows] == ["confirmed early"]
    notes = [
        note["text"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "MedicationAdministration"
        for note in entry["resource"].get("note", [])
    ]
    assert notes == ["Timing: confirmed early (due 2026-12-24)"]


def test_the_list_does_not_flag_an_ordinary_last_dose(patient, clinician, client, maintenance):
    client.force_login(clinician)
    with frozen(date(2026, 12, 6)):
        triage = soup(client.get(reverse("home")))

    assert "confirmed early" not in words(triage.find("table"))


# --- undo ------------------------------------------------------------------------------------


def test_the_message_after_logging_offers_undo_which_puts_the_dates_back(
    patient, patient_client, maintenance
):
    with frozen(DUE, 9):
        page, _data = log(patient_client, datetime(2026, 12, 24, 9))
        undo = soup(page).find("button", string="Undo").find_parent("form")
        undone = patient_client.post(
            undo["action"],
            {field["name"]: field["value"] for field in undo.find_all("input")},
            follow=True,
        )

    assert "Injection recorded. Next injection due Thursday 21 January 2027." in words(soup(page))
    assert undone.redirect_chain == [(reverse("home"), 302)]
    assert "Undone: that injection no longer counts." in words(soup(undone))
    dose = DoseLog.objects.filter(patient=patient).first()
    assert dose.deleted_at is not None
    assert dose.versions.get().reason == "Undone right after logging"
    maintenance.refresh_from_db()
    assert maintenance.next_due == DUE
