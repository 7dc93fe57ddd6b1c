"""An injection's or a check-in's page, reached from the patient's history or from a clinician's
view of the record: the heading names the patient for a clinician, and the way back is the
page the person came from (history for the patient, the record for a clinician), never a
patient-only page that would answer a clinician with 404."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from doses import actions
from symptoms.models import SymptomEntry
from tests import factories, pages

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 10, 30, tzinfo=NEW_YORK)


pytestmark = [pytest.mark.django_db, pytest.mark.frozen(NOW)]


@pytest.fixture
def dose(patient):
    regimen = factories.regimen_for(patient, date(2026, 3, 2))
    return factories.give(regimen, date(2026, 3, 3), 9, site="RD")


@pytest.fixture
def entry(patient):
    scores = dict.fromkeys(SymptomEntry.SYMPTOMS, 2)
    found, _ = actions.record_checkin(patient, patient, **scores)
    return found


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return pages.soup(response)


def heading(page) -> str:
    return " ".join(page.find("h1").get_text().split())


def back_link(page) -> tuple[str, str]:
    (link,) = page.select('[data-testid="back-link"]')
    return " ".join(link.get_text().split()), link["href"]


def test_the_patient_goes_back_from_an_injection_to_their_history(patient_client, dose):
    page = soup(patient_client.get(reverse("dose_detail", args=[dose.pk])))

    assert heading(page) == "Injection of Tuesday 3 March 2026, 09:00"
    assert back_link(page) == ("Back to history", reverse("history"))


def test_a_clinician_reads_whose_injection_it_is_and_goes_back_to_the_record(
    client, clinician, patient, dose
):
    client.force_login(clinician)

    page = soup(client.get(reverse("dose_detail", args=[dose.pk])))

    assert heading(page) == "Pat Patient: injection of Tuesday 3 March 2026, 09:00"
    text, href = back_link(page)
    assert (text, href) == (
        "Back to Pat Patient’s record",
        reverse("patient_record", args=[patient.pk]),
    )
    assert not page.find("a", href=reverse("history"), string="Back to history")
    # The link leads somewhere the clinician may go.
    assert client.get(href).status_code == 200


def test_the_patient_goes_back_from_a_check_in_to_their_history(patient_client, entry):
    page = soup(patient_client.get(reverse("checkin_detail", args=[entry.pk])))

    assert heading(page) == "Check-in of Friday 6 March 2026, 10:30"
    assert back_link(page) == ("History", reverse("history"))


def test_a_clinician_reads_whose_check_in_it_is_and_goes_back_to_the_record(
    client, clinician, patient, entry
):
    client.force_login(clinician)

    page = soup(client.get(reverse("checkin_detail", args=[entry.pk])))

    assert heading(page) == "Pat Patient: check-in of Friday 6 March 2026, 10:30"
    text, href = back_link(page)
    assert (text, href) == (
        "Back to Pat Patient’s record",
        reverse("patient_record", args=[patient.pk]),
    )
    hrefs = {a["href"] for a in page.select("main a")}
    assert reverse("history") not in hrefs
    assert client.get(href).status_code == 200


def test_a_clinician_reaches_both_pages_from_the_record_and_gets_back_to_it(
    client, clinician, patient, dose, entry
):
    client.force_login(clinician)
    record_url = reverse("patient_record", args=[patient.pk])
    record = soup(client.get(record_url))
    links = {a["href"] for a in record.select("main a")}

    for target in (
        reverse("dose_detail", args=[dose.pk]),
        reverse("checkin_detail", args=[entry.pk]),
    ):
        assert target in links
        assert back_link(soup(client.get(target)))[1] == record_url
