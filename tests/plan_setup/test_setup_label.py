""" "Set up my injections" with a photo of the vial label (issue 19 §1): the review step takes
one, optional, checked and cleaned as a supply's label photo is (supplies/photos.py). A kept
photo belongs to the regimen entered; a refused one is a message beside the field and nothing
is saved, neither the regimen nor the picture.
"""

import io
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from doses.models import Alert
from regimens.models import Regimen
from supplies.models import LabelPhoto
from tests.clock import frozen
from tests.pages import by_testid, soup, texts
from tests.plan_setup.test_setup import SETUP, US, read, up_to_review
from tests.supplies import images

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 1)


def storage():
    return LabelPhoto._meta.get_field("image").storage


@pytest.fixture
def written(monkeypatch) -> list[str]:
    """The names of the pictures written to the labels storage during the test."""
    names, save = [], storage().save

    def spy(name, content, **kwargs):
        names.append(save(name, content, **kwargs))
        return names[-1]

    monkeypatch.setattr(storage(), "save", spy)
    return names


def save_with(client, review, upload=None):
    data = {"step": "review", "submission_token": review.values["submission_token"]}
    if upload is not None:
        data["photo"] = upload
    return client.post(SETUP, data)


def stored(photo) -> bytes:
    with photo.image.open("rb") as handle:
        return handle.read()


def test_the_review_offers_an_optional_photo_in_a_form_that_can_send_it(patient_client):
    with frozen(DAY, 10):
        response = patient_client.get(SETUP)  # to the first step
        review = up_to_review(patient_client, US, date(2026, 3, 2))
        page = soup(patient_client.get(SETUP, {"step": "review"}))
    assert response.status_code == 200
    form = page.select_one('form:has(input[name="photo"])')
    assert form["enctype"] == "multipart/form-data"
    assert form.select_one('input[name="photo"]')["accept"] == "image/jpeg,image/png,image/webp"
    assert "Photo of the vial label (optional)" in review.text("review-label")


def test_a_photo_sent_at_set_up_is_kept_with_the_regimen_without_its_location(
    patient, patient_client, written
):
    with frozen(DAY, 10):
        review = up_to_review(patient_client, US, date(2026, 3, 2))
        response = save_with(patient_client, review, images.jpeg_with_location())
        home = patient_client.get(reverse("home")).content.decode()

    assert response["Location"] == reverse("home")
    regimen = Regimen.objects.get(patient=patient)
    photo = LabelPhoto.objects.get()
    assert (photo.regimen, photo.supply, photo.patient) == (regimen, None, patient)
    assert photo.uploaded_by == patient
    assert written == [photo.image.name]  # one picture written: the cleaned one
    assert photo.verdict == LabelPhoto.Verdict.PENDING
    data = stored(photo)
    assert b"SecretCamCo" not in data and b"Exif" not in data
    assert Image.open(io.BytesIO(data)).size == (64, 48)
    assert "Photo saved. Your care team can now check it against your plan." in home
    # The patient's record shows it beside the regimen, linked to the picture itself.
    record = soup(patient_client.get(reverse("patient_record", args=[patient.pk])))
    link = record.select_one('[data-testid="regimen-label-photo"]')["href"]
    assert link == reverse("label_photo", args=[photo.pk])
    picture = patient_client.get(link)
    assert picture.status_code == 200
    assert b"".join(picture.streaming_content) == data


def test_set_up_without_a_photo_keeps_none(patient, patient_client):
    with frozen(DAY, 10):
        review = up_to_review(patient_client, US, date(2026, 3, 2))
        response = save_with(patient_client, review)
        record = by_testid(patient_client.get(reverse("patient_record", args=[patient.pk])))

    assert response["Location"] == reverse("home")
    assert Regimen.objects.filter(patient=patient).exists()
    assert not LabelPhoto.objects.exists()
    assert record["regimen-label-none"] == ["No photo of the vial label yet."]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (images.svg, "This file is not a photo: choose a JPEG, PNG or WebP picture of the label."),
        (images.polyglot, "This file holds more than a picture, so it is not kept."),
        (images.bomb, "This picture is too large to open (more than 60 million pixels)."),
    ],
)
def test_a_refused_photo_is_said_beside_it_and_nothing_is_saved(
    patient, patient_client, written, make, message
):
    with frozen(DAY, 10):
        review = up_to_review(patient_client, US, date(2026, 3, 2))
        page = read(save_with(patient_client, review, make()))
        again = read(patient_client.get(SETUP, {"step": "review"}))

    assert page.errors[0].startswith(message)
    assert "review-upcoming" in page.testids  # the whole review, shown again
    assert not Regimen.objects.filter(patient=patient).exists()
    assert not LabelPhoto.objects.exists()
    assert written == []
    assert again.values["submission_token"]  # the answers are still there to save


def test_the_same_save_sent_twice_keeps_one_photo(patient, patient_client):
    with frozen(DAY, 10):
        review = up_to_review(patient_client, US, date(2026, 3, 2))
        save_with(patient_client, review, images.png())
        second = save_with(patient_client, review, images.png())

    assert second["Location"] == reverse("home")
    assert Regimen.objects.filter(patient=patient).count() == 1
    assert LabelPhoto.objects.count() == 1


# --- the care team checks it -----------------------------------------------------------------


@pytest.fixture
def setup_photo(patient, patient_client):
    with frozen(DAY, 10):
        review = up_to_review(patient_client, US, date(2026, 3, 2))
        save_with(patient_client, review, images.png())
    return LabelPhoto.objects.get()


def test_the_clinician_checks_the_set_up_photo_and_a_mismatch_is_an_alert(
    patient, clinician, setup_photo
):
    client = Client()
    client.force_login(clinician)
    with frozen(date(2026, 3, 3), 12):
        page = by_testid(client.get(reverse("patient_labels", args=[patient.pk])))
        prefix = f"label-regimen-{setup_photo.regimen_id}"
        response = client.post(
            reverse("label_verdict", args=[patient.pk, setup_photo.pk]),
            {f"{prefix}-verdict": "mismatch", f"{prefix}-note": "Label says 100 mcg/mL."},
        )
        record = client.get(reverse("patient_record", args=[patient.pk]))

    assert page["label-row"][0].startswith(
        "cyanocobalamin 1000 mcg/mL, sent when setting up the plan"
    )
    assert response.status_code == 302
    assert Alert.objects.get().kind == Alert.Kind.LABEL_MISMATCH
    assert texts(record, "[data-testid=alert-text]") == [
        "cyanocobalamin 1000 mcg/mL, sent when setting up the plan: Label says 100 mcg/mL."
    ]


def test_a_mismatch_without_a_note_is_refused_on_the_set_up_photo(patient, clinician, setup_photo):
    client = Client()
    client.force_login(clinician)
    prefix = f"label-regimen-{setup_photo.regimen_id}"
    response = client.post(
        reverse("label_verdict", args=[patient.pk, setup_photo.pk]),
        {f"{prefix}-verdict": "mismatch", f"{prefix}-note": ""},
    )

    assert response.status_code == 400
    assert "Say what does not match." in texts(response, ".invalid-feedback")
    setup_photo.refresh_from_db()
    assert setup_photo.verdict == LabelPhoto.Verdict.PENDING


def test_another_patient_cannot_see_the_set_up_photo(client, other_patient, setup_photo):
    client.force_login(other_patient)
    assert client.get(reverse("label_photo", args=[setup_photo.pk])).status_code == 404


def test_the_regimen_and_its_photo_are_deleted_with_the_account(
    patient, setup_photo, django_capture_on_commit_callbacks
):
    from records.deletion import delete_account

    name = setup_photo.image.name
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(patient)

    assert not LabelPhoto.objects.exists()
    assert not storage().exists(name)


def test_a_backup_restores_the_set_up_photo_with_its_regimen(patient, setup_photo):
    from records.backup import export_patient, import_patient, wipe_patient

    data = export_patient(patient)
    original = stored(setup_photo)
    wipe_patient(patient)
    restored = import_patient(data)

    photo = LabelPhoto.objects.get(patient=restored)
    assert photo.regimen == Regimen.objects.get(patient=restored)
    assert photo.supply is None
    assert stored(photo) == original
