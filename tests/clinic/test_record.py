"""The patient record as the care-team clinician sees it: the regimen with its phases and the
current one marked, adherence with the definition of "on time", and one timeline of injections,
skips, corrections, check-ins, labs, regimen changes and clinical notes, which a date range
limits. The patient reads their own record without the clinical notes and without the actions.
The page costs the same number of queries for 10 or 1,000 injections.

The story (New York time, the patient's and the clinician's zone): the clinician prescribes the
cyanocobalamin US template on Sunday 1 March 2026 to start on Monday 2 March; the patient injects
on 2, 3 and 5 March, skips 4 March, corrects the 5 March site, checks in on 6 March and adds a
lab from 7 March; the clinician shortens maintenance and writes a note on 8 March. The record is
read on Monday 9 March at noon.
"""

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from doses import actions
from regimens import actions as regimen_actions
from regimens.models import Phase, Regimen
from symptoms.models import SymptomEntry
from tests import factories
from tests.clock import frozen
from tests.pages import by_testid, form_values, soup, text, texts

pytestmark = pytest.mark.django_db

# How a dose of the first phase reads: its phase as prescribed then (regimens/history.py).
DAILY = "Daily for 1 week · 1000 mcg · on time that day"

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)  # a Monday
US = factories.US_TEMPLATE


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def story(patient, clinician):
    with frozen(at(1, 10)):
        regimen = regimen_actions.prescribe(
            patient, factories.template(US), START, clinician, reason="Pernicious anaemia"
        )
    with frozen(at(3, 18)):
        factories.give(regimen, date(2026, 3, 2), site="LD")
        factories.give(regimen, date(2026, 3, 3), site="RD")
    with frozen(at(4, 18)):
        actions.skip_dose(regimen, patient, "Out of stock")  # recorded at noon on the 4th
    with frozen(at(5, 20)):
        dose = factories.give(regimen, date(2026, 3, 5), site="LVL")
        actions.correct_dose(dose, patient, "Wrong thigh", site="RVL")
    with frozen(at(6, 19)):
        factories.check_in(patient, score=2)
    with frozen(at(7, 21)):
        factories.LabResultFactory(
            patient=patient, taken_on=date(2026, 3, 7), analyte="b12", value="412", unit="pg/mL"
        )
    with frozen(at(8, 10)):
        maintenance = Phase.objects.get(regimen=regimen, order=2)
        regimen_actions.change_phase(maintenance, clinician, "Closer follow-up", schedule_every=2)
    with frozen(at(8, 11)):
        actions.add_note(patient, clinician, "Discussed self-injection technique.")
    return Regimen.objects.get(pk=regimen.pk)


# --- reading the page ------------------------------------------------------------------------


def record(client, patient, **params) -> SimpleNamespace:
    """The visible text of each element with a data-testid, of each alert message, of each
    timeline entry (with its data-kind), and of each row of the phases table (with whether it
    is marked as the current one); the values a browser would submit; the page's HTML."""
    response = client.get(reverse("patient_record", args=[patient.pk]), params)
    assert response.status_code == 200
    page = soup(response)
    return SimpleNamespace(
        text=response.content.decode(),
        testids=by_testid(page),
        messages=texts(page, '[role="status"]'),
        timeline=[
            (item.get("data-kind"), text(item)) for item in page.select('[class*="timeline-item"]')
        ],
        phases=[
            ("table-primary" in " ".join(row.get("class", [])), text(row))
            for row in page.select('[data-testid="phases"] tr')
        ],
        values=form_values(page),
    )


@pytest.fixture
def clinician_client(clinician):
    browser = Client()
    browser.force_login(clinician)
    return browser


PRESCRIBED = (
    "change",
    "Regimen · Prescribed Sun 1 Mar 2026, 10:00 · 8 days ago template "
    "Cyanocobalamin 1000 mcg, common US practice; start 2026-03-02; strength 1000 mcg/mL; "
    "route IM · “Pernicious anaemia” by Dr Care",
)
NOTE = (
    "note",
    "Clinical note · Dr Care Sun 8 Mar 2026, 11:00 · yesterday Discussed self-injection technique.",
)
CHANGED = (
    "change",
    "Regimen · Phase changed · Maintenance: every 2 weeks Sun 8 Mar 2026, 10:00 · yesterday "
    "schedule every 4 → 2; label Every 4 weeks → Maintenance: every 2 weeks · "
    "“Closer follow-up” by Dr Care",
)
LAB = ("lab", "Lab · Serum vitamin B12 (cobalamin) 412 pg/mL Sat 7 Mar 2026 · 2 days ago")
CHECKIN = (
    "checkin",
    "Check-in · symptom total 12/60 Fri 6 Mar 2026, 19:00 · 3 days ago"
    " Daily for 1 week · 1000 mcg · on time that day",
)
CORRECTION = (
    "correction",
    "Injection corrected Thu 5 Mar 2026, 20:00 · 4 days ago by Pat Patient · “Wrong thigh” "
    "· before: "
    "Status Given, Time 5 Mar 2026, 09:00, Dose 1000 mcg, Product Cyanocobalamin, "
    "Route Intramuscular, Site Left thigh (vastus lateralis)",
)
CORRECTED_DOSE = (
    "given",
    "Injection · 1000 mcg · Right thigh (vastus lateralis) Thu 5 Mar 2026, 09:00 · 4 days ago "
    f"{DAILY} · corrected or changed 1×",
)
SKIP = (
    "skipped",
    f"Skipped · Out of stock Wed 4 Mar 2026, 12:00 · 5 days ago {DAILY}",
)
DOSE_3 = (
    "given",
    f"Injection · 1000 mcg · Right deltoid Tue 3 Mar 2026, 09:00 · 6 days ago {DAILY}",
)
DOSE_2 = (
    "given",
    f"Injection · 1000 mcg · Left deltoid Mon 2 Mar 2026, 09:00 · 7 days ago {DAILY}",
)


# --- the clinician's view --------------------------------------------------------------------


def test_the_clinician_sees_the_regimen_with_its_phases_and_the_current_one_marked(
    patient, story, clinician_client
):
    with frozen(at(9, 12)):
        page = record(clinician_client, patient)

    assert page.phases == [
        (False, "Phase Dose Schedule Ends Actions"),
        (True, "Daily for 1 week (repletion) current 1000 mcg daily 7 doses Change"),
        (False, "Weekly for 4 weeks (stabilization) 1000 mcg weekly 4 doses Change"),
        (
            False,
            "Maintenance: every 2 weeks (maintenance) 1000 mcg every 2 weeks "
            "until a clinician advances it Change",
        ),
    ]
    assert page.testids["record-next-due"] == ["Friday 6 March 2026"]
    assert "dose 4 of 7 next, 3 given" in page.text
    assert "Cyanocobalamin, 1000 mcg/mL, intramuscular; started 2 Mar 2026 by Dr Care" in page.text


def test_the_clinician_sees_adherence_with_the_on_time_definition(patient, story, clinician_client):
    with frozen(at(9, 12)):
        page = record(clinician_client, patient)

    (block,) = page.testids["adherence"]
    # 2, 3 and 5 March on their due dates; 4 March skipped; due 6 March, 3 days ago: 3 missed.
    assert page.testids["on-time"] == ["3 of 3 (100%)"]
    assert "Early / late 0 / 0 Skipped 1 Missed 3 Longest gap 2 days" in block
    assert "Daily for 1 week 1 d 1.5 d ±0 d" in block
    assert page.testids["on-time-definition"] == [
        "On time means given within 10% of the prescribed interval of its due date, early or "
        "late, rounded to whole days (same day for daily to every-4-days, ±1 day weekly, ±3 days "
        "every 4 weeks or monthly, ±9 days every 3 months). A dose is missed for each whole "
        "interval that passed after its due date with nothing recorded."
    ]


def test_the_clinician_sees_everything_in_one_timeline_newest_first(
    patient, story, clinician_client
):
    with frozen(at(9, 12)):
        page = record(clinician_client, patient)

    assert page.timeline == [
        NOTE,
        CHANGED,
        LAB,
        CHECKIN,
        CORRECTION,
        CORRECTED_DOSE,
        SKIP,
        DOSE_3,
        DOSE_2,
        PRESCRIBED,
    ]


def test_the_clinician_has_the_regimen_actions_and_the_note_form(patient, story, clinician_client):
    with frozen(at(9, 12)):
        page = record(clinician_client, patient)

    for link in (
        reverse("clinic_dose", args=[patient.pk]),
        reverse("prescribe", args=[patient.pk]),
        reverse("end_regimen", args=[patient.pk]),
        reverse("add_note", args=[patient.pk]),
    ):
        assert f'"{link}"' in page.text
    assert "Record clinic injection" in page.text
    assert "Add a clinical note" in page.text
    # The current phase ends after 7 doses: it is not advanced by hand.
    assert reverse("advance_phase", args=[patient.pk]) not in page.text


def test_times_are_shown_in_the_patients_zone_to_a_clinician_elsewhere(
    patient, clinician, story, clinician_client
):
    clinician.time_zone = "Europe/London"
    clinician.save()

    with frozen(at(9, 12)):
        page = record(clinician_client, patient)

    assert page.timeline[-2:] == [DOSE_2, PRESCRIBED]
    assert "times shown in the patient's zone, America/New_York" in page.text


# --- the date range --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        pytest.param(
            "2026-03-04",
            "2026-03-06",
            [CHECKIN, CORRECTION, CORRECTED_DOSE, SKIP],
            id="4 to 6 March",
        ),
        pytest.param("2026-03-07", "2026-03-07", [LAB], id="the lab's day"),
        pytest.param("2026-03-08", "", [NOTE, CHANGED], id="from 8 March"),
        pytest.param("", "2026-03-02", [DOSE_2, PRESCRIBED], id="up to 2 March"),
        pytest.param("2026-03-10", "2026-03-20", [], id="nothing in range"),
    ],
)
def test_a_date_range_limits_the_timeline(patient, story, clinician_client, first, last, expected):
    with frozen(at(9, 12)):
        page = record(clinician_client, patient, first=first, last=last)

    assert page.timeline == expected
    if not expected:
        assert "Nothing recorded in this range." in page.text


def test_a_reversed_range_shows_a_message_and_the_whole_timeline(patient, story, clinician_client):
    with frozen(at(9, 12)):
        page = record(clinician_client, patient, first="2026-03-08", last="2026-03-02")

    assert "The start of the range is after its end." in page.text
    assert len(page.timeline) == 10


def test_the_range_follows_the_patients_day(patient, clinician, clinician_client):
    """A dose at 23:30 on 2 March in New York is 04:30 on 3 March in UTC: a 2 March dose."""
    with frozen(at(1, 10)):
        regimen = factories.regimen_for(patient, START)
    with frozen(at(4, 10)):
        factories.give(regimen, date(2026, 3, 2), 23)
        factories.give(regimen, date(2026, 3, 3), 0)

        page = record(clinician_client, patient, first="2026-03-02", last="2026-03-02")

    assert [text.split(" Daily")[0] for _, text in page.timeline] == [
        "Injection · 1000 mcg · Left deltoid Mon 2 Mar 2026, 23:00 · 2 days ago"
    ]


def test_a_schedule_change_does_not_rejudge_the_injections_given_before_it(
    patient, clinician, clinician_client
):
    """Rule 7: past events keep the phase and the schedule they had. The 31 May dose was due
    on 31 May under "every 4 weeks"; tightening maintenance to every 2 weeks on 1 June does not
    make it 14 days late, nor the fortnight before it a missed dose."""
    with frozen(at(1, 10)):
        regimen = factories.regimen_for(patient, START)
    with frozen(datetime(2026, 6, 1, 10, tzinfo=NEW_YORK)):
        for _ in range(7 + 4 + 2):  # on time, the last two on 3 May and 31 May
            factories.give(regimen, regimen.next_due)
        before = record(clinician_client, patient)
        maintenance = Phase.objects.get(regimen=regimen, order=2)
        regimen_actions.change_phase(maintenance, clinician, "Tighter", schedule_every=2)

        after = record(clinician_client, patient)

    assert before.testids["on-time"] == ["13 of 13 (100%)"]
    assert after.testids["record-next-due"] == ["Sunday 14 June 2026"]
    summary = after.testids["adherence"][0].split(" Longest gap")[0]
    assert summary == (
        "Adherence (whole current regimen) On time 13 of 13 (100%) Early / late 0 / 0 "
        "Skipped 0 Missed 0"
    )


# --- the patient reads their own record ------------------------------------------------------


def test_the_patient_reads_their_record_without_notes_or_actions(patient, story, patient_client):
    with frozen(at(9, 12)):
        page = record(patient_client, patient)

    assert page.timeline == [
        CHANGED,
        LAB,
        CHECKIN,
        CORRECTED_DOSE,
        SKIP,
        DOSE_3,
        DOSE_2,
        PRESCRIBED,
    ]
    assert "Discussed self-injection technique." not in page.text
    assert "Clinical note" not in page.text
    assert "Add a clinical note" not in page.text
    for action in ("Change", "Record clinic injection", "Switch regimen", "End regimen"):
        assert f">{action}</a>" not in page.text
    for name in ("add_note", "clinic_dose", "prescribe", "end_regimen", "advance_phase"):
        assert reverse(name, args=[patient.pk]) not in page.text
    assert page.phases[1] == (True, "Daily for 1 week (repletion) current 1000 mcg daily 7 doses")
    assert page.testids["on-time"] == ["3 of 3 (100%)"]


def test_a_patient_cannot_read_another_patients_record(patient, other_patient, patient_client):
    factories.regimen_for(other_patient, START)

    response = patient_client.get(reverse("patient_record", args=[other_patient.pk]))

    assert response.status_code == 404
    assert "Olga Other" not in response.content.decode()


# --- a fixed number of queries ---------------------------------------------------------------


@pytest.mark.parametrize("injections", [10, 1000])
def test_the_record_makes_the_same_number_of_queries_for_10_or_1000_injections(
    patient, clinician, clinician_client, django_assert_num_queries, injections
):
    with frozen(datetime(2026, 6, 1, 12, tzinfo=NEW_YORK)):
        regimen = factories.regimen_for(patient, date(2022, 1, 1), prescriber=clinician)
        factories.add_injections(regimen, injections, date(2022, 1, 1))
        actions.record_checkin(
            patient,
            patient,
            recorded_at=datetime(2026, 5, 31, 9, tzinfo=NEW_YORK),
            **dict.fromkeys(SymptomEntry.SYMPTOMS, 1),
        )
        actions.add_note(patient, clinician, "Reviewed.")

        # 1 the session; 2 the signed-in clinician; 3 the patient, through the care team;
        # 4 the current regimen with its current phase and patient; 5 its phases; 6 its doses
        # and 7 its phase changes and advances (the events, for adherence); 8 the timeline's
        # count and 9 its page of (kind, id, time) rows; 10 the page's injections, 11 its
        # check-in and 12 its note with the author; 13 the prescriber, for the regimen card; the
        # lab results card: 14 the labs, 15 the typical ranges, 16 the injection dates (the
        # lab charts' tables reuse them); the charts' tables: 17 the check-ins, each with the
        # last injection before it (the wear-off analysis reuses them), and 18 the injections
        # with their phases; 19 the audit of this view by someone other than the patient; and
        # 20 the open alerts shown above everything, with their check-ins and injections; 21 the
        # changes of the phases shown (each entry's phase as prescribed then); 22 the
        # regimen's phase changes, for the adherence table's labels; 23 the newest vial label
        # photo with who gave its verdict, beside the regimen; 24 the lab ranges, which name
        # the page as it is kept (clinic/record_history.py page_key).
        with django_assert_num_queries(24):
            page = record(clinician_client, patient)
        # Viewed again, the page is kept whole: the session, the clinician, the patient through
        # the care team, the audit of this view and the lab ranges; none of the record's own.
        with django_assert_num_queries(5):
            again = record(clinician_client, patient)

    assert again.timeline == page.timeline
    assert again.testids["on-time"] == page.testids["on-time"]

    assert [kind for kind, _ in page.timeline[:3]] == ["note", "checkin", "given"]
    assert len(page.timeline) == min(injections + 2, 25)
    last = date.fromordinal(date(2022, 1, 1).toordinal() + injections - 1)
    assert f"{last:%a} {last.day} {last:%b %Y}, 09:00" in page.timeline[2][1]
    # The first 7 daily doses are on time; every later daily dose is early for its phase.
    assert page.testids["on-time"][0].startswith(f"7 of {injections} (")
