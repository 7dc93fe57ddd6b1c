"""Alerts: allergy signs, side effects, same-day symptoms, confirmed early or second doses,
wear-off and a dose overdue by more than one interval are named on the record's header, above
everything, until a care-team clinician acknowledges them; the acknowledgement (who, when,
note) is kept and shown in the timeline.

Time is frozen in December 2026 (New York, the patient's zone); the patient started the US
cyanocobalamin course (daily x7, weekly x4, then every 4 weeks) on Monday 2 November 2026.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from accounts.models import CareTeamMembership
from doses import actions, alerts, freshness
from doses.models import Alert, DoseLog
from symptoms.models import SymptomEntry
from tests import factories, pages
from tests.clock import frozen

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 11, 2)


def moment(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=NEW_YORK)


@pytest.fixture
def regimen(patient):
    with frozen(START):
        return factories.regimen_for(patient, START)


def check_in(patient, day: date, score: int = 1, **values) -> SymptomEntry:
    with frozen(day, 18):
        return factories.check_in(patient, score=score, **values)


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return pages.soup(response)


def words(node) -> str:
    return pages.text(node) if node else ""


def header_alerts(client, patient) -> list[str]:
    page = soup(client.get(reverse("patient_record", args=[patient.pk])))
    return [words(item) for item in page.select('[data-testid="open-alert"]')]


def acknowledge(client, patient, alert, note=""):
    return client.post(
        reverse("acknowledge_alert", args=[patient.pk, alert.pk]), {"note": note}, follow=True
    )


# --- what raises an alert, and what it says ---------------------------------------------------


def test_allergy_signs_on_a_check_in_head_the_record_with_the_sign_date_and_note(
    patient, clinician, client, regimen
):
    check_in(patient, date(2026, 12, 3), allergy_signs=["swelling"], note="Lips swelled at 3pm")
    client.force_login(clinician)

    with frozen(date(2026, 12, 4)):
        (shown,) = header_alerts(client, patient)

    assert shown.startswith(
        "Allergy signs · check-in of 3 Dec 2026 Swelling of the face, lips, tongue or throat "
        "Patient's note: “Lips swelled at 3pm”"
    )
    assert CareTeamMembership.objects.get(patient=patient).needs_attention is True


def test_acknowledging_keeps_who_when_and_note_and_clears_the_header_and_list(
    patient, clinician, client, regimen
):
    check_in(patient, date(2026, 12, 3), allergy_signs=["hives"])
    alert = Alert.objects.get(patient=patient)
    client.force_login(clinician)

    with frozen(date(2026, 12, 4), 9):
        page = soup(acknowledge(client, patient, alert, "Phoned; antihistamine, seen tomorrow"))

    assert words(page.select_one(".alert-success")) == "Acknowledged: Allergy signs."
    assert page.select('[data-testid="open-alert"]') == []
    alert.refresh_from_db()
    assert alert.acknowledged_by == clinician
    assert alert.acknowledged_at == moment(date(2026, 12, 4), 9)
    assert alert.acknowledgement_note == "Phoned; antihistamine, seen tomorrow"
    (entry,) = page.select('[data-kind="acknowledged"]')
    assert words(entry).startswith(
        "Alert acknowledged · Allergy signs (check-in of 3 Dec 2026) Fri 4 Dec 2026, 09:00"
    )
    assert words(entry).endswith(
        "Hives or widespread itchy rash · by Dr Care · “Phoned; antihistamine, seen tomorrow”"
    )
    assert CareTeamMembership.objects.get(patient=patient).needs_attention is False


def test_a_second_acknowledgement_changes_nothing_and_says_who_did_it(
    patient, clinician, client, regimen
):
    colleague = factories.ClinicianFactory(name="Dr Second", email="second@example.org")
    factories.CareTeamFactory(patient=patient, clinician=colleague)
    check_in(patient, date(2026, 12, 3), allergy_signs=["hives"])
    alert = Alert.objects.get(patient=patient)
    client.force_login(clinician)
    acknowledge(client, patient, alert, "first")
    client.force_login(colleague)

    page = soup(acknowledge(client, patient, alert, "second"))

    assert "Dr Care acknowledged this alert already." in words(page)
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.acknowledgement_note) == (clinician, "first")


def test_an_overlong_acknowledgement_note_is_refused_and_changes_nothing(
    patient, clinician, client, regimen
):
    check_in(patient, date(2026, 12, 3), allergy_signs=["hives"])
    alert = Alert.objects.get(patient=patient)
    client.force_login(clinician)

    page = soup(acknowledge(client, patient, alert, "x" * 1001))

    assert "The alert was not acknowledged:" in words(page)
    assert "at most 1000 characters" in words(page)
    assert Alert.objects.open().filter(pk=alert.pk).exists()


def test_the_alert_stays_whatever_later_check_ins_say(patient, clinician, client, regimen):
    check_in(patient, date(2026, 12, 1), allergy_signs=["breathing"])
    check_in(patient, date(2026, 12, 2))
    check_in(patient, date(2026, 12, 3))
    client.force_login(clinician)

    (shown,) = header_alerts(client, patient)
    assert shown.startswith("Allergy signs · check-in of 1 Dec 2026")


def test_side_effects_and_a_rise_in_numbness_are_alerts_too(patient, clinician, client, regimen):
    check_in(patient, date(2026, 12, 1), score=2)
    check_in(
        patient,
        date(2026, 12, 3),
        score=2,
        numbness=5,
        side_effects=["Headache"],
        note="Feet numb again",
    )
    client.force_login(clinician)

    shown = header_alerts(client, patient)

    # The same-day sign comes first (urgent), then the side effects.
    assert [text.split(" · ")[0] for text in shown] == ["Same-day symptoms", "Side effects"]
    assert "Numbness rose from 2 to 5" in shown[0]
    assert "Headache" in shown[1]
    assert "Patient's note: “Feet numb again”" in shown[1]


def test_a_repeated_check_in_form_raises_one_alert(patient, regimen):
    token = "6f1c1c52-8b1d-4c55-9c3e-2f5e1a0b7d11"
    values = {**dict.fromkeys(SymptomEntry.SYMPTOMS, 1), "allergy_signs": ["hives"]}
    with frozen(date(2026, 12, 3)):
        actions.record_checkin(patient, patient, token=token, **values)
        actions.record_checkin(patient, patient, token=token, **values)

    assert Alert.objects.filter(patient=patient).count() == 1


# --- the injection form's reaction checklist --------------------------------------------------


def dose_form(client, when: datetime, **extra) -> dict:
    page = soup(client.get(reverse("log_dose")))
    form = page.find("input", attrs={"name": "submission_token"}).find_parent("form")
    data = {"submission_token": form.find("input", attrs={"name": "submission_token"})["value"]}
    data.update(
        administered_at=f"{when:%Y-%m-%dT%H:%M}",
        dose_mcg="1000",
        route="IM",
        site="LD",
        administered_by="self",
        medication="cyanocobalamin",
        concentration_mcg_per_ml="1000",
    )
    data.update(extra)
    return data


def test_allergy_signs_ticked_after_an_injection_bring_the_emergency_message_and_an_alert(
    patient, patient_client, clinician, client, regimen
):
    with frozen(START, 9):
        data = dose_form(
            patient_client,
            moment(START, 8),
            allergy_signs=["breathing"],
            side_effects=["Headache"],
            reaction_notes="Wheezy ten minutes after",
        )
        home = soup(patient_client.post(reverse("log_dose"), data, follow=True))

    danger = words(home.select_one(".alert-danger"))
    assert "Ticked: Trouble breathing or wheezing." in danger
    assert "Call 112 now" in danger
    dose = DoseLog.objects.get(patient=patient)
    assert (dose.allergy_signs, dose.side_effects) == (["breathing"], ["Headache"])

    client.force_login(clinician)
    with frozen(START, 10):
        shown = header_alerts(client, patient)
        record = soup(client.get(reverse("patient_record", args=[patient.pk])))
    assert [text.split(" · ")[0] for text in shown] == ["Allergy signs", "Side effects"]
    assert shown[0].startswith(
        "Allergy signs · injection of 2 Nov 2026 Trouble breathing or wheezing "
        "Patient's note: “Wheezy ten minutes after”"
    )
    reaction = words(record.select_one('[data-testid="dose-reaction"]'))
    assert reaction == "Allergy signs: Trouble breathing or wheezing · Side effects: Headache"


def test_the_checklist_refuses_signs_not_on_its_list(patient, patient_client, regimen):
    with frozen(START, 9):
        data = dose_form(patient_client, moment(START, 8), allergy_signs=["sneezing"])
        page = soup(patient_client.post(reverse("log_dose"), data))

    assert "Select a valid choice. sneezing is not one of the available choices." in words(page)
    assert not DoseLog.objects.filter(patient=patient).exists()
    assert not Alert.objects.exists()


def test_a_sign_added_on_correction_raises_a_new_alert(patient, regimen):
    with frozen(START, 9):
        dose = factories.give(regimen, START, 8)
    assert not Alert.objects.exists()

    with frozen(START, 11):
        actions.correct_dose(dose, patient, "forgot", allergy_signs=["hives"])
        actions.correct_dose(dose, patient, "typo", reaction_notes="itchy")

    assert list(Alert.objects.values_list("kind", flat=True)) == [Alert.Kind.ALLERGY]


# --- overdue by more than one interval --------------------------------------------------------


def test_a_dose_overdue_by_more_than_its_interval_raises_one_alert(patient, clinician, regimen):
    # No dose given: the first daily dose was due on 2 November.
    assert alerts.raise_overdue(moment(START)) == 0  # due today
    assert alerts.raise_overdue(moment(START + timedelta(days=1))) == 0  # one day: one interval
    assert alerts.raise_overdue(moment(START + timedelta(days=2))) == 1
    assert alerts.raise_overdue(moment(START + timedelta(days=3))) == 0  # already raised

    alert = Alert.objects.get(patient=patient)
    assert alert.kind == Alert.Kind.OVERDUE
    shown = alerts.describe(alert)
    assert (shown.title, shown.when, shown.text) == (
        "Overdue by more than one interval",
        "2 Nov 2026",
        "it was due 2 Nov 2026",
    )
    assert CareTeamMembership.objects.get(patient=patient).needs_attention is True


def test_a_maintenance_dose_is_not_overdue_until_four_weeks_have_passed(patient, regimen):
    day = START
    while regimen.current_phase.kind != "maintenance":
        with frozen(regimen.next_due):
            factories.give(regimen, regimen.next_due)
        day = regimen.next_due
    assert alerts.raise_overdue(moment(day + timedelta(days=28))) == 0
    assert alerts.raise_overdue(moment(day + timedelta(days=29))) == 1


# --- many open alerts: their exact count, the first five, and a link to all of them ----------


def overdue(patient, day: date) -> Alert:
    return Alert.objects.create(
        patient=patient,
        kind=Alert.Kind.OVERDUE,
        key=f"overdue-test-{day}",
        raised_at=moment(day),
        details={"due": day.isoformat()},
    )


def shown_alerts(page) -> list[str]:
    return [
        f"{item['data-alert-kind']} {words(item.select_one('[data-testid=alert-when]'))}"
        for item in page.select('[data-testid="open-alert"]')
    ]


def test_many_open_alerts_show_their_exact_count_the_urgent_then_the_newest_and_a_link_to_all(
    patient, clinician, client, regimen
):
    check_in(patient, date(2026, 11, 3), allergy_signs=["hives"])  # urgent, the oldest
    for day in range(10, 18):  # eight overdue alerts, 10 to 17 November
        overdue(patient, date(2026, 11, day))
    client.force_login(clinician)

    with frozen(date(2026, 12, 5)):
        page = soup(client.get(reverse("patient_record", args=[patient.pk])))
        link = page.select_one('[data-testid="all-alerts"]')
        everything = soup(client.get(reverse("patient_record", args=[patient.pk]) + link["href"]))

    # The count is exact; the urgent alert comes first however old, then the newest.
    assert pages.by_testid(page)["alerts-count"] == ["9 alerts to acknowledge"]
    assert shown_alerts(page) == [
        "allergy check-in of 3 Nov 2026",
        "overdue 17 Nov 2026",
        "overdue 16 Nov 2026",
        "overdue 15 Nov 2026",
        "overdue 14 Nov 2026",
    ]
    assert words(page.select_one('[data-testid="alerts-more"]')) == (
        "The first 5 are shown (urgent ones first, then the newest). Show all 9 open alerts"
    )
    # All of them, in the same order, each with its own acknowledge form.
    assert pages.by_testid(everything)["alerts-count"] == ["9 alerts to acknowledge"]
    assert shown_alerts(everything)[:5] == shown_alerts(page)
    assert shown_alerts(everything)[5:] == [f"overdue {day} Nov 2026" for day in (13, 12, 11, 10)]
    assert len(everything.select('[data-testid="acknowledge"]')) == 9
    assert everything.select_one('[data-testid="alerts-more"]') is None


def test_an_alert_acknowledged_from_the_list_of_all_goes_back_to_it_and_counts_one_fewer(
    patient, clinician, client, regimen
):
    for day in range(10, 18):
        overdue(patient, date(2026, 11, day))
    oldest = Alert.objects.get(raised_at=moment(date(2026, 11, 10)))
    client.force_login(clinician)

    with frozen(date(2026, 12, 5)):
        everything = soup(client.get(reverse("patient_record", args=[patient.pk]) + "?alerts=all"))
        (form,) = [
            item.select_one("form")
            for item in everything.select('[data-testid="open-alert"]')
            if words(item.select_one('[data-testid="alert-when"]')) == "10 Nov 2026"
        ]
        fields = {field["name"]: field.get("value", "") for field in form.select("input")}
        response = client.post(form["action"], {**fields, "note": "Rang"})
        after = soup(client.get(response["Location"]))

    assert response["Location"].endswith("?alerts=all#alerts-heading")
    oldest.refresh_from_db()
    assert oldest.acknowledgement_note == "Rang"
    assert pages.by_testid(after)["alerts-count"] == ["7 alerts to acknowledge"]
    assert len(after.select('[data-testid="open-alert"]')) == 7


def test_an_acknowledgement_shows_at_once_on_a_record_viewed_before(
    patient, clinician, client, regimen
):
    """The record's timeline is kept under the record version: acknowledging raises it."""
    check_in(patient, date(2026, 12, 3), allergy_signs=["hives"])
    alert = Alert.objects.get(patient=patient)
    client.force_login(clinician)

    with frozen(date(2026, 12, 4), 9):
        before = soup(client.get(reverse("patient_record", args=[patient.pk])))
        after = soup(acknowledge(client, patient, alert, "Seen"))

    assert before.select('[data-kind="acknowledged"]') == []
    assert len(before.select('[data-testid="open-alert"]')) == 1
    assert after.select('[data-testid="open-alerts"]') == []
    assert len(after.select('[data-kind="acknowledged"]')) == 1


# --- fixed number of queries ------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 30])
def test_the_record_makes_the_same_number_of_queries_whatever_the_number_of_alerts(
    patient, clinician, client, regimen, django_assert_num_queries, count
):
    for n in range(count):
        check_in(patient, date(2026, 11, 3) + timedelta(days=n), allergy_signs=["hives"])
    with frozen(date(2026, 12, 5)):
        client.force_login(clinician)
        client.get(reverse("patient_record", args=[patient.pk]))  # warm the session

    # As tests/clinic/test_record.py lists them, less the three this record has nothing for (the
    # page's injections, its notes and the prescriber): the open alerts are one query, whatever
    # their number (their check-ins come joined); and the changes of the check-ins' phases;
    # plus the two of the charts' tables (the check-ins and the injections), the newest vial
    # label photo beside the regimen and the lab ranges that name the kept page: 20. The page
    # is drawn anew: the record has changed since the first view (its version raised).
    freshness.bump(pk=patient.pk)
    with frozen(date(2026, 12, 5)), django_assert_num_queries(20):
        page = soup(client.get(reverse("patient_record", args=[patient.pk])))

    assert len(page.select('[data-testid="open-alert"]')) == min(count, 5)
    assert pages.by_testid(page)["alerts-count"] == [
        "1 alert to acknowledge" if count == 1 else f"{count} alerts to acknowledge"
    ]


# --- the patient sees that their care team was told, and when it was seen ---------------------


def test_the_patient_sees_their_care_team_was_alerted_and_when_it_was_seen(
    patient, patient_client, clinician, client, regimen
):
    entry = check_in(patient, date(2026, 12, 3), allergy_signs=["hives"])
    with frozen(START, 9):
        dose = factories.give(regimen, START, 8)
    with frozen(START, 10):
        actions.correct_dose(dose, patient, "forgot", side_effects=["Headache"])

    checkin_page = soup(patient_client.get(reverse("checkin_detail", args=[entry.pk])))
    status = words(checkin_page.select_one('[data-testid="alert-status"]'))
    assert status == "Care team alerted Allergy signs: not yet seen by a clinician"
    dose_page = soup(patient_client.get(reverse("dose_detail", args=[dose.pk])))
    assert words(dose_page.select_one('[data-testid="dose-reaction"]')) == "Side effects: Headache"

    alert = Alert.objects.get(checkin=entry)
    client.force_login(clinician)
    with frozen(date(2026, 12, 4), 9):
        acknowledge(client, patient, alert)

    checkin_page = soup(patient_client.get(reverse("checkin_detail", args=[entry.pk])))
    status = words(checkin_page.select_one('[data-testid="alert-status"]'))
    assert status == "Care team alerted Allergy signs: seen by Dr Care on 4 Dec 2026, 09:00"
