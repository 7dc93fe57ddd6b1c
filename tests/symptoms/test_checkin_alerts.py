"""What a check-in asks the patient to act on.

Numbness and balance: a score higher than at the patient's previous check-in (a "rise", and the
page says so) brings up the same-day advice prominently, naming what rose and from what. Signs
of a severe allergic reaction: the emergency banner names the ticked signs and has a
tap-to-call link to the configured emergency number (settings.EMERGENCY_NUMBER, from
DJANGO_EMERGENCY_NUMBER, 112 by default). The form page does both live (static/js/
checkin_alerts.js, tested in tests/browser/test_checkin_alerts.py); here, what the server sends.
"""

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.urls import reverse

from tests import factories, pages

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 9, 19, 45, tzinfo=NEW_YORK)
CLINICAL = json.loads(
    (Path(settings.BASE_DIR) / "regimens" / "reference" / "clinical.json").read_text()
)
SAME_DAY = CLINICAL["urgent"]["same_day"]
EMERGENCY = CLINICAL["urgent"]["emergency"]


pytestmark = [pytest.mark.django_db, pytest.mark.frozen(NOW)]


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return pages.soup(response)


def words(element) -> str:
    return " ".join(element.get_text().split()) if element else ""


def by_testid(page, name):
    return page.select_one(f'[data-testid="{name}"]')


def detail(client, entry) -> BeautifulSoup:
    return soup(client.get(reverse("checkin_detail", args=[entry.pk])))


# --- same-day advice on a saved check-in ------------------------------------------------------


def test_a_rise_in_numbness_brings_up_the_same_day_advice_naming_it(patient, patient_client):
    factories.check_in(patient, NOW - timedelta(days=7), numbness=2, balance=4)
    entry = factories.check_in(patient, NOW, numbness=5, balance=4)

    page = detail(patient_client, entry)

    advice = by_testid(page, "same-day")
    assert advice is not None and not advice.has_attr("hidden")
    assert "alert-warning" in advice["class"]
    assert [words(li) for li in advice.select("li")] == [
        "Numbness: 5 / 10, up from 2 / 10 at the previous check-in."
    ]
    assert words(advice).startswith("Contact your clinician today.")
    assert SAME_DAY in words(advice)
    assert words(by_testid(page, "rise-rule")) == (
        "A rise in numbness or balance problems means a score higher than at the previous "
        "check-in (2 March 2026)."
    )


def test_a_rise_in_both_names_both(patient, patient_client):
    factories.check_in(patient, NOW - timedelta(days=7), numbness=0, balance=1)
    entry = factories.check_in(patient, NOW, numbness=1, balance=8)

    advice = by_testid(detail(patient_client, entry), "same-day")

    assert [words(li) for li in advice.select("li")] == [
        "Numbness: 1 / 10, up from 0 / 10 at the previous check-in.",
        "Balance problems / unsteadiness: 8 / 10, up from 1 / 10 at the previous check-in.",
    ]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param({"numbness": 5, "balance": 5}, {"numbness": 5, "balance": 5}, id="same"),
        pytest.param({"numbness": 5, "balance": 5}, {"numbness": 1, "balance": 4}, id="lower"),
        pytest.param({"fatigue": 0}, {"fatigue": 9}, id="another symptom rose"),
    ],
)
def test_no_rise_in_numbness_or_balance_keeps_the_advice_in_small_print(
    patient, patient_client, before, after
):
    factories.check_in(patient, NOW - timedelta(days=7), **before)
    entry = factories.check_in(patient, NOW, **after)

    page = detail(patient_client, entry)

    assert by_testid(page, "same-day") is None
    assert SAME_DAY in words(page.find("main"))  # the general advice, as ever


def test_the_first_check_in_has_nothing_to_rise_from(patient, patient_client):
    entry = factories.check_in(patient, NOW, numbness=9, balance=9)

    page = detail(patient_client, entry)

    assert by_testid(page, "same-day") is None
    assert words(by_testid(page, "rise-rule")) == (
        "This is the first check-in: numbness and balance are compared from the next one on."
    )


def test_an_earlier_check_in_is_compared_with_the_one_before_it_not_the_latest(
    patient, patient_client
):
    factories.check_in(patient, NOW - timedelta(days=14), numbness=1)
    middle = factories.check_in(patient, NOW - timedelta(days=7), numbness=3)
    factories.check_in(patient, NOW, numbness=9)

    advice = by_testid(detail(patient_client, middle), "same-day")

    assert [words(li) for li in advice.select("li")] == [
        "Numbness: 3 / 10, up from 1 / 10 at the previous check-in."
    ]


def test_the_clinician_reads_that_the_patient_was_asked_to_call_today(patient, clinician, client):
    factories.check_in(patient, NOW - timedelta(days=7), balance=2)
    entry = factories.check_in(patient, NOW, balance=6)
    client.force_login(clinician)

    advice = by_testid(detail(client, entry), "same-day")

    assert words(advice).startswith(
        "Numbness or balance rose: the patient was asked to contact their clinician today."
    )


# --- the emergency banner ---------------------------------------------------------------------


def test_the_emergency_banner_names_the_ticked_signs_and_calls_112(patient, patient_client):
    entry = factories.check_in(patient, NOW, allergy_signs=["swelling", "breathing"])

    page = detail(patient_client, entry)

    banner = by_testid(page, "emergency")
    assert EMERGENCY in words(banner)
    # In the list's order, whatever order they were ticked in.
    assert [words(li) for li in banner.select('[data-testid="emergency-signs"] li')] == [
        "Trouble breathing or wheezing",
        "Swelling of the face, lips, tongue or throat",
    ]
    call = by_testid(page, "emergency-call")
    assert (words(call), call["href"]) == ("Call 112 now", "tel:112")


@pytest.mark.parametrize(
    ("number", "href"),
    [("999", "tel:999"), ("911", "tel:911"), ("+61 000", "tel:+61000")],
)
def test_the_emergency_number_is_the_configured_one(
    patient, patient_client, settings, number, href
):
    settings.EMERGENCY_NUMBER = number
    entry = factories.check_in(patient, NOW, allergy_signs=["hives"])

    call = by_testid(detail(patient_client, entry), "emergency-call")

    assert (words(call), call["href"]) == (f"Call {number} now", href)


def test_no_sign_ticked_means_no_banner_and_no_call_link(patient, patient_client):
    entry = factories.check_in(patient, NOW)

    page = detail(patient_client, entry)

    assert by_testid(page, "emergency") is None
    assert not page.select('a[href^="tel:"]')


# --- the form: what the page's script shows ---------------------------------------------------


def test_the_form_holds_the_last_check_ins_scores_to_compare_with(patient, patient_client):
    factories.check_in(patient, NOW - timedelta(days=3), numbness=4, balance=0)

    page = soup(patient_client.get(reverse("checkin")))

    advice = by_testid(page, "same-day")
    assert advice.has_attr("hidden")  # until a score rises
    lines = {li["data-rise-for"]: li for li in advice.select("li")}
    assert {key: li["data-rise-from"] for key, li in lines.items()} == {
        "numbness": "4",
        "balance": "0",
    }
    assert all(li.has_attr("hidden") for li in lines.values())
    assert words(lines["numbness"]) == "Numbness is higher than at your last check-in (4 / 10)."
    assert words(by_testid(page, "rise-rule")) == (
        "A rise in numbness or balance problems means a score higher than at your last "
        "check-in (6 March 2026): this page then asks you to contact your clinician today."
    )


def test_the_first_check_in_form_has_nothing_to_compare_with(patient_client):
    page = soup(patient_client.get(reverse("checkin")))

    assert by_testid(page, "same-day").select("li") == []
    assert words(by_testid(page, "rise-rule")).startswith("This is your first check-in")


def test_the_form_has_each_sign_ready_to_name_and_the_call_link(patient_client, settings):
    settings.EMERGENCY_NUMBER = "999"

    page = soup(patient_client.get(reverse("checkin")))

    banner = by_testid(page, "emergency")
    assert banner.has_attr("hidden")
    signs = banner.select("[data-sign]")
    assert [(li["data-sign"], li.has_attr("hidden")) for li in signs] == [
        ("hives", True),
        ("breathing", True),
        ("swelling", True),
    ]
    assert by_testid(page, "emergency-call")["href"] == "tel:999"
    scripts = [tag["src"] for tag in page.find_all("script") if tag.has_attr("src")]
    assert any(src.endswith("js/checkin_alerts.js") for src in scripts)
