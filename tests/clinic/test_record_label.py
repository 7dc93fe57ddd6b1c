"""The regimen on the record shows the vial label's verdict (issue 19 §1): beside the product,
strength and volume to draw, the newest label photo shown (of a supply still listed, or sent at
set-up) with its verdict: not checked yet, verified by whom and when, or does not match with
the note; the patient on their own record and the clinician on the patient's alike.

The regimen is the cyanocobalamin US template at 1000 mcg/mL (1000 mcg, so 1 mL to draw).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from supplies import actions as supply_actions
from supplies import labels
from tests import factories
from tests.clock import frozen
from tests.pages import by_testid, soup
from tests.supplies import images

pytestmark = pytest.mark.django_db

START = date(2026, 3, 2)
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def clinician_client(clinician):
    client = Client()
    client.force_login(clinician)
    return client


@pytest.fixture
def supply(patient):
    with frozen(START):
        factories.regimen_for(patient, START)
        return factories.add_supply(patient, expires_on=date(2027, 1, 31), received_on=START)


@pytest.fixture
def photo(patient, supply):
    with frozen(datetime(2026, 3, 2, 9, tzinfo=NEW_YORK)):
        return labels.attach_photo(supply, patient, images.png())


def shown(client, patient) -> dict:
    with frozen(datetime(2026, 3, 5, 12, tzinfo=NEW_YORK)):
        response = client.get(reverse("patient_record", args=[patient.pk]))
    assert response.status_code == 200
    return {"testids": by_testid(response), "page": soup(response)}


def links(page) -> list[str]:
    return [a["href"] for a in page.select('[data-testid="regimen-label"] a')]


@pytest.fixture(params=["patient", "clinician"])
def viewer(request, patient, patient_client, clinician):
    if request.param == "patient":
        return patient_client
    client = Client()
    client.force_login(clinician)
    return client


def test_no_photo_yet_says_so_beside_the_volume_to_draw(viewer, patient, supply):
    found = shown(viewer, patient)["testids"]

    assert found["regimen-volume"] == ["Cyanocobalamin, 1000 mcg/mL: draw 1.0 mL for 1000 mcg"]
    assert found["regimen-label-none"] == ["No photo of the vial label yet."]
    assert "label-verdict" not in found


def test_a_photo_not_checked_yet_says_so_with_a_link_to_it(viewer, patient, photo):
    found = shown(viewer, patient)

    assert found["testids"]["label-verdict"] == ["Not checked yet"]
    assert reverse("label_photo", args=[photo.pk]) in links(found["page"])


def test_a_verified_label_says_by_whom_and_when(viewer, patient, clinician, photo):
    with frozen(datetime(2026, 3, 3, 14, 30, tzinfo=NEW_YORK)):
        labels.give_verdict(photo, clinician, "verified", "")

    found = shown(viewer, patient)["testids"]

    assert found["label-verdict"] == [
        "Verified against the prescription by Dr Care on 3 Mar 2026, 14:30"
    ]


def test_a_mismatch_shows_its_note(viewer, patient, clinician, photo):
    with frozen(datetime(2026, 3, 3, 14, 30, tzinfo=NEW_YORK)):
        labels.give_verdict(photo, clinician, "mismatch", "Label says 100 mcg/mL.")

    found = shown(viewer, patient)["testids"]

    assert found["label-verdict"][0].startswith(
        "Does not match the prescription by Dr Care on 3 Mar 2026, 14:30"
    )
    assert found["label-verdict-note"] == ["“Label says 100 mcg/mL.”"]


def test_the_newest_photo_is_the_one_shown(patient, patient_client, clinician, photo):
    labels.give_verdict(photo, clinician, "mismatch", "Wrong strength.")
    with frozen(START):
        other = factories.add_supply(patient, expires_on=date(2027, 6, 30), received_on=START)
    with frozen(datetime(2026, 3, 4, 9, tzinfo=NEW_YORK)):
        newer = labels.attach_photo(other, patient, images.webp())

    found = shown(patient_client, patient)

    assert found["testids"]["label-verdict"] == ["Not checked yet"]
    assert reverse("label_photo", args=[newer.pk]) in links(found["page"])


def test_a_removed_supplys_photo_is_no_longer_shown(patient, patient_client, photo):
    supply_actions.delete_supply(photo.supply, patient)

    found = shown(patient_client, patient)["testids"]

    assert found["regimen-label-none"] == ["No photo of the vial label yet."]


def test_the_clinician_is_led_to_the_labels_page_and_the_patient_to_the_supplys_label(
    patient, patient_client, clinician_client, photo
):
    assert reverse("patient_labels", args=[patient.pk]) in links(
        shown(clinician_client, patient)["page"]
    )
    assert reverse("supply_label", args=[photo.supply_id]) in links(
        shown(patient_client, patient)["page"]
    )
