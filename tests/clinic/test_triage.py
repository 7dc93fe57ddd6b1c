"""The clinician's home: a triage queue of the care-team patients, overdue first, with the
columns and flags a clinician scans, search, filters, 25 to a page, in a fixed number of
queries whatever the number of patients.

Time is frozen at Sunday 10 May 2026, noon in New York (every patient's zone unless a test says
otherwise). Regimens come from the cyanocobalamin US template (daily x7, weekly x4, then every 4
weeks): with no injection yet, the first dose is due on the start date.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.models import CareTeamMembership, User
from doses import actions
from doses.models import Alert
from labs.models import LabRange
from regimens.models import Regimen
from symptoms.models import SymptomEntry
from tests import factories
from tests.clock import frozen
from tests.doses.test_alerts import overdue
from tests.pages import soup, texts

NEW_YORK = ZoneInfo("America/New_York")
TODAY = date(2026, 5, 10)
NOW = datetime.combine(TODAY, time(12), tzinfo=NEW_YORK)
COLUMNS = ("patient", "flags", "next", "phase", "last", "checkin", "symptoms", "b12", "lab_review")


pytestmark = [pytest.mark.django_db, pytest.mark.frozen(NOW)]


# --- building patients -----------------------------------------------------------------------


def on_team(clinician, name: str, start: date | None = None, **fields) -> User:
    """A care-team patient, with a regimen from `start` (none without it)."""
    email = name.lower().replace(" ", ".") + "@example.org"
    person = factories.PatientFactory(name=name, email=email, **fields)
    factories.CareTeamFactory(patient=person, clinician=clinician)
    if start:
        factories.regimen_for(person, start)
    return person


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def ward(patient, clinician, other_patient):
    """Five care-team patients, one of each status (Pat Patient has no regimen), and a patient
    of another clinician."""
    factories.regimen_for(other_patient, date(2026, 4, 1))  # overdue, but not on the team
    return {
        "Di Soon": on_team(clinician, "Di Soon", date(2026, 5, 15)),
        "Bob Late": on_team(clinician, "Bob Late", date(2026, 5, 1)),
        "Cy Today": on_team(clinician, "Cy Today", TODAY),
        "Ann Early": on_team(clinician, "Ann Early", date(2026, 4, 20)),
        "Pat Patient": patient,
    }


@pytest.fixture
def client_for(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


# --- reading the page ------------------------------------------------------------------------


def triage(client, **params) -> SimpleNamespace:
    """The triage table's rows as dicts of column -> visible text; the pagination text; the
    links of the pagination by their words; and the page's HTML."""
    response = client.get(reverse("home"), params)
    assert response.status_code == 200
    html = soup(response)
    rows = [
        dict(zip(COLUMNS, texts(row, "td"), strict=True))
        for row in html.select('tr[data-testid="triage-row"]')
    ]
    pager = html.select_one("ul.pagination") or soup("")
    return SimpleNamespace(
        text=response.content.decode(),
        rows=rows,
        links={link.get_text().strip(): link.get("href") for link in pager.select("a")},
        pages=next((words for words in texts(pager, "span") if "Page" in words), ""),
    )


def names(page) -> list[str]:
    return [row["patient"].rsplit(" ", 1)[0] for row in page.rows]


# --- who is listed, and in which order -------------------------------------------------------


def test_it_lists_only_care_team_patients_overdue_first_and_no_regimen_last(
    clinician, ward, client_for
):
    page = triage(client_for(clinician))

    assert names(page) == ["Ann Early", "Bob Late", "Cy Today", "Di Soon", "Pat Patient"]
    assert [row["next"] for row in page.rows] == [
        "Mon 20 Apr 2026 20 days late",
        "Fri 1 May 2026 9 days late",
        "Sun 10 May 2026 due today",
        "Fri 15 May 2026 in 5 days",
        "–",
    ]
    assert "Olga Other" not in page.text
    assert page.pages == "Page 1 of 1 · 5 patients"


def test_someone_on_the_care_team_who_is_no_longer_a_patient_is_not_listed(
    clinician, ward, client_for
):
    former = CareTeamMembership.objects.get(clinician=clinician, patient__name="Bob Late").patient
    User.objects.filter(pk=former.pk).update(role=User.Role.PHARMACIST)

    page = triage(client_for(clinician))

    assert names(page) == ["Ann Early", "Cy Today", "Di Soon", "Pat Patient"]
    assert page.pages == "Page 1 of 1 · 4 patients"


def test_a_clinician_with_no_patients_sees_how_they_get_some(clinician, other_patient, client_for):
    CareTeamMembership.objects.all().delete()

    page = triage(client_for(clinician))

    assert page.rows == []
    assert "No patients on your care team yet." in page.text


def test_it_shows_each_column_for_a_patient_in_maintenance(patient, clinician, client_for):
    regimen = factories.regimen_for(patient, date(2026, 3, 2))
    for _ in range(7 + 4 + 1):  # on time up to the first maintenance dose, on Sunday 3 May
        factories.give(regimen, regimen.next_due)
    factories.SymptomEntryFactory(patient=patient, recorded_at=days_ago(13), score=1)  # total 6
    factories.SymptomEntryFactory(patient=patient, recorded_at=days_ago(3), score=2)  # total 12
    factories.LabResultFactory(patient=patient, taken_on=date(2026, 4, 1), value="500")
    factories.LabResultFactory(patient=patient, taken_on=date(2026, 5, 1), value="150")
    Regimen.objects.filter(pk=regimen.pk).update(next_lab_review=date(2026, 6, 2))

    (row,) = triage(client_for(clinician)).rows

    assert row == {
        "patient": "Pat Patient pat@example.org",
        "phase": "Every 4 weeks Maintenance",
        "last": "3 May 2026 7 days ago",
        "next": "Sun 31 May 2026 in 3 weeks",
        "checkin": "3 days ago",
        "symptoms": "worse (+6)",
        "b12": "150 pg/mL 1 May 2026",
        "lab_review": "2 Jun 2026",
        "flags": "Symptoms worse B12 below typical range",
    }


def test_it_shows_dashes_and_flags_for_a_patient_with_nothing_recorded(
    patient, clinician, client_for
):
    (row,) = triage(client_for(clinician)).rows

    assert row == {
        "patient": "Pat Patient pat@example.org",
        "phase": "–",
        "last": "–",
        "next": "–",
        "checkin": "never",
        "symptoms": "–",
        "b12": "–",
        "lab_review": "–",
        "flags": "No active regimen No recent check-in",
    }


def test_the_last_injection_ignores_skips_and_deleted_doses(patient, clinician, client_for):
    regimen = factories.regimen_for(patient, date(2026, 5, 5))
    factories.give(regimen, date(2026, 5, 5))
    mistake = factories.give(regimen, date(2026, 5, 6))
    actions.delete_dose(mistake, patient)
    actions.skip_dose(Regimen.objects.get(pk=regimen.pk), patient, "Out of stock")

    (row,) = triage(client_for(clinician)).rows

    assert row["last"] == "5 May 2026 5 days ago"


def test_the_last_injection_is_dated_in_the_patients_zone(patient, clinician, client_for):
    """23:30 on 5 May in Los Angeles is 02:30 on 6 May in the clinician's New York."""
    patient.time_zone = "America/Los_Angeles"
    patient.save()
    regimen = factories.regimen_for(patient, date(2026, 5, 5))
    factories.give(regimen, date(2026, 5, 5), 23)

    (row,) = triage(client_for(clinician)).rows

    assert row["last"] == "5 May 2026 5 days ago"
    assert row["next"] == "Wed 6 May 2026 4 days late"


# --- symptom trend and flags -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "trend", "flagged"),
    [
        pytest.param((1, 2), "worse (+6)", True, id="total 6 to 12"),
        pytest.param((2, 1), "better (-6)", False, id="total 12 to 6"),
        pytest.param((1,), "–", False, id="one check-in"),
        pytest.param((3, 3), "steady", False, id="same total"),
    ],
)
def test_the_symptom_trend_compares_the_last_two_check_in_totals(
    patient, clinician, client_for, scores, trend, flagged
):
    if len(scores) == 2:
        # Older and far worse: not one of the last two.
        factories.SymptomEntryFactory(patient=patient, recorded_at=days_ago(30), score=9)
    for n, score in enumerate(scores):
        factories.SymptomEntryFactory(
            patient=patient, recorded_at=days_ago(len(scores) - n), score=score
        )

    (row,) = triage(client_for(clinician)).rows

    assert row["symptoms"] == trend
    assert ("Symptoms worse" in row["flags"]) is flagged


@pytest.mark.parametrize(
    ("last", "trend"),
    [(21, "worse (+3)"), (20, "steady"), (16, "steady"), (15, "better (-3)")],
)
def test_a_change_of_3_points_in_the_total_is_a_trend(patient, clinician, client_for, last, trend):
    scores = dict.fromkeys(SymptomEntry.SYMPTOMS, 3)  # total 18
    factories.SymptomEntryFactory(patient=patient, recorded_at=days_ago(2), **scores)
    scores["fatigue"] += last - 18
    factories.SymptomEntryFactory(patient=patient, recorded_at=days_ago(1), **scores)

    (row,) = triage(client_for(clinician)).rows

    assert row["symptoms"] == trend


@pytest.mark.parametrize(
    ("age", "shown", "flagged"),
    [
        pytest.param(0.1, "today", False, id="this morning"),
        pytest.param(1, "yesterday", False, id="yesterday"),
        pytest.param(13, "13 days ago", False, id="13 days"),
        pytest.param(14, "2 weeks ago", True, id="14 days"),
        pytest.param(40, "6 weeks ago", True, id="40 days"),
    ],
)
def test_no_check_in_for_14_days_is_flagged(patient, clinician, client_for, age, shown, flagged):
    factories.regimen_for(patient, date(2026, 5, 20))
    factories.SymptomEntryFactory(patient=patient, recorded_at=days_ago(age), score=1)

    (row,) = triage(client_for(clinician)).rows

    assert row["checkin"] == shown
    assert row["flags"] == ("No recent check-in" if flagged else "none")


def reported_checkin(person, when: datetime, score: int, allergy=(), note="") -> SymptomEntry:
    """A check-in made through the app (which raises its alerts)."""
    with frozen(when):
        return factories.check_in(person, score=score, allergy_signs=list(allergy), note=note)


def test_allergy_signs_raise_an_alert_that_names_them_and_stays_until_acknowledged(
    patient, clinician, client_for
):
    factories.regimen_for(patient, date(2026, 5, 20))
    reported_checkin(patient, days_ago(5), 1, allergy=["hives", "breathing"])
    reported_checkin(patient, days_ago(2), 1)  # a later check-in without signs
    browser = client_for(clinician)

    (row,) = triage(browser).rows
    assert row["flags"] == (
        "Allergy signs · check-in of 5 May 2026: Hives or widespread itchy rash, "
        "Trouble breathing or wheezing"
    )

    alert = Alert.objects.get(patient=patient)
    browser.post(reverse("acknowledge_alert", args=[patient.pk, alert.pk]), {"note": ""})

    (row,) = triage(browser).rows
    assert row["flags"] == "none"


def test_patients_with_open_alerts_come_first_and_the_filter_picks_a_kind(
    ward, clinician, client_for
):
    late = User.objects.get(name="Di Soon")
    reported_checkin(late, days_ago(1), 2, allergy=["swelling"])
    browser = client_for(clinician)

    assert names(triage(browser))[0] == "Di Soon"
    assert names(triage(browser, alert="allergy")) == ["Di Soon"]
    assert names(triage(browser, alert="any")) == ["Di Soon"]
    assert names(triage(browser, alert="overdue")) == []


def test_a_row_shows_its_first_three_alerts_and_links_to_the_rest(ward, clinician, client_for):
    """The urgent one first however old, then the newest; the rest are a link to the record's
    list of all of them."""
    late = User.objects.get(name="Bob Late")
    reported_checkin(late, days_ago(9), 2, allergy=["swelling"])  # urgent, the oldest
    for day in range(1, 7):  # six overdue alerts, 3 to 8 May
        overdue(late, date(2026, 5, 2 + day))
    browser = client_for(clinician)

    page = triage(browser)
    row = soup(page.text).select('tr[data-testid="triage-row"]')[names(page).index("Bob Late")]
    badges = [
        (item["data-alert-kind"], item.get_text(" ", strip=True))
        for item in row.select('[data-testid="triage-alert"]')
    ]
    more = row.select_one('[data-testid="triage-more-alerts"]')

    assert [kind for kind, _text in badges] == ["allergy", "overdue", "overdue"]
    assert "8 May 2026" in badges[1][1] and "7 May 2026" in badges[2][1]
    assert more.get_text(" ", strip=True) == "and 4 more open alerts"
    assert more["href"] == reverse("patient_record", args=[late.pk]) + "?alerts=all#alerts-heading"
    # A row with no more than three shows them all, and no link.
    di = soup(page.text).select('tr[data-testid="triage-row"]')[names(page).index("Di Soon")]
    assert di.select_one('[data-testid="triage-more-alerts"]') is None


@pytest.mark.parametrize(
    ("value", "unit", "shown", "flagged"),
    [
        pytest.param("199", "pg/mL", "199 pg/mL", True, id="199 pg/mL"),
        pytest.param("200", "pg/mL", "200 pg/mL", False, id="200 pg/mL"),
        pytest.param("140", "pmol/L", "190 pg/mL", True, id="140 pmol/L is 189.7 pg/mL"),
        pytest.param("250", "ng/L", "250 pg/mL", False, id="250 ng/L"),
    ],
)
def test_the_latest_serum_b12_below_the_typical_range_is_flagged(
    patient, clinician, client_for, value, unit, shown, flagged
):
    factories.regimen_for(patient, date(2026, 5, 20))
    factories.SymptomEntryFactory(patient=patient, recorded_at=days_ago(1), score=1)
    factories.LabResultFactory(patient=patient, taken_on=date(2026, 5, 2), value=value, unit=unit)
    # Older and low: not the latest.
    factories.LabResultFactory(patient=patient, taken_on=date(2026, 1, 2), value="90")
    factories.LabResultFactory(  # another analyte, later: not a B12 value
        patient=patient, taken_on=date(2026, 5, 8), analyte="folate", value="2", unit="ng/mL"
    )

    (row,) = triage(client_for(clinician)).rows

    assert row["b12"] == f"{shown} 2 May 2026"
    assert row["flags"] == ("B12 below typical range" if flagged else "none")


@pytest.mark.parametrize(
    ("low", "value", "flagged"),
    [
        pytest.param("300", "250", True, id="250 under an admin's range from 300"),
        pytest.param("150", "180", False, id="180 within an admin's range from 150"),
        pytest.param(None, "180", True, id="180 under the reference range with none set"),
    ],
)
def test_the_b12_flag_follows_the_range_the_admin_set(
    patient, clinician, client_for, low, value, flagged
):
    LabRange.objects.filter(analyte="b12").delete()
    if low is not None:
        factories.LabRangeFactory(analyte="b12", low=Decimal(low), high=Decimal("900"))
    factories.regimen_for(patient, date(2026, 5, 20))
    factories.SymptomEntryFactory(patient=patient, recorded_at=days_ago(1), score=1)
    factories.LabResultFactory(patient=patient, taken_on=date(2026, 5, 2), value=value)

    (row,) = triage(client_for(clinician)).rows

    assert row["flags"] == ("B12 below typical range" if flagged else "none")


def test_an_overdue_patient_is_flagged(clinician, ward, client_for):
    page = triage(client_for(clinician))
    rows = dict(zip(names(page), page.rows, strict=True))

    assert rows["Ann Early"]["flags"] == "Overdue No recent check-in"
    assert rows["Cy Today"]["flags"] == "No recent check-in"
    assert rows["Pat Patient"]["flags"] == "No active regimen No recent check-in"


# --- search and filters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("bob", ["Bob Late"]),
        ("  LATE ", ["Bob Late"]),
        ("n", ["Ann Early", "Di Soon", "Pat Patient"]),
        ("pat@", ["Pat Patient"]),
        ("cy.today@", ["Cy Today"]),
        ("zed", []),
    ],
)
def test_it_searches_by_name(clinician, ward, client_for, query, found):
    page = triage(client_for(clinician), q=query)

    assert names(page) == found
    if not found:
        assert "No patient matches these filters." in page.text


def test_search_never_finds_a_patient_of_another_clinician(clinician, ward, client_for):
    assert names(triage(client_for(clinician), q="Olga")) == []


@pytest.mark.parametrize(
    ("status", "found"),
    [
        ("overdue", ["Ann Early", "Bob Late"]),
        ("due_today", ["Cy Today"]),
        ("upcoming", ["Di Soon"]),
        ("none", ["Pat Patient"]),
        ("", ["Ann Early", "Bob Late", "Cy Today", "Di Soon", "Pat Patient"]),
    ],
)
def test_it_filters_by_status(clinician, ward, client_for, status, found):
    assert names(triage(client_for(clinician), status=status)) == found


def test_it_filters_by_phase(clinician, ward, client_for):
    regimen = Regimen.objects.get(patient=ward["Bob Late"])
    for _ in range(7):  # 1 to 7 May: the daily week is done; the weekly phase is due 14 May
        factories.give(regimen, regimen.next_due)
    browser = client_for(clinician)

    stabilization = triage(browser, phase="stabilization")

    assert names(stabilization) == ["Bob Late"]
    assert stabilization.rows[0]["phase"] == "Weekly for 4 weeks Stabilization"
    assert names(triage(browser, phase="repletion")) == ["Ann Early", "Cy Today", "Di Soon"]
    assert names(triage(browser, phase="maintenance")) == []


def test_search_and_filters_combine(clinician, ward, client_for):
    browser = client_for(clinician)

    assert names(triage(browser, q="early", status="overdue", phase="repletion")) == ["Ann Early"]
    assert names(triage(browser, q="early", status="upcoming")) == []
    assert names(triage(browser, q="soon", status="upcoming", phase="repletion")) == ["Di Soon"]


def test_the_status_filter_agrees_with_the_status_shown_for_the_patients_day(
    patient, clinician, client_for
):
    """Rule 8: a status is the patient's. At 20:00 on 10 May in New York it is already 11 May
    in Tokyo; a New York patient due on 11 May is due tomorrow, whatever the clinician's zone."""
    clinician.time_zone = "Asia/Tokyo"
    clinician.save()
    factories.regimen_for(patient, date(2026, 5, 11))

    with frozen(datetime(2026, 5, 10, 20, tzinfo=NEW_YORK)):
        browser = client_for(clinician)
        listed = triage(browser)
        due_today = triage(browser, status="due_today")
        upcoming = triage(browser, status="upcoming")

    assert listed.rows[0]["next"] == "Mon 11 May 2026 due tomorrow"
    assert names(due_today) == []
    assert names(upcoming) == ["Pat Patient"]


# --- pages -----------------------------------------------------------------------------------


def test_it_shows_25_patients_a_page(clinician, client_for):
    for n in range(1, 27):  # and Pat Patient
        on_team(clinician, f"Patient {n:02}")
    browser = client_for(clinician)

    first = triage(browser)
    second = triage(browser, page=2)

    assert names(first) == ["Pat Patient"] + [f"Patient {n:02}" for n in range(1, 25)]
    assert first.pages == "Page 1 of 2 · 27 patients"
    assert first.links == {"Next": "?&page=2"}
    assert names(second) == ["Patient 25", "Patient 26"]
    assert second.pages == "Page 2 of 2 · 27 patients"
    assert second.links == {"Previous": "?&page=1"}


def test_the_page_links_keep_the_search_and_filters(clinician, client_for):
    for n in range(1, 27):  # and Pat Patient
        on_team(clinician, f"Patient {n:02}")
    on_team(clinician, "Someone Else")
    on_team(clinician, "Patient With Regimen", TODAY)

    page = triage(client_for(clinician), q="Patient", status="none")

    assert len(page.rows) == 25
    assert page.pages == "Page 1 of 2 · 27 patients"
    assert page.links == {"Next": "?q=Patient&status=none&page=2"}
    assert names(triage(client_for(clinician), q="Patient", status="none", page=2)) == [
        "Patient 25",
        "Patient 26",
    ]


# --- a fixed number of queries ---------------------------------------------------------------


def many_on_team(clinician, count: int) -> None:
    """`count` care-team patients written in bulk; four in five with a regimen, each with two
    check-ins, a serum B12 and one injection, so that every column has something to show."""
    people = factories.bulk(
        factories.PatientFactory,
        ({"email": f"bulk{n:03}@example.org", "name": f"Bulk {n:03}"} for n in range(count)),
    )
    factories.bulk(
        factories.CareTeamFactory,
        ({"patient": person, "clinician": clinician} for person in people),
    )
    template = factories.template()
    regimens = [
        Regimen.from_template(template, person, TODAY - timedelta(days=n % 30))
        for n, person in enumerate(people)
        if n % 5
    ]
    factories.bulk(
        factories.DoseLogFactory,
        ({"regimen": regimen, "administered_at": NOW - timedelta(days=40)} for regimen in regimens),
    )
    factories.bulk(
        factories.SymptomEntryFactory,
        (
            {"patient": person, "recorded_at": days_ago(age), "score": score}
            for person in people
            for age, score in ((20, 1), (2, 3))
        ),
    )
    factories.bulk(
        factories.LabResultFactory,
        (
            {
                "patient": person,
                "taken_on": date(2026, 5, 1),
                "value": Decimal("180"),
                "value_canonical": Decimal("180"),  # bulk_create does not call save()
            }
            for person in people
        ),
    )
    # Two open alerts each, of two kinds.
    factories.bulk(
        factories.AlertFactory,
        (
            {
                "patient": person,
                "kind": kind,
                "key": f"{kind}-{person.pk}",
                "raised_at": days_ago(3),
                "details": {"signs": ["hives"]} if kind == Alert.Kind.ALLERGY else {},
            }
            for person in people
            for kind in (Alert.Kind.ALLERGY, Alert.Kind.WEAR_OFF)
        ),
    )
    CareTeamMembership.objects.filter(clinician=clinician).update(needs_attention=True)


@pytest.mark.parametrize("count", [5, 300])
def test_it_makes_the_same_number_of_queries_for_5_or_300_patients(
    clinician, client_for, django_assert_num_queries, count
):
    CareTeamMembership.objects.filter(clinician=clinician).delete()  # only the bulk patients
    many_on_team(clinician, count)
    browser = client_for(clinician)

    # 1 the session; 2 the signed-in clinician; 3 the paginator's count of care-team rows;
    # 4 the page's patient ids, in order, from the same rows (the index
    # triage_attention_order); 5 those patients, each joined to their active regimen and its
    # current phase, with the last injection, the last two check-ins and the latest serum B12
    # as subqueries; 6 the admin's typical range for serum B12 (read once per page, not per
    # patient); 7 the page's open alerts, with their check-ins and injections.
    with django_assert_num_queries(7):
        page = triage(browser)

    assert len(page.rows) == min(count, 25)
    assert page.pages == f"Page 1 of {-(-count // 25)} · {count} patients"
    assert {row["symptoms"] for row in page.rows} == {"worse (+12)"}
    assert {row["b12"] for row in page.rows} == {"180 pg/mL 1 May 2026"}
    assert all(
        row["flags"].startswith(
            "Allergy signs · 7 May 2026: Hives or widespread itchy rash "
            "Symptoms return before the next injection · since 7 May 2026"
        )
        for row in page.rows
    )


# --- the care-team rows' copies of what the list sorts on -------------------------------------


def test_the_order_follows_every_change_to_next_due_and_name(patient, clinician, client_for):
    """The list sorts on copies kept on the care-team rows: each path that moves a next due
    date, ends or starts a regimen, renames a patient or adds one keeps them right."""
    from regimens import actions as regimen_actions

    today = patient.today()
    early = on_team(clinician, "Ann Early", today - timedelta(days=30))  # long overdue
    late = on_team(clinician, "Zed Later", today - timedelta(days=2))
    browser = client_for(clinician)
    assert names(triage(browser))[:2] == ["Ann Early", "Zed Later"]

    # Ann catches up: each dose moves her next due date on, past Zed's.
    regimen = Regimen.objects.get(patient=early, status=Regimen.Status.ACTIVE)
    while regimen.next_due <= today:
        factories.give(regimen, today)
        regimen.refresh_from_db()
    assert names(triage(browser)).index("Zed Later") < names(triage(browser)).index("Ann Early")

    # Zed's regimen ends: nothing is due, so he goes last.
    zed = Regimen.objects.get(patient=late, status=Regimen.Status.ACTIVE)
    regimen_actions.end_regimen(zed, clinician, "completed course")
    assert names(triage(browser))[-1] == "Zed Later"

    # A rename re-sorts among equal dates; a new member joins in place.
    late.name = "Aaron Renamed"
    late.save()
    fresh = factories.PatientFactory(name="Bea New", email="bea@example.org")
    factories.regimen_for(fresh, today - timedelta(days=60))
    factories.CareTeamFactory(patient=fresh, clinician=clinician)  # joins with her regimen
    rows = CareTeamMembership.objects.filter(clinician=clinician)
    for row in rows.select_related("patient"):
        active = row.patient.regimens.filter(status=Regimen.Status.ACTIVE).first()
        assert row.next_due == (active.next_due if active else None), row.patient.name
        assert row.patient_name == row.patient.name
    assert "Aaron Renamed" in names(triage(browser))
    assert names(triage(browser))[0] == fresh.name
