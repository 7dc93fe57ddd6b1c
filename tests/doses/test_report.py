"""The printable report: for a date range (days in the patient's zone), the injections,
check-ins and labs in it, with the regimen and adherence; the whole history without a range;
a print stylesheet linked with media="print".

The patient (New York) takes the cyanocobalamin US template daily from Monday 2 March 2026;
the report is opened on Wednesday 11 March at noon.
"""

from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from doses import actions
from doses.models import LabResult, SymptomEntry
from tests import factories

pytestmark = pytest.mark.django_db

# How a dose of the first phase reads: its phase as prescribed then (regimens/history.py).
DAILY = "Daily for 1 week · 1000 mcg · on time that day"

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)  # a Monday
NOW = datetime(2026, 3, 11, 12, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def moment(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=NEW_YORK)


def checkin(patient, when: datetime, score: int) -> None:
    actions.record_checkin(
        patient, patient, recorded_at=when, **dict.fromkeys(SymptomEntry.SYMPTOMS, score)
    )


def lab(patient, day: date, analyte: str, value: str, unit: str) -> None:
    LabResult.objects.create(
        patient=patient,
        taken_on=day,
        analyte=analyte,
        value=Decimal(value),
        unit=unit,
        recorded_by=patient,
    )


@pytest.fixture
def history(patient):
    """Seven daily doses, one of them at 23:00 on 6 March (04:00 on 7 March in UTC) and one at
    midnight starting 7 March; three check-ins; three labs."""
    regimen = factories.regimen_for(patient, START)
    for day, hour, site in [
        (2, 9, "LD"),
        (3, 9, "RD"),
        (4, 9, "LVL"),
        (5, 9, "RVL"),
        (6, 23, "LVG"),
        (7, 0, "RVG"),
        (8, 9, "LD"),
    ]:
        factories.give(regimen, date(2026, 3, day), hour, site=site)
    checkin(patient, moment(1, 10), 4)
    checkin(patient, moment(5, 20), 3)  # 01:00 on 6 March in UTC
    checkin(patient, moment(10, 10), 1)
    lab(patient, date(2026, 2, 28), "b12", "150", "pg/mL")
    lab(patient, date(2026, 3, 5), "b12", "304", "pmol/L")
    lab(patient, date(2026, 3, 9), "folate", "8.2", "ng/mL")
    return regimen


class _Report(HTMLParser):
    """The rows of each report table (by data-testid) and the text of other testid elements."""

    def __init__(self):
        super().__init__()
        self.tables, self.testids = {}, {}
        self._table = None
        self._row = self._cell = None
        self._open = []  # [depth, parts, testid]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("br", "input", "link", "meta", "img"):
            return
        for capture in self._open:
            capture[0] += 1
        testid = attrs.get("data-testid")
        if tag == "table" and testid:
            self._table = self.tables.setdefault(testid, [])
        elif testid:
            self._open.append([1, [], testid])
        if tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join(" ".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(" | ".join(self._row))
            self._row = None
        elif tag == "table":
            self._table = None
        for capture in self._open:
            capture[0] -= 1
            if not capture[0]:
                text = " ".join(" ".join(capture[1]).split())
                self.testids.setdefault(capture[2], []).append(text)
        self._open = [capture for capture in self._open if capture[0] > 0]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        for capture in self._open:
            capture[1].append(data)


def report(client, patient, **params) -> _Report:
    response = client.get(reverse("patient_report", args=[patient.pk]), params)
    assert response.status_code == 200
    page = _Report()
    page.text = response.content.decode()
    page.feed(page.text)
    return page


def body(page, testid: str) -> list[str]:
    """A table's rows without its header."""
    return page.tables[testid][1:]


@pytest.fixture
def clinician_client(clinician):
    browser = Client()
    browser.force_login(clinician)
    return browser


ALL_DOSES = [
    f"2 Mar 2026, 09:00 | Given | 1000 mcg | Left deltoid | {DAILY}",
    f"3 Mar 2026, 09:00 | Given | 1000 mcg | Right deltoid | {DAILY}",
    f"4 Mar 2026, 09:00 | Given | 1000 mcg | Left thigh (vastus lateralis) | {DAILY}",
    f"5 Mar 2026, 09:00 | Given | 1000 mcg | Right thigh (vastus lateralis) | {DAILY}",
    f"6 Mar 2026, 23:00 | Given | 1000 mcg | Left hip (ventrogluteal) | {DAILY}",
    f"7 Mar 2026, 00:00 | Given | 1000 mcg | Right hip (ventrogluteal) | {DAILY}",
    f"8 Mar 2026, 09:00 | Given | 1000 mcg | Left deltoid | {DAILY}",
]
ALL_CHECKINS = [  # date, the six symptom scores, no side effects
    "1 Mar 2026 | 4 | 4 | 4 | 4 | 4 | 4 | ",
    "5 Mar 2026 | 3 | 3 | 3 | 3 | 3 | 3 | ",
    "10 Mar 2026 | 1 | 1 | 1 | 1 | 1 | 1 | ",
]
ALL_LABS = [
    "28 Feb 2026 | Serum vitamin B12 (cobalamin) | 150 pg/mL | 150 pg/mL",
    "5 Mar 2026 | Serum vitamin B12 (cobalamin) | 304 pmol/L | 411.92 pg/mL",
    "9 Mar 2026 | Serum folate | 8.2 ng/mL | 8.2 ng/mL",
]


def test_a_range_lists_only_the_injections_check_ins_and_labs_in_it(
    patient, history, clinician_client
):
    page = report(clinician_client, patient, first="2026-03-03", last="2026-03-06")

    assert page.testids["report-range"] == [
        "3 Mar 2026 to 6 Mar 2026 · generated 11 Mar 2026, 12:00 · times in America/New_York"
    ]
    # 6 March at 23:00 is in; 7 March at 00:00 is out: days are the patient's.
    assert body(page, "report-doses") == ALL_DOSES[1:5]
    assert body(page, "report-checkins") == ALL_CHECKINS[1:2]
    assert body(page, "report-labs") == ALL_LABS[1:2]


def test_a_range_with_nothing_in_it_says_so(patient, history, clinician_client):
    page = report(clinician_client, patient, first="2026-02-01", last="2026-02-27")

    assert body(page, "report-doses") == ["None in this range."]
    assert body(page, "report-checkins") == ["None in this range."]
    assert body(page, "report-labs") == ["None in this range."]


def test_an_open_ended_range_runs_from_its_start(patient, history, clinician_client):
    page = report(clinician_client, patient, first="2026-03-07")

    assert page.testids["report-range"][0].startswith("7 Mar 2026 to today · ")
    assert body(page, "report-doses") == ALL_DOSES[5:]
    assert body(page, "report-checkins") == ALL_CHECKINS[2:]
    assert body(page, "report-labs") == ALL_LABS[2:]


def test_without_a_range_it_covers_the_whole_history(patient, history, clinician_client):
    page = report(clinician_client, patient)

    assert page.testids["report-range"] == [
        "Whole history · generated 11 Mar 2026, 12:00 · times in America/New_York"
    ]
    assert body(page, "report-doses") == ALL_DOSES
    assert body(page, "report-checkins") == ALL_CHECKINS
    assert body(page, "report-labs") == ALL_LABS


def test_it_shows_the_regimen_and_adherence_without_actions(patient, history, clinician_client):
    page = report(clinician_client, patient, first="2026-03-03", last="2026-03-06")

    assert "B12 injection report: Pat Patient" in page.text
    assert body(page, "phases") == [
        "Daily for 1 week (repletion) | 1000 mcg | daily | 7 doses",
        "Weekly for 4 weeks (stabilization) current | 1000 mcg | weekly | 4 doses",
        "Every 4 weeks (maintenance) | 1000 mcg | every 4 weeks | until a clinician advances it",
    ]
    assert page.testids["record-next-due"] == ["Sunday 15 March 2026"]
    assert page.testids["on-time"] == ["7 of 7 (100%)"]
    assert page.testids["on-time-definition"][0].startswith("On time means given within 10%")
    for action in ("Record clinic injection", "Switch regimen", "End regimen", ">Change<"):
        assert action not in page.text
    assert "Add a clinical note" not in page.text


def test_a_skip_says_why_and_a_deleted_injection_is_left_out(patient, clinician_client):
    regimen = factories.regimen_for(patient, START)
    factories.give(regimen, START)
    actions.skip_dose(regimen, patient, "Out of stock")  # the 3 March dose, at noon
    regimen.refresh_from_db()
    mistake = factories.give(regimen, date(2026, 3, 4))
    actions.delete_dose(mistake, patient)

    page = report(clinician_client, patient)

    assert body(page, "report-doses") == [
        f"2 Mar 2026, 09:00 | Given | 1000 mcg | Left deltoid | {DAILY}",
        f"3 Mar 2026, 12:00 | Skipped: Out of stock |  |  | {DAILY}",
    ]


def test_a_reversed_range_is_not_applied(patient, history, clinician_client):
    page = report(clinician_client, patient, first="2026-03-06", last="2026-03-03")

    assert page.testids["report-range"][0].startswith("Whole history")
    assert body(page, "report-doses") == ALL_DOSES


def test_the_print_stylesheet_is_linked_for_print(patient, history, clinician_client):
    page = report(clinician_client, patient)

    assert '<link rel="stylesheet" href="/static/css/print.css" media="print">' in page.text
    stylesheet = finders.find("css/print.css")
    assert stylesheet
    with open(stylesheet) as css:
        rules = css.read()
    assert "@media print" in rules
    assert ".no-print" in rules
    # The range form is hidden when printed.
    assert 'class="d-flex flex-wrap gap-2 align-items-end no-print"' in page.text


def test_the_patient_can_print_their_own_report(patient, history, patient_client):
    page = report(patient_client, patient, first="2026-03-03", last="2026-03-06")

    assert body(page, "report-doses") == ALL_DOSES[1:5]


def test_nobody_else_can_open_the_report(patient, other_patient, history):
    stranger = factories.ClinicianFactory(name="Dr Stranger", email="stranger@example.org")
    for user in (other_patient, stranger):
        browser = Client()
        browser.force_login(user)

        response = browser.get(reverse("patient_report", args=[patient.pk]))

        assert response.status_code == 404
        assert "Pat Patient" not in response.content.decode()
