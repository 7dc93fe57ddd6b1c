"""The printable report: for a date range (days in the patient's zone), the plan and its
changes, the injections and skips (product, lot, site, route, who gave it), adherence counted
over the range, check-ins, alerts with their acknowledgements, labs in the unit entered and the
standard one, and clinical notes (the patient's copy: only those shared with them); the whole
history without a range; a fixed number of queries; a print stylesheet linked for print.

The patient (New York) takes the cyanocobalamin US template daily from Monday 2 March 2026;
the report is opened on Wednesday 11 March at noon.
"""

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from clinic.report import build_report
from doses import actions, alerts
from doses.models import Alert
from regimens import actions as regimen_actions
from symptoms.models import SymptomEntry
from tests import factories
from tests.clock import frozen
from tests.pages import soup, text, texts

# How a dose of the first phase reads: its phase as prescribed then (regimens/history.py).
DAILY = "Daily for 1 week · 1000 mcg · on time that day"

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)  # a Monday
NOW = datetime(2026, 3, 11, 12, tzinfo=NEW_YORK)


pytestmark = [pytest.mark.django_db, pytest.mark.frozen(NOW)]


def moment(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=NEW_YORK)


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
    factories.check_in(patient, moment(1, 10), 4)
    factories.check_in(patient, moment(5, 20), 3)  # 01:00 on 6 March in UTC
    factories.check_in(patient, moment(10, 10), 1)
    factories.LabResultFactory(
        patient=patient, taken_on=date(2026, 2, 28), analyte="b12", value="150", unit="pg/mL"
    )
    factories.LabResultFactory(
        patient=patient, taken_on=date(2026, 3, 5), analyte="b12", value="304", unit="pmol/L"
    )
    factories.LabResultFactory(
        patient=patient, taken_on=date(2026, 3, 9), analyte="folate", value="8.2", unit="ng/mL"
    )
    return regimen


def report(client, patient, **params) -> SimpleNamespace:
    """The rows of each report table (by data-testid, each row's cells joined by " | "), the
    text of the other elements with a data-testid, and the page's HTML."""
    response = client.get(reverse("patient_report", args=[patient.pk]), params)
    assert response.status_code == 200
    html = soup(response)
    found = {}
    for node in html.select("[data-testid]:not(table, img, input)"):
        found.setdefault(node["data-testid"], []).append(text(node))
    tables = {
        table["data-testid"]: [" | ".join(texts(row, "td, th")) for row in table.select("tr")]
        for table in html.select("table[data-testid]")
    }
    return SimpleNamespace(text=response.content.decode(), tables=tables, testids=found)


def body(page, testid: str) -> list[str]:
    """A table's rows without its header."""
    return page.tables[testid][1:]


@pytest.fixture
def clinician_client(clinician):
    browser = Client()
    browser.force_login(clinician)
    return browser


PRODUCT = "Cyanocobalamin, 1000 mcg/mL"


def given(when: str, site: str) -> str:
    """A self-injected dose's row: date, what, dose, product, lot, site, route, given by,
    phase then, reactions."""
    by = "Self-injected"
    return f"{when} | Given | 1000 mcg | {PRODUCT} | – | {site} | Intramuscular | {by} | {DAILY} | "


ALL_DOSES = [
    given("2 Mar 2026, 09:00", "Left deltoid"),
    given("3 Mar 2026, 09:00", "Right deltoid"),
    given("4 Mar 2026, 09:00", "Left thigh (vastus lateralis)"),
    given("5 Mar 2026, 09:00", "Right thigh (vastus lateralis)"),
    given("6 Mar 2026, 23:00", "Left hip (ventrogluteal)"),
    given("7 Mar 2026, 00:00", "Right hip (ventrogluteal)"),
    given("8 Mar 2026, 09:00", "Left deltoid"),
]
ALL_CHECKINS = [  # date, the six symptom scores, no side effects, allergy signs or note
    # Each with the phase the patient was in then: 10 March is past the daily week.
    "1 Mar 2026 | Daily for 1 week | 4 | 4 | 4 | 4 | 4 | 4 |  |  | ",
    "5 Mar 2026 | Daily for 1 week | 3 | 3 | 3 | 3 | 3 | 3 |  |  | ",
    "10 Mar 2026 | Weekly for 4 weeks | 1 | 1 | 1 | 1 | 1 | 1 |  |  | ",
]
B12_RANGE = "200–900 pg/mL"  # the reference data's typical range (no admin range in tests)
ALL_LABS = [  # drawn, test, as entered, in the standard unit, typical range
    f"28 Feb 2026 | Serum vitamin B12 (cobalamin) | 150 pg/mL low | 150 pg/mL | {B12_RANGE}",
    "5 Mar 2026 | Serum vitamin B12 (cobalamin) | 304 pmol/L | 411.92 pg/mL | "
    f"{B12_RANGE} = 147.6–664.2 pmol/L",
    "9 Mar 2026 | Serum folate | 8.2 ng/mL | 8.2 ng/mL | 3.9–20 ng/mL",
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
    assert page.testids["on-time"] == ["4 of 4 (100%)"]  # the range's four, not all seven
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
        given("2 Mar 2026, 09:00", "Left deltoid"),
        f"3 Mar 2026, 12:00 | Skipped: Out of stock | {DAILY} | ",
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


# Each injection: product, lot, site, route and who gave it ---------------------------------


def test_each_injection_says_product_lot_site_route_and_who_gave_it(
    patient, clinician, clinician_client
):
    regimen = factories.regimen_for(patient, START)
    factories.give(regimen, START, site="LD", lot_number="CY-2291", administered_by="carer")
    actions.log_dose(
        regimen,
        clinician,
        administered_at=moment(3, 10, 30),
        dose_mcg=1000,
        route="IM",
        site="RD",
        medication="hydroxocobalamin",
        concentration_mcg_per_ml=1000,
        lot_number="HY-7730",
        administered_by="clinic",
    )

    page = report(clinician_client, patient)

    assert body(page, "report-doses") == [
        f"2 Mar 2026, 09:00 | Given | 1000 mcg | {PRODUCT} | CY-2291 | Left deltoid | "
        f"Intramuscular | A carer or family member | {DAILY} | ",
        "3 Mar 2026, 10:30 | Given | 1000 mcg | Hydroxocobalamin, 1000 mcg/mL | HY-7730 | "
        f"Right deltoid | Intramuscular | Clinic or nurse, recorded by Dr Care | {DAILY} | ",
    ]


# Changes to the plan ------------------------------------------------------------------------


def change_dose(regimen, clinician, when: datetime, dose: int, reason: str) -> None:
    with frozen(when):
        phase = regimen.ordered_phases[0]
        regimen_actions.change_phase(phase, clinician, reason=reason, dose_mcg=dose)


def test_a_change_in_the_range_says_who_when_why_and_before_and_after(
    patient, clinician, history, clinician_client
):
    change_dose(history, clinician, moment(4, 15), 500, "Injection-site pain")
    change_dose(history, clinician, moment(10, 9), 1000, "Pain settled")  # after the range

    page = report(clinician_client, patient, first="2026-03-03", last="2026-03-06")

    assert body(page, "report-changes") == [
        "4 Mar 2026, 15:00 | Phase changed: Daily for 1 week | dose mcg 1000 → 500 | "
        "Injection-site pain | Dr Care"
    ]
    # The doses before the change keep the dose prescribed then.
    assert body(page, "report-doses")[0].endswith(f"| {DAILY} | ")


def test_a_range_without_changes_says_so(patient, clinician, history, clinician_client):
    change_dose(history, clinician, moment(10, 9), 500, "Injection-site pain")

    page = report(clinician_client, patient, first="2026-03-03", last="2026-03-06")

    assert body(page, "report-changes") == ["None in this range."]


# Alerts: side effects and allergy signs with their acknowledgements -------------------------


@pytest.fixture
def reactions(patient, clinician):
    """An injection with allergy signs (acknowledged with a note) and a check-in with a side
    effect (not yet acknowledged)."""
    regimen = factories.regimen_for(patient, START)
    factories.give(
        regimen,
        START,
        allergy_signs=["hives"],
        reaction_notes="Itchy welts on both arms an hour later",
    )
    actions.record_checkin(
        patient,
        patient,
        recorded_at=moment(4, 18),
        side_effects=["Headache"],
        note="Headache all evening",
        **dict.fromkeys(SymptomEntry.SYMPTOMS, 2),
    )
    allergy = Alert.objects.get(kind=Alert.Kind.ALLERGY)
    with frozen(moment(2, 16, 45)):
        alerts.acknowledge(allergy, clinician, "Phoned: antihistamine taken, settled.")
    return regimen


def test_alerts_show_with_the_acknowledgement_and_its_note_for_the_clinician(
    patient, reactions, clinician_client
):
    page = report(clinician_client, patient)

    assert body(page, "report-alerts") == [
        "injection of 2 Mar 2026 | Allergy signs: Hives or widespread itchy rash | "
        "Itchy welts on both arms an hour later | "
        "by Dr Care, 2 Mar 2026, 16:45: “Phoned: antihistamine taken, settled.”",
        "check-in of 4 Mar 2026 | Side effects: Headache | Headache all evening | not yet",
    ]
    assert body(page, "report-doses")[0].endswith(
        "| allergy signs: Hives or widespread itchy rash; “Itchy welts on both arms an hour later”"
    )
    assert body(page, "report-checkins") == [
        "4 Mar 2026 | Daily for 1 week | 2 | 2 | 2 | 2 | 2 | 2 | Headache |  | Headache all evening"
    ]


def test_the_patient_sees_who_acknowledged_but_not_the_clinicians_note(
    patient, reactions, patient_client
):
    page = report(patient_client, patient)

    assert body(page, "report-alerts")[0].endswith("| by Dr Care, 2 Mar 2026, 16:45")
    assert "antihistamine" not in page.text


def test_alerts_outside_the_range_are_left_out(patient, reactions, clinician_client):
    page = report(clinician_client, patient, first="2026-03-03", last="2026-03-10")

    assert [row.split(" | ")[1] for row in body(page, "report-alerts")] == [
        "Side effects: Headache"
    ]


# Labs: the unit entered and the standard unit, never the word "canonical" -------------------


def test_labs_show_the_unit_entered_and_the_standard_unit_without_jargon(
    patient, history, clinician_client
):
    page = report(clinician_client, patient, first="2026-03-05", last="2026-03-05")

    assert page.tables["report-labs"][0] == (
        "Drawn | Test | Result as reported | In the standard unit | Typical range"
    )
    assert body(page, "report-labs") == ALL_LABS[1:2]
    assert "canonical" not in page.text.lower()


# Clinical notes: all for the clinician, only the shared ones for the patient ---------------


@pytest.fixture
def notes(patient, clinician):
    with frozen(moment(4, 11)):
        actions.add_note(patient, clinician, "Keep rotating sites.", shared_with_patient=True)
    with frozen(moment(5, 11)):
        actions.add_note(patient, clinician, "Query pernicious anaemia; order antibodies.")
    with frozen(moment(10, 11)):
        actions.add_note(patient, clinician, "Next review in 3 months.", shared_with_patient=True)


def test_the_clinician_sees_every_note_and_which_the_patient_sees(
    patient, history, notes, clinician_client
):
    page = report(clinician_client, patient, first="2026-03-03", last="2026-03-06")

    assert body(page, "report-notes") == [
        "4 Mar 2026, 11:00 | Dr Care | Keep rotating sites. | yes",
        "5 Mar 2026, 11:00 | Dr Care | Query pernicious anaemia; order antibodies. | no",
    ]


def test_the_patient_sees_only_the_notes_shared_with_them(patient, history, notes, patient_client):
    page = report(patient_client, patient)

    assert "Notes from your care team" in page.text
    assert body(page, "report-notes") == [
        "4 Mar 2026, 11:00 | Dr Care | Keep rotating sites.",
        "10 Mar 2026, 11:00 | Dr Care | Next review in 3 months.",
    ]
    assert "pernicious" not in page.text


# Adherence counts the range only ------------------------------------------------------------


@pytest.fixture
def gap(patient):
    """Daily doses on 2 and 3 March, then none until 7 March: the doses due 4, 5 and 6 March
    are missed, and (on 11 March) those due 8, 9 and 10 March."""
    regimen = factories.regimen_for(patient, START)
    for day in (2, 3, 7):
        factories.give(regimen, date(2026, 3, day))
    return regimen


@pytest.mark.parametrize(
    ("first", "last", "on_time", "missed"),
    [
        (None, None, "2 of 3 (67%)", "6"),
        ("2026-03-02", "2026-03-04", "2 of 2 (100%)", "1"),  # due 4 March
        ("2026-03-05", "2026-03-06", "–", "2"),  # due 5 and 6 March; nothing given
        ("2026-03-07", "2026-03-08", "0 of 1 (0%)", "1"),  # 7 March, late; due 8 March
    ],
)
def test_adherence_counts_only_the_days_of_the_range(
    patient, gap, clinician_client, first, last, on_time, missed
):
    params = {"first": first, "last": last} if first else {}
    page = report(clinician_client, patient, **params)

    assert page.testids["on-time"] == [on_time]
    assert page.testids["missed"] == [missed]


# The same number of queries whatever the size of the record --------------------------------


def fill(patient, clinician, regimen, days: int) -> None:
    """`days` days of the record: a dose, a check-in with a side effect (an alert), a lab and
    a note each day, and one change of the plan."""
    for offset in range(days):
        day = date(2026, 3, 2 + offset)
        factories.give(regimen, day, site="LD" if offset % 2 else "RD", lot_number=f"L{offset}")
        actions.record_checkin(
            patient,
            patient,
            recorded_at=moment(2 + offset, 20),
            side_effects=["Headache"],
            **dict.fromkeys(SymptomEntry.SYMPTOMS, 3),
        )
        factories.LabResultFactory(
            patient=patient, taken_on=day, analyte="b12", value=str(300 + offset), unit="pg/mL"
        )
        with frozen(moment(2 + offset, 21)):
            actions.add_note(patient, clinician, f"Note {offset}", shared_with_patient=True)
    change_dose(regimen, clinician, moment(2 + days - 1, 22), 500, "Review")


@pytest.mark.parametrize("days", [1, 8])
def test_the_report_takes_the_same_queries_whatever_the_record_size(
    patient, clinician, django_assert_num_queries, days
):
    regimen = factories.regimen_for(patient, START)
    fill(patient, clinician, regimen, days)
    patient.refresh_from_db()

    # The regimen; its phases; its changes and doses (adherence); the doses in the range; the
    # changes in it; their phases as they were; check-ins; alerts; labs, typical ranges and
    # given doses (days after an injection); notes; the regimen's phase changes, for the
    # adherence table's labels.
    with django_assert_num_queries(14):
        built = build_report(patient, START, date(2026, 3, 10), clinician)

    assert len(built.doses) == len(built.checkins) == len(built.labs) == days
    assert len(built.alerts) == len(built.notes) == days
    assert len(built.changes) == 1


@pytest.mark.parametrize("days", [1, 8])
def test_the_page_takes_the_same_queries_whatever_the_record_size(
    patient, clinician, clinician_client, django_assert_num_queries, days
):
    regimen = factories.regimen_for(patient, START)
    fill(patient, clinician, regimen, days)
    url = reverse("patient_report", args=[patient.pk])

    # The session and the user; the patient (access); the view logged for the patient; the
    # report's 14 (the regimen here has no prescriber to read).
    with django_assert_num_queries(18):
        response = clinician_client.get(url, {"first": "2026-03-02", "last": "2026-03-10"})

    assert response.status_code == 200


# The charts and the patient's way in -------------------------------------------------------


def test_the_charts_cover_the_range(patient, history, clinician_client):
    page = report(clinician_client, patient, first="2026-03-03", last="2026-03-06")

    base = f"/patients/{patient.pk}/charts"
    query = "first=2026-03-03&amp;last=2026-03-06"
    for name in ("symptoms", "intervals", "lab-b12"):
        assert f'src="{base}/{name}.svg?{query}"' in page.text
    assert f"{base}/lab-folate.svg" not in page.text  # no folate result in the range
    response = clinician_client.get(f"{base}/intervals.svg?first=2026-03-03&last=2026-03-06")
    assert response["Content-Type"] == "image/svg+xml"


def test_the_patients_history_links_to_their_report(patient, history, patient_client):
    response = patient_client.get(reverse("history"))

    assert (
        f'href="{reverse("patient_report", args=[patient.pk])}" '
        'data-testid="print-for-appointment">Print for my appointment</a>'
    ) in response.content.decode()
