"""The patient's home page: where the regimen stands, what is due next and when, the last
injection with the next site to use, and the weekly check-in prompt.

Dates follow shared/reference/schedule.md; the worked example is the cyanocobalamin US template
(daily x7, weekly x4, then every 4 weeks), started on Monday 2 March 2026. Time is frozen with
time_machine so that "today" is the patient's today in America/New_York.
"""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.urls import reverse

from doses import actions
from doses.models import DoseLog
from regimens.models import Phase, Regimen
from tests import factories
from tests.clock import frozen
from tests.pages import texts

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)  # a Monday
EXPIRY = date(2027, 12, 31)  # of the supplies: after every date here
IM_SITES = factories.IM_SITES


def by_testid(response, testid: str) -> list[str]:
    """The whitespace-normalised text of every element with data-testid=`testid`."""
    return texts(response, f'[data-testid="{testid}"]')


def one(response, testid: str) -> str:
    found = by_testid(response, testid)
    assert len(found) == 1, f"expected one {testid!r}, found {found}"
    return found[0]


def upcoming_rows(response) -> list[str]:
    return texts(response, '[data-testid="upcoming"] > li')


def give_on_time(regimen, count: int, hour: int = 9):
    """Give `count` doses, each on the day it is due."""
    for _ in range(count):
        factories.give(regimen, regimen.next_due, hour)


def home(client):
    return client.get(reverse("home"))


def main_content(response) -> str:
    """The page's main part, less its form token (masked afresh for each request)."""
    text = response.content.decode()
    main = text[text.index("<main") : text.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main)


# --- phase badge and progress ----------------------------------------------------------------


def test_it_shows_the_phase_and_how_many_doses_of_it_are_given(patient, patient_client):
    with frozen(date(2026, 3, 4), 8):
        regimen = factories.regimen_for(patient, START)
        give_on_time(regimen, 2)

        page = home(patient_client)

    assert one(page, "phase-badge") == "Repletion"
    assert one(page, "phase-progress") == "Daily for 1 week · dose 3 of 7 next, 2 given"
    assert '<progress class="phase-progress w-100 mb-3" max="7" value="2"' in page.text


def test_it_counts_the_doses_of_the_current_phase_only(patient, patient_client):
    with frozen(date(2026, 3, 23), 8):
        regimen = factories.regimen_for(patient, START)
        give_on_time(regimen, 7 + 2)  # the whole repletion, then 2 weekly doses

        page = home(patient_client)

    assert one(page, "phase-badge") == "Stabilization"
    assert one(page, "phase-progress") == "Weekly for 4 weeks · dose 3 of 4 next, 2 given"


def test_it_shows_since_when_an_open_maintenance_phase_runs(patient, patient_client):
    with frozen(date(2026, 4, 10)):
        regimen = factories.regimen_for(patient, START)
        give_on_time(regimen, 7 + 4)  # the last weekly dose, on 5 April, ends stabilization

        page = home(patient_client)

    assert one(page, "phase-badge") == "Maintenance"
    assert one(page, "phase-progress") == "Every 4 weeks · maintenance since 5 April 2026"
    assert "<progress" not in page.text


# --- next injection and its status -----------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2026, 4, 30), "in 3 days"),
        (date(2026, 5, 2), "due tomorrow"),
        (date(2026, 5, 3), "due today"),
        (date(2026, 5, 4), "1 day late"),
        (date(2026, 5, 13), "10 days late"),
    ],
)
def test_it_shows_the_next_due_date_and_how_far_away_it_is(patient, patient_client, today, status):
    factories.regimen_for(patient, date(2026, 5, 3))  # no doses yet: due on the start date

    with frozen(today, 10):
        page = home(patient_client)

    assert one(page, "next-due") == "Sunday 3 May 2026"
    assert one(page, "next-status") == status


def test_it_counts_days_from_the_patients_today_not_the_servers(patient, patient_client):
    factories.regimen_for(patient, date(2026, 5, 3))

    # 01:30 on 1 May in UTC is still 30 April, 21:30, in New York.
    with frozen(date(2026, 5, 1), 1, 30, zone=ZoneInfo("UTC")):
        page = home(patient_client)

    assert one(page, "next-status") == "in 3 days"


def test_it_moves_the_next_due_date_with_a_late_dose(patient, patient_client):
    with frozen(date(2026, 5, 8)):
        regimen = factories.regimen_for(patient, START)
        give_on_time(regimen, 7 + 4)  # maintenance due Sunday 3 May
        factories.give(regimen, date(2026, 5, 6))  # 3 days late

        page = home(patient_client)

    assert one(page, "next-due") == "Wednesday 3 June 2026"
    assert one(page, "next-status") == "in 4 weeks"  # 26 days


def test_it_offers_to_skip_only_a_dose_that_is_due(patient, patient_client):
    factories.regimen_for(patient, date(2026, 5, 3))

    with frozen(date(2026, 5, 2)):
        upcoming = home(patient_client)
    with frozen(date(2026, 5, 3)):
        due = home(patient_client)

    assert "Skip this dose" not in upcoming.text
    assert "Skip this dose" in due.text
    assert reverse("log_dose") in upcoming.text and reverse("log_dose") in due.text


# --- upcoming dates --------------------------------------------------------------------------


def test_it_lists_the_next_five_dates_from_the_start(patient, patient_client):
    with frozen(START, 7):
        factories.regimen_for(patient, START)
        page = home(patient_client)

    assert upcoming_rows(page) == [
        "Mon 2 Mar 2026 Repletion · 1000 mcg",
        "Tue 3 Mar 2026 Repletion · 1000 mcg",
        "Wed 4 Mar 2026 Repletion · 1000 mcg",
        "Thu 5 Mar 2026 Repletion · 1000 mcg",
        "Fri 6 Mar 2026 Repletion · 1000 mcg",
    ]


def test_it_lists_upcoming_dates_across_phase_boundaries(patient, patient_client):
    with frozen(date(2026, 3, 7), 7):
        regimen = factories.regimen_for(patient, START)
        give_on_time(regimen, 5)  # 2 to 6 March: two daily doses are left

        page = home(patient_client)

    assert upcoming_rows(page) == [
        "Sat 7 Mar 2026 Repletion · 1000 mcg",
        "Sun 8 Mar 2026 Repletion · 1000 mcg",
        "Sun 15 Mar 2026 Stabilization · 1000 mcg",
        "Sun 22 Mar 2026 Stabilization · 1000 mcg",
        "Sun 29 Mar 2026 Stabilization · 1000 mcg",
    ]


def test_it_lists_upcoming_dates_into_maintenance(patient, patient_client):
    with frozen(date(2026, 3, 25)):
        regimen = factories.regimen_for(patient, START)
        give_on_time(regimen, 7 + 2)

        page = home(patient_client)

    assert upcoming_rows(page) == [
        "Sun 29 Mar 2026 Stabilization · 1000 mcg",
        "Sun 5 Apr 2026 Stabilization · 1000 mcg",
        "Sun 3 May 2026 Maintenance · 1000 mcg",
        "Sun 31 May 2026 Maintenance · 1000 mcg",
        "Sun 28 Jun 2026 Maintenance · 1000 mcg",
    ]


# --- last injection and the next site --------------------------------------------------------


def test_it_shows_no_last_injection_and_the_first_site_before_any_dose(patient, patient_client):
    with frozen(START, 7):
        factories.regimen_for(patient, START)
        page = home(patient_client)

    assert "None recorded yet." in page.text
    assert by_testid(page, "last-dose") == []
    assert one(page, "suggested-site") == "Left deltoid"


def test_it_shows_the_last_injection_and_suggests_a_never_used_site(patient, patient_client):
    with frozen(date(2026, 3, 4), 7):
        regimen = factories.regimen_for(patient, START)
        factories.give(regimen, date(2026, 3, 2), 9, site="LD")
        factories.give(regimen, date(2026, 3, 3), 18, site="RD")

        page = home(patient_client)

    assert one(page, "last-dose") == "Tue 3 Mar 2026, 18:00 (yesterday) · 1000 mcg · Right deltoid"
    assert one(page, "suggested-site") == "Left thigh (vastus lateralis)"


def test_it_suggests_the_least_recently_used_site_once_all_are_used(patient, patient_client):
    with frozen(date(2026, 3, 8), 7):
        regimen = factories.regimen_for(patient, START)
        for day, site in enumerate(["LVL", "RD", "RVL", "LVG", "RVG", "LD"], start=2):
            factories.give(regimen, date(2026, 3, day), site=site)

        page = home(patient_client)

    assert one(page, "suggested-site") == "Left thigh (vastus lateralis)"
    assert one(page, "last-dose").endswith("· Left deltoid")


def test_it_ignores_a_deleted_injection_for_the_last_one_and_the_site(patient, patient_client):
    with frozen(date(2026, 3, 4), 7):
        regimen = factories.regimen_for(patient, START)
        factories.give(regimen, date(2026, 3, 2), site="LD")
        mistake = factories.give(regimen, date(2026, 3, 3), site="RD")
        actions.delete_dose(mistake, patient)

        page = home(patient_client)

    assert one(page, "last-dose") == "Mon 2 Mar 2026, 09:00 (2 days ago) · 1000 mcg · Left deltoid"
    assert one(page, "suggested-site") == "Right deltoid"


# --- check-in prompt, prescriber note, no regimen ----------------------------------------------


@pytest.mark.parametrize(
    ("last_checkin_days_ago", "prompted"),
    [(None, True), (8, True), (7.5, True), (6, False), (0, False)],
)
def test_it_prompts_for_a_check_in_when_none_in_the_last_7_days(
    patient, patient_client, last_checkin_days_ago, prompted
):
    with frozen(date(2026, 3, 20)):
        factories.regimen_for(patient, START)
        if last_checkin_days_ago is not None:
            now = datetime(2026, 3, 20, 12, tzinfo=NEW_YORK)
            factories.SymptomEntryFactory(
                patient=patient, recorded_at=now - timedelta(days=last_checkin_days_ago), score=2
            )

        page = home(patient_client)

    prompts = by_testid(page, "checkin-prompt")
    if prompted:
        assert prompts == ["You have not checked in this week. How are your symptoms? Check in now"]
        assert reverse("checkin") in page.text
    else:
        assert prompts == []


def test_it_does_not_ask_a_brand_new_patient_about_this_week_before_set_up(patient, patient_client):
    with frozen(date(2026, 3, 20)):
        before = home(patient_client)
        factories.regimen_for(patient, START)
        after = home(patient_client)

    assert by_testid(before, "checkin-prompt") == []
    assert "Set up my injections" in before.text
    # Once there is a plan, the weekly prompt starts.
    assert by_testid(after, "checkin-prompt") == [
        "You have not checked in this week. How are your symptoms? Check in now"
    ]


def test_it_says_the_prescriber_confirms_the_example_regimen(patient, patient_client):
    factories.regimen_for(patient, START)

    page = home(patient_client)

    assert one(page, "prescriber-note") == (
        "Example regimen: your prescriber confirms the dose and interval."
    )
    assert "Cyanocobalamin 1000 mcg, common US practice" in page.text


def test_it_shows_an_empty_state_to_a_patient_without_a_regimen(patient, patient_client):
    page = home(patient_client)

    assert "No active regimen" in page.text
    assert "Your clinician or an administrator sets up your injection plan." in page.text
    assert by_testid(page, "next-due") == []
    assert by_testid(page, "phase-badge") == []
    assert by_testid(page, "upcoming") == []


def test_it_shows_only_the_signed_in_patients_plan(patient, other_patient, patient_client):
    theirs = factories.regimen_for(other_patient, START)
    with frozen(date(2026, 3, 3)):
        factories.give(theirs, START, site="RVG")
        page = home(patient_client)

    assert "No active regimen" in page.text
    assert "Right hip" not in page.text


def test_it_says_the_course_is_complete_after_its_last_dose(patient, patient_client):
    with frozen(date(2026, 5, 4)):
        regimen = factories.regimen_for(patient, START)
        # A course that ends: its last phase stops after one dose instead of running open.
        Phase.objects.filter(regimen=regimen, order=2).update(end_rule="after_doses", end_value=1)
        regimen = Regimen.objects.get(pk=regimen.pk)
        give_on_time(regimen, 7 + 4 + 1)  # the last one on 3 May

        page = home(patient_client)

    assert one(page, "next-due") == "Course complete: nothing is due."
    assert upcoming_rows(page) == ["Nothing more is due."]
    assert one(page, "last-dose") == "Sun 3 May 2026, 09:00 (yesterday) · 1000 mcg · Left deltoid"
    assert "No active regimen" not in page.text


# --- supplies ----------------------------------------------------------------------------------


def test_it_offers_to_record_supplies_when_there_are_none(patient, patient_client):
    factories.regimen_for(patient, START)

    page = home(patient_client)

    assert one(page, "supply-summary") == "No supplies recorded — Add supplies"
    assert reverse("supply_new") in page.text
    assert by_testid(page, "supply-warning") == []


def test_it_says_until_when_supplies_last(patient, patient_client):
    with frozen(date(2026, 3, 4)):
        regimen = factories.regimen_for(patient, START)
        factories.add_supply(patient, count=10, expires_on=EXPIRY, received_on=START)
        give_on_time(regimen, 2)  # 8 mL left: 4 to 8 March daily, then 15 to 29 March weekly

        page = home(patient_client)

    assert one(page, "supply-summary") == (
        "Supplies last until Sun 29 Mar 2026 (8 injections). "
        "More are needed for the injection due Sun 5 Apr 2026."
    )
    assert by_testid(page, "supply-warning") == []
    assert "8 mL left for your plan" in one(page, "supplies-card")
    assert reverse("supplies") in page.text


def test_it_warns_on_the_home_page(patient, patient_client):
    with frozen(date(2026, 3, 3)):
        regimen = factories.regimen_for(patient, START)
        factories.add_supply(patient, count=2, expires_on=EXPIRY, received_on=START)
        factories.add_supply(
            patient, count=1, expires_on=date(2026, 3, 31), received_on=START, lot_number="X1"
        )
        factories.give(regimen, START)  # from the box that expires first

        page = home(patient_client)

    assert one(page, "supply-summary") == (
        "Supplies last until Wed 4 Mar 2026 (2 injections). "
        "More are needed for the injection due Thu 5 Mar 2026."
    )
    assert by_testid(page, "supply-warning") == []

    with frozen(date(2026, 3, 4)):
        factories.give(regimen, date(2026, 3, 3))
        page = home(patient_client)

    assert by_testid(page, "supply-warning") == [
        "Your supplies will not last to your next two injections "
        "(Wed 4 Mar 2026 and Thu 5 Mar 2026)."
    ]


# --- a fixed number of queries ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("injections", "boxes", "queries"), [(10, 0, 12), (1000, 0, 12), (10, 1, 14), (1000, 25, 14)]
)
def test_it_makes_the_same_number_of_queries_whatever_the_history(
    patient, patient_client, django_assert_num_queries, injections, boxes, queries
):
    with frozen(START):  # the supplies' expiry date stays in the future
        regimen = factories.regimen_for(patient, date(2022, 1, 1))
        factories.add_injections(regimen, injections, date(2022, 1, 1))
        factories.check_in(patient, score=1)
        for n in range(boxes):
            factories.add_supply(
                patient, count=60, expires_on=EXPIRY, received_on=date(2022, 1, 1 + n)
            )
        assert DoseLog.objects.filter(patient=patient).count() == injections
        home(patient_client)  # the first request of a session renews it: not counted
        cache.clear()  # and it cached the page: build it again

        # 1 the session; 2 the signed-in user; 3 the active regimen's phases, each row with the
        # regimen (its current phase is one of them; doses/dashboard.py regimen_with_phases);
        # 4 the care team; 5 the clinicians' share requests waiting for the patient; 6 the last
        # injection; 7 the last check-in; 8 the plan changes to tell the patient of; 9 when each
        # site was last used; the small chart's data shown as tables beside it: 10 the last six
        # months' check-ins and 11 their injections; 12 the supplies; 13 once there are any, the
        # injections given since they are in use, and 14 the photos of their labels (for the
        # care team's verdicts).
        with django_assert_num_queries(queries):
            page = home(patient_client)
        # Opened again with nothing changed: the cached body, after the session and the user.
        with django_assert_num_queries(2):
            again = home(patient_client)
    assert main_content(again) == main_content(page)

    last = datetime.combine(date(2022, 1, 1) + timedelta(days=injections - 1), time(9))
    assert one(page, "last-dose").startswith(f"{last:%a} {last.day} {last:%b %Y}, 09:00")
    assert one(page, "phase-badge") == ("Stabilization" if injections == 10 else "Maintenance")
    assert len(upcoming_rows(page)) == 5
    assert by_testid(page, "checkin-prompt") == []
    assert one(page, "supply-summary").startswith("Supplies last" if boxes else "No supplies")


def test_the_charts_data_tables_show_a_phase_label_as_written(patient, patient_client):
    # The tables' rows are written in Python (timeline/series.py Table.rows_html):
    # text from the plan, such as a phase's label, is shown as text, never read as markup.
    with frozen(START + timedelta(days=3)):
        regimen = factories.regimen_for(patient, START)
        Phase.objects.filter(pk=regimen.current_phase_id).update(label='Daily <b>"load"</b> & co')
        regimen.refresh_from_db()
        factories.give(regimen, START)
        factories.check_in(patient, score=3)
        page = home(patient_client)
    html = page.content.decode()
    assert "<b>" not in html[html.index('data-testid="table-injections"') :]
    rows = texts(page, '[data-testid="table-injections"] tbody tr')
    assert rows == ['2 Mar 2026 Daily <b>"load"</b> & co']
    (cell,) = texts(page, '[data-testid="table-injections"] tbody td[data-label="Date"] time')
    assert cell == "2 Mar 2026"
