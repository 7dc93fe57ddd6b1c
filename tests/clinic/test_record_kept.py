"""The record's parts drawn from the whole history (the adherence card, the wear-off flag, the
symptoms, intervals and wear-off charts with their data tables) are kept until the record
changes (clinic/record_history.py): a repeat view reads none of the history and shows the same
page; an injection, a check-in or the next day shows at once. The timeline's page is kept
likewise: a clinical note or a change to the regimen shows at once, and each page is its own.

The story (New York): a patient on the US cyanocobalamin template since 1 January 2026, with
forty daily injections and a check-in; their clinician reads the record on 1 June 2026.
"""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from clinic import record_history
from doses import actions, alerts, freshness
from doses.models import ClinicalNote
from labs.models import LabRange
from regimens import actions as regimen_actions
from symptoms.models import SymptomEntry
from tests import factories
from tests.clock import frozen
from tests.pages import by_testid, soup

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 1, 1)
NOON = datetime(2026, 6, 1, 12, tzinfo=NEW_YORK)
# Each form's tokens are new on every page (the CSRF token is masked afresh, the note form's
# submission token is random): everything else must be the same.
TOKENS = re.compile(r'(name="(?:csrfmiddlewaretoken|submission_token)" value=")[^"]*"')


@pytest.fixture
def clinician_client(clinician):
    browser = Client()
    browser.force_login(clinician)
    return browser


@pytest.fixture
def history(patient, clinician):
    with frozen(NOON - timedelta(days=1)):
        regimen = factories.regimen_for(patient, START, prescriber=clinician)
        factories.add_injections(regimen, 40, START)
        factories.check_in(patient, score=3)
    return regimen


def view(client, patient):
    response = client.get(reverse("patient_record", args=[patient.pk]))
    assert response.status_code == 200
    return response


def without_tokens(response) -> str:
    return TOKENS.sub(r'\1"', response.content.decode())


def rows(response, testid: str) -> int:
    """The rows of a chart's data tables."""
    return len(soup(response).select(f'[data-testid="{testid}-data"] tbody tr'))


def test_a_repeat_view_reads_no_history_and_shows_the_same_page(
    history, patient, clinician, clinician_client, django_assert_num_queries
):
    with frozen(NOON):
        # The first view reads the whole history: 23 queries (tests/clinic/test_record.py
        # says which; no note here).
        with django_assert_num_queries(23):
            first = view(clinician_client, patient)
        # Again, the page is kept whole (clinic/record_history.py page_key): the session, the
        # clinician, the patient through the care team, the audit of this view and the lab
        # ranges that name the kept page.
        with django_assert_num_queries(5):
            second = view(clinician_client, patient)
        # Without the whole page (a reader of their own, say), the parts are kept still: not
        # the regimen's doses and changes, the charts' check-ins and injections, nor the phase
        # changes behind the adherence labels (five fewer); nor the timeline's page, kept
        # likewise: its count, its page of rows, the page's injections and check-in, and the
        # changes of their phases (five fewer again).
        patient.refresh_from_db()
        cache.delete(record_history.page_key(clinician, patient, QueryDict()))
        with django_assert_num_queries(13):
            third = view(clinician_client, patient)

    assert without_tokens(third) == without_tokens(first)
    assert without_tokens(second) == without_tokens(first)
    assert by_testid(soup(second))["on-time"] == by_testid(soup(first))["on-time"]
    assert rows(second, "chart-intervals") == rows(first, "chart-intervals") > 0


def test_an_injection_shows_at_once(history, patient, clinician_client):
    with frozen(NOON):
        before = view(clinician_client, patient)
        view(clinician_client, patient)  # kept
        factories.give(history, date(2026, 6, 1), hour=10)
        after = view(clinician_client, patient)

    given = lambda page: by_testid(soup(page))["on-time"][0].split(" of ")[1]  # noqa: E731
    assert given(before).startswith("40 ")
    assert given(after).startswith("41 ")
    assert rows(after, "chart-intervals") == rows(before, "chart-intervals") + 1


def test_a_check_in_shows_at_once(history, patient, clinician_client):
    with frozen(NOON):
        before = view(clinician_client, patient)
        factories.check_in(patient, score=1, **{SymptomEntry.SYMPTOMS[0]: 4})
        after = view(clinician_client, patient)

    assert rows(after, "chart-symptoms") == rows(before, "chart-symptoms") + 1


def test_the_next_day_is_worked_out_anew(history, patient, clinician_client):
    """Nothing changed, but the days since the last injection did: a missed dose counts."""
    with frozen(NOON):
        today = by_testid(soup(view(clinician_client, patient)))["missed"]
    with frozen(NOON + timedelta(days=60)):
        later = by_testid(soup(view(clinician_client, patient)))["missed"]

    assert int(later[0]) > int(today[0])


def test_the_patient_and_the_clinician_each_read_their_own_page(
    history, patient, clinician_client, patient_client
):
    with frozen(NOON):
        clinician_page = view(clinician_client, patient)
        patients_page = view(patient_client, patient)

    # The same history, kept apart: neither is served the other's page.
    assert "note-heading" in clinician_page.content.decode()
    assert "note-heading" not in patients_page.content.decode()
    assert by_testid(soup(patients_page))["on-time"] == by_testid(soup(clinician_page))["on-time"]


def test_each_language_is_kept_apart(history, patient, clinician_client):
    url = reverse("patient_record", args=[patient.pk])
    with frozen(NOON):
        english = clinician_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        spanish = clinician_client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
        again = clinician_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Show the data as a table" in english and "Adherence" in english
    assert "Mostrar los datos en una tabla" in spanish and "Adherencia" in spanish
    assert "Show the data as a table" in again and "Mostrar" not in again


# --- the timeline's page, kept under the record version too ---------------------------------


def timeline(response) -> list[str]:
    return [item["data-kind"] for item in soup(response).select('[data-testid="timeline"] li')]


def test_a_clinical_note_shows_at_once(history, patient, clinician, clinician_client):
    with frozen(NOON):
        before = view(clinician_client, patient)
        actions.add_note(patient, clinician, "Reviewed the levels.")
        after = view(clinician_client, patient)

    assert "note" not in timeline(before)
    assert timeline(after)[0] == "note"
    assert "Reviewed the levels." in after.content.decode()


def test_a_change_to_the_regimen_shows_at_once(history, patient, clinician, clinician_client):
    with frozen(NOON):
        before = view(clinician_client, patient)
        regimen_actions.set_lab_review(history, clinician, date(2026, 9, 1), "Levels at 3 months")
        after = view(clinician_client, patient)

    assert timeline(after)[0] == "change" != timeline(before)[0]
    assert "Levels at 3 months" in after.content.decode()


def test_each_page_of_the_timeline_is_kept_apart(history, patient, clinician_client):
    url = reverse("patient_record", args=[patient.pk])
    with frozen(NOON):
        first = clinician_client.get(url)
        second = clinician_client.get(url, {"page": "2"})
        first_again = clinician_client.get(url)

    pages = lambda page: by_testid(soup(page))  # noqa: E731
    assert len(timeline(first)) == 25 and len(timeline(second)) == 16  # 40 injections, a check-in
    assert "Page 2 of 2" in second.content.decode()
    assert "Page 1 of 2" in first_again.content.decode()
    assert without_tokens(first_again) == without_tokens(first)
    assert pages(second) != pages(first)


# --- the whole page, kept for each reader until anything on it changes -----------------------


def tokens(response) -> dict[str, str]:
    page = soup(response)
    return {
        name: page.select_one(f'form[action$="/notes/"] input[name="{name}"]')["value"]
        for name in ("csrfmiddlewaretoken", "submission_token")
    }


def test_a_kept_page_has_this_requests_tokens_and_its_note_form_records_one_note(
    history, patient, clinician
):
    browser = Client(enforce_csrf_checks=True)  # the token put in must be this session's
    browser.force_login(clinician)
    with frozen(NOON):
        first = view(browser, patient)
        kept = view(browser, patient)
        sent = {**tokens(kept), "text": "Numbness better since the loading doses."}
        url = reverse("add_note", args=[patient.pk])
        browser.post(url, sent)
        browser.post(url, sent)  # the same form sent twice: one note
        after = view(browser, patient)

    assert tokens(kept)["submission_token"] != tokens(first)["submission_token"]
    assert freshness.TOKEN_STANDIN not in kept.content.decode()
    assert freshness.CSRF_STANDIN not in kept.content.decode()
    assert ClinicalNote.objects.filter(patient=patient, text=sent["text"]).count() == 1
    assert "Numbness better since the loading doses." in after.content.decode()


def test_a_page_with_a_message_is_drawn_for_it_and_not_kept(history, patient, clinician_client):
    with frozen(NOON):
        view(clinician_client, patient)
        clinician_client.post(
            reverse("add_note", args=[patient.pk]),
            {**tokens(view(clinician_client, patient)), "text": "Reviewed."},
        )
        told = view(clinician_client, patient)
        next_view = view(clinician_client, patient)

    message = lambda page: [m.get_text(strip=True) for m in soup(page).select("[data-message]")]  # noqa: E731
    assert message(told) == ["Note added to the record."]
    assert message(next_view) == []
    assert "Reviewed." in next_view.content.decode()


def test_each_reader_is_shown_their_own_page(history, patient, clinician_client):
    colleague = factories.ClinicianFactory(name="Dr Second", email="second@example.org")
    factories.CareTeamFactory(patient=patient, clinician=colleague)
    other = Client()
    other.force_login(colleague)
    with frozen(NOON):
        view(clinician_client, patient)
        theirs = view(other, patient)
        mine = view(clinician_client, patient)

    frame = lambda page: soup(page).select_one(".navbar-text").get_text(" ", strip=True)  # noqa: E731
    assert frame(theirs).startswith("Dr Second")
    assert frame(mine).startswith("Dr Care")
    assert without_tokens(theirs).replace("Dr Second", "Dr Care") == without_tokens(mine)


def test_all_the_alerts_and_the_first_few_are_kept_apart(history, patient, clinician_client):
    with frozen(NOON):
        for day in range(7):
            factories.check_in(patient, NOON - timedelta(hours=day + 1), allergy_signs=["hives"])
        first_few = view(clinician_client, patient)
        every = clinician_client.get(
            reverse("patient_record", args=[patient.pk]), {"alerts": "all"}
        )
        first_few_again = view(clinician_client, patient)

    shown = lambda page: len(soup(page).select('[data-testid="open-alert"]'))  # noqa: E731
    assert (shown(first_few), shown(every), shown(first_few_again)) == (5, 7, 5)


def test_an_overdue_alert_raised_by_the_reminders_run_shows_at_once(
    history, patient, clinician_client
):
    with frozen(NOON):
        before = view(clinician_client, patient)
        view(clinician_client, patient)  # kept
        assert alerts.raise_overdue(NOON) == 1  # the reminders' run, outside any change
        after = view(clinician_client, patient)

    assert "open-alerts" not in by_testid(soup(before))
    assert len(soup(after).select('[data-testid="open-alert"]')) == 1


def test_the_patient_renamed_and_an_off_team_prescriber_renamed_show_at_once(
    history, patient, clinician_client
):
    prescriber = factories.ClinicianFactory(name="Dr Away", email="away@example.org")
    with frozen(NOON):
        history.prescriber = prescriber
        history.save()
        view(clinician_client, patient)
        view(clinician_client, patient)  # kept
        patient = type(patient).objects.get(pk=patient.pk)
        patient.name = "Patricia Renamed"
        patient.save()
        renamed = view(clinician_client, patient)
        prescriber = type(prescriber).objects.get(pk=prescriber.pk)  # read, as a form reads it
        prescriber.name = "Dr Away-Smith"
        prescriber.save()
        prescriber_renamed = view(clinician_client, patient)

    assert "Patricia Renamed" in soup(renamed).select_one("h1").get_text()
    assert "Dr Away-Smith" in prescriber_renamed.content.decode()


# --- the lab results card and the lab charts, kept for each state of what they show ----------


def test_a_lab_result_and_an_admins_new_typical_range_show_at_once(
    history, patient, clinician_client
):
    with frozen(NOON):
        factories.record_lab(patient, date(2026, 5, 20), "250")
        before = view(clinician_client, patient)
        view(clinician_client, patient)  # kept
        factories.record_lab(patient, date(2026, 5, 27), "420")
        with_second = view(clinician_client, patient)
        # An admin's range raises no version: the card and the chart's table show it at once.
        LabRange.objects.update_or_create(analyte="b12", defaults={"low": 300, "high": 950})
        new_range = view(clinician_client, patient)

    assert len(soup(before).select('[data-testid="lab-row"]')) == 1
    assert len(soup(with_second).select('[data-testid="lab-row"]')) == 2
    assert rows(with_second, "chart-lab") == 2
    assert "lab-flag" not in by_testid(soup(with_second))  # 250 is within the default range
    assert by_testid(soup(new_range))["lab-flag"] == ["low"]  # and below the admin's new one
    assert "300–950 pg/mL" in " ".join(by_testid(soup(new_range))["labs"])
    assert "300" in str(soup(new_range).select_one('[data-testid="table-lab-b12"] caption'))


# --- the record's charts, drawn from the data the page worked out for their tables ----------


def test_the_charts_asked_for_after_the_page_are_drawn_as_they_are_alone(
    history, patient, clinician_client, django_assert_max_num_queries
):
    charts = ("symptoms", "intervals", "wearoff")
    url = lambda name: reverse("patient_chart", args=[patient.pk, name])  # noqa: E731
    with frozen(NOON):
        view(clinician_client, patient)  # works the history out, for the charts too
        patient.refresh_from_db()
        assert record_history.chart_data(patient) is not None
        # Each chart: the session, the reader, the patient through the care team and the audit
        # of the view (four), none for the history.
        with django_assert_max_num_queries(3 * 4):
            after_page = {name: clinician_client.get(url(name)).content for name in charts}
        cache.clear()  # nothing kept: each chart reads its own data
        alone = {name: clinician_client.get(url(name)).content for name in charts}

    assert after_page == alone
    assert all(b"<svg" in svg for svg in alone.values())
