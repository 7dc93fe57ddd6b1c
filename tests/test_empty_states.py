"""First-run and empty pages say what to do next: a patient with no plan, no check-in, no
history, no lab result or no supplies yet, and a clinician with no patients yet. Each is read as
a person reads it, and the links it offers lead to a page that opens."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import CareTeamMembership
from tests import factories
from tests.pages import VOID_TAGS, by_testid, soup, texts

pytestmark = pytest.mark.django_db


class EmptyPage:
    """The page's <main> text, its <h1>, the text of each data-testid, the links (hrefs) inside
    each data-testid, and the data-testids of its images."""

    def __init__(self, response):
        page = soup(response)
        self.text = " ".join(" ".join(texts(page, "main")).split())
        self.h1 = texts(page, "h1")
        self.testids = by_testid(page)
        self.links = {}
        for node in page.select(f"[data-testid]:not({', '.join(VOID_TAGS)})"):
            hrefs = [link.get("href") for link in node.select("a")]
            if hrefs:
                self.links.setdefault(node["data-testid"], []).extend(hrefs)
        self.images = {image["data-testid"] for image in page.select("img[data-testid]")}

    def one(self, testid: str) -> str:
        """The element's text; a link's end before a colon or full stop leaves no space."""
        (found,) = self.testids[testid]
        return re.sub(r" ([.,:;])", r"\1", found)


def read(client, url, response=None) -> EmptyPage:
    return EmptyPage(response or client.get(url))


def assert_links_open(client, links):
    """Each link opens one of the app's pages, with its heading: no dead end (such as "Not
    Found") from an empty state."""
    assert links
    for href in links:
        response = client.get(href)
        page = read(client, href, response)
        assert response.status_code == 200 and page.h1, f"{href} opened {page.h1 or 'nothing'}"


@pytest.fixture
def logged_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def test_a_patient_without_a_plan_is_told_who_sets_it_up_and_what_to_ask(patient, logged_in):
    client = logged_in(patient)

    home = read(client, reverse("home"))

    assert "No active regimen" in home.h1
    assert "Your clinician or an administrator sets up your injection plan." in home.text
    assert "If you are waiting for yours, ask your clinician to add it to your record." in (
        home.text
    )
    assert "your next injection and the upcoming dates show here" in home.text


def test_a_patient_who_never_checked_in_is_shown_how_instead_of_an_empty_chart(patient, logged_in):
    factories.regimen_for(patient, patient.today() - timedelta(days=2))
    client = logged_in(patient)

    home = read(client, reverse("home"))

    assert home.one("no-checkins") == (
        "No check-ins yet. Check in to score how you feel, from 0 to 10 for each symptom: "
        "your scores then show here beside your injections."
    )
    assert home.links["no-checkins"] == [reverse("checkin")]
    assert "home-chart" not in home.images
    assert_links_open(client, home.links["no-checkins"])

    factories.check_in(patient, score=3)
    home = read(client, reverse("home"))

    assert "no-checkins" not in home.testids
    assert "home-chart" in home.images


def test_a_clinician_with_no_patients_learns_how_patients_reach_their_list(clinician, logged_in):
    CareTeamMembership.objects.all().delete()

    page = read(logged_in(clinician), reverse("home"))

    assert page.one("no-patients") == (
        "No patients on your care team yet. A patient appears here once you join their care "
        "team: when they accept your invitation, when they share their record with you using "
        "a share code, or when an administrator adds you."
    )


def test_an_empty_history_says_what_will_show_and_how_to_start(patient, logged_in):
    client = logged_in(patient)

    page = read(client, reverse("history"))

    assert page.one("history-empty") == (
        "Nothing recorded yet. Your injections, check-ins, lab results and regimen changes "
        "show here, newest first. Log your first injection from your home page, check in to "
        "score your symptoms, or add a lab result."
    )
    assert page.links["history-empty"] == [
        reverse("home"),
        reverse("checkin"),
        reverse("lab_new"),
    ]
    # Even with no plan yet, where the page sends a person opens.
    assert_links_open(client, page.links["history-empty"])


def test_empty_labs_tell_the_patient_what_to_add_and_where_it_shows(patient, logged_in):
    client = logged_in(patient)

    page = read(client, reverse("labs"))

    assert page.one("labs-empty") == (
        "No lab results recorded yet. When you get a blood test result back, such as your B12 "
        "level, add it: it then shows here with the typical range, and on the charts in your "
        "record."
    )
    assert page.links["labs-empty"] == [reverse("lab_new")]
    assert_links_open(client, page.links["labs-empty"])


def test_a_clinician_sees_empty_labs_without_the_patients_instructions(
    patient, clinician, logged_in
):
    page = read(logged_in(clinician), reverse("patient_record", args=[patient.pk]))

    assert page.one("labs-empty") == "No lab results recorded yet."
    assert "Add a lab result" in page.text


def test_empty_supplies_say_what_to_add_and_why(patient, logged_in):
    factories.regimen_for(patient, patient.today() - timedelta(days=2))
    client = logged_in(patient)

    page = read(client, reverse("supplies"))

    assert page.one("supply-empty") == (
        "No supplies recorded. Add the vials or ampoules you have at home to see when they run out."
    )
    assert "Add supplies" in page.text
    home = read(client, reverse("home"))
    assert home.one("supply-summary") == "No supplies recorded — Add supplies"
    assert home.links["supply-summary"] == [reverse("supply_new")]
    assert_links_open(client, home.links["supply-summary"])
