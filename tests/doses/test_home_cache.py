"""The patient's home is cached (doses/freshness.py), yet it always shows what is true now:
whatever changes what the home shows, through any path, is on the next page, and the page moves
on with the clock."""

import re
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import CareTeamMembership
from doses import actions, freshness
from doses.models import DoseLog
from regimens import actions as regimen_actions
from regimens.models import Phase
from supplies import actions as supplies
from symptoms.models import SymptomEntry
from tests import factories
from tests.clock import frozen
from tests.doses.test_home import START, by_testid, home, one

pytestmark = pytest.mark.django_db


@pytest.fixture
def regimen(patient):
    """Started on START, three daily doses given; the page is opened at noon on day 4."""
    with frozen(START):
        regimen = factories.regimen_for(patient, START)
    for n in range(3):
        factories.give(regimen, START + timedelta(days=n), 9)
    return regimen


def _log(regimen, clinician, patient):
    actions.log_dose(
        regimen,
        patient,
        administered_at=factories.at(patient, START + timedelta(days=3), 10),
        dose_mcg=1000,
        route="IM",
        site="RVL",
    )


def _skip(regimen, clinician, patient):
    actions.skip_dose(regimen, patient, "Travelling")


def _correct(regimen, clinician, patient):
    last = DoseLog.objects.filter(patient=patient).order_by("-administered_at").first()
    actions.correct_dose(last, patient, "wrong site", site="RVL")


def _delete(regimen, clinician, patient):
    last = DoseLog.objects.filter(patient=patient).order_by("-administered_at").first()
    actions.delete_dose(last, patient, "entered twice")


def _check_in(regimen, clinician, patient):
    actions.record_checkin(patient, patient, **dict.fromkeys(SymptomEntry.SYMPTOMS, 2))


def _change_phase(regimen, clinician, patient):
    regimen.refresh_from_db()
    regimen_actions.change_phase(regimen.current_phase, clinician, "soreness", dose_mcg=500)


def _lab_review(regimen, clinician, patient):
    regimen_actions.set_lab_review(regimen, clinician, START + timedelta(days=40), "sooner")


def _supply(regimen, clinician, patient):
    supplies.add_supply(
        patient,
        patient,
        medication=regimen.medication,
        concentration_mcg_per_ml=regimen.concentration_mcg_per_ml,
        container_ml=Decimal("10"),
        count=1,
        expires_on=START + timedelta(days=300),
        received_on=START,
    )


def _leave_care_team(regimen, clinician, patient):
    CareTeamMembership.objects.filter(patient=patient, clinician=clinician).delete()


def _edit_phase_in_the_admin(regimen, clinician, patient):
    phase = Phase.objects.get(regimen=regimen, order=0)
    phase.dose_mcg = 750
    phase.save()


def _text(page, testid):
    return " | ".join(by_testid(page, testid))


CHANGES = {
    "log an injection": (_log, "last-dose"),
    "skip a dose": (_skip, "next-due"),
    "correct an injection": (_correct, "last-dose"),
    "delete an injection": (_delete, "last-dose"),
    "check in": (_check_in, "checkin-prompt"),
    "change the phase": (_change_phase, "upcoming"),
    "set the lab review": (_lab_review, "lab-review"),
    "add a supply": (_supply, "supply-summary"),
    "leave the care team": (_leave_care_team, "care-team"),
    "edit a phase in the admin": (_edit_phase_in_the_admin, "upcoming"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_shows_on_the_next_page_although_the_page_was_cached(
    change, patient, clinician, regimen, patient_client
):
    make, testid = CHANGES[change]
    with frozen(START + timedelta(days=3)):
        home(patient_client)  # the session is renewed and the page cached
        before = home(patient_client)
        make(regimen, clinician, patient)
        after = home(patient_client)

    assert _text(after, testid) != _text(before, testid), testid
    # ... and it is what a page built from nothing shows.
    cache.clear()
    with frozen(START + timedelta(days=3)):
        fresh = home(patient_client)
    assert _text(after, testid) == _text(fresh, testid)


def test_the_page_moves_on_with_the_clock(patient, regimen, patient_client):
    with frozen(START + timedelta(days=3), hour=8):
        morning = home(patient_client)
    with frozen(START + timedelta(days=4), hour=8):
        next_day = home(patient_client)
    assert one(morning, "next-status") == "due today"
    assert one(next_day, "next-status") == "1 day late"


def test_the_weekly_check_in_prompt_comes_back_within_the_hour(patient, regimen, patient_client):
    with frozen(START + timedelta(days=3), hour=9):
        actions.record_checkin(patient, patient, **dict.fromkeys(SymptomEntry.SYMPTOMS, 2))
    with frozen(START + timedelta(days=10), hour=8, minute=30):
        assert by_testid(home(patient_client), "checkin-prompt") == []
    # A week after the check-in, to the minute: the prompt is back by the next hour at most.
    with frozen(START + timedelta(days=10), hour=10, minute=1):
        assert by_testid(home(patient_client), "checkin-prompt") != []


def test_a_new_time_zone_shows_at_once(patient, regimen, patient_client):
    with frozen(START + timedelta(days=3)):
        before = one(home(patient_client), "last-dose")
        patient.time_zone = "Asia/Tokyo"
        patient.save(update_fields=["time_zone"])
        after = one(home(patient_client), "last-dose")
    assert "09:00" in before
    assert "23:00" in after  # 09:00 in New York is 23:00 in Tokyo


def test_one_patients_change_leaves_anothers_page_as_it_was(
    patient, other_patient, regimen, client, django_assert_num_queries
):
    with frozen(START):
        theirs = factories.regimen_for(other_patient, START)
    client.force_login(other_patient)
    with frozen(START + timedelta(days=3)):
        home(client)
        home(client)  # the session renewed; the page cached
        _log(regimen, None, patient)
        with django_assert_num_queries(2):  # still the cached page: session and user
            page = home(client)
    assert theirs.pk and one(page, "next-due")


def test_the_cached_page_is_the_patients_own(patient, other_patient, regimen, client):
    with frozen(START):
        factories.regimen_for(other_patient, START + timedelta(days=1))
    with frozen(START + timedelta(days=3)):
        client.force_login(patient)
        mine = home(client)
        client.force_login(other_patient)
        theirs = home(client)
    assert one(mine, "next-due") != one(theirs, "next-due")
    assert patient.name not in theirs.content.decode().split("<main")[1]


def test_a_page_after_a_log_in_the_browser_flow_shows_the_new_injection(
    patient, regimen, patient_client
):
    """The real path: the form's POST, its redirect, the home."""
    with frozen(factories.at(patient, START + timedelta(days=3), 12)):
        home(patient_client)
        form = patient_client.get(reverse("log_dose")).context["form"]
        data = {
            "submission_token": form["submission_token"].value(),
            "administered_at": f"{START + timedelta(days=3)}T11:30",
            "dose_mcg": 1000,
            "medication": "",
            "concentration_mcg_per_ml": "",
            "route": "IM",
            "site": "RVL",
            "lot_number": "CACHE-1",
            "administered_by": "self",
            "reaction_notes": "",
        }
        page = patient_client.post(reverse("log_dose"), data, follow=True)
    assert one(page, "last-dose").startswith(f"{date(2026, 3, 5):%a} 5 Mar 2026, 11:30")


# The whole page is cached, not only its body: the page around the body must still be right.

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_a_cached_page_carries_a_form_token_of_its_own_that_signs_out(patient, regimen):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(patient)
    with frozen(START + timedelta(days=3)):
        first = home(browser)
        second = home(browser)  # drawn from the cache
    tokens = [CSRF.search(page.content.decode()).group(1) for page in (first, second)]
    assert tokens[0] != tokens[1]  # masked afresh for each request, as Django does
    assert "csrf-token-of-this-request" not in second.content.decode()

    signed_out = browser.post(reverse("logout"), {"csrfmiddlewaretoken": tokens[1]})
    assert signed_out.status_code == 302
    assert home(browser).url.startswith(reverse("login"))


def test_a_new_name_shows_on_the_cached_page_at_once(patient, regimen, patient_client):
    with frozen(START + timedelta(days=3)):
        home(patient_client)
        patient.name = "Patricia Patient"
        patient.save(update_fields=["name"])
        page = home(patient_client).content.decode()
    assert "Patricia Patient" in page.split("</nav>")[0]


def test_a_page_cached_in_one_language_is_not_served_in_another(
    patient, regimen, patient_client, settings
):
    settings.LANGUAGES = [("en", "English"), ("de", "German")]
    with frozen(START + timedelta(days=3)):
        english = patient_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        german = patient_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
        again = patient_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in english and '<html lang="en">' in again
    assert '<html lang="de">' in german


def test_a_message_shows_once_on_a_cached_page(patient, regimen, patient_client):
    with frozen(START + timedelta(days=3)):
        home(patient_client)
        home(patient_client)  # cached
        patient_client.post(
            reverse("skip_dose"),
            {"reason_kind": "away", "reason": "", "submission_token": str(uuid.uuid4())},
        )
        with_message = home(patient_client).content.decode()
        after = home(patient_client).content.decode()
    assert "Dose marked as skipped" in with_message
    assert "Dose marked as skipped" not in after


def test_pages_drawn_by_other_templates_are_not_served(tmp_path, settings):
    settings.BASE_DIR = tmp_path
    (tmp_path / "templates").mkdir()
    base = tmp_path / "templates" / "base.html"
    base.write_text("<nav>one</nav>")
    freshness.template_generation.cache_clear()
    before = freshness.template_generation()
    base.write_text("<nav>a link more</nav>")
    freshness.template_generation.cache_clear()
    assert freshness.template_generation() != before
    freshness.template_generation.cache_clear()
