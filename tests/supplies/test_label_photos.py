"""Photos of vial labels: the patient sends one for a supply and sees it beside what the plan
says; only real JPEG, PNG and WebP pictures are kept, re-encoded without their EXIF data; the
photo is served to the patient and their care team only, never cached, and a clinician's look
is logged; a clinician marks it verified or not matching, the patient sees the verdict, and a
mismatch is an alert on the record.

The regimen is the cyanocobalamin US template at 1000 mcg/mL (1000 mcg, so 1 mL to draw).
"""

import io
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.models import RecordView
from doses.models import Alert
from supplies import labels, photos
from supplies.models import LabelPhoto
from tests import factories
from tests.clock import frozen
from tests.pages import by_testid, texts
from tests.supplies import images

pytestmark = pytest.mark.django_db

START = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def at_start():
    with frozen(START):
        yield


@pytest.fixture
def supply(patient):
    factories.regimen_for(patient, START)
    return factories.add_supply(
        patient, expires_on=date(2027, 1, 31), received_on=START, lot_number="AB1"
    )


def send(client, supply, upload):
    return client.post(reverse("supply_label", args=[supply.pk]), {"photo": upload})


def stored(photo) -> bytes:
    with photo.image.open("rb") as handle:
        return handle.read()


def errors(response) -> list[str]:
    return texts(response, ".invalid-feedback")


# --- what is kept ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "content_type"),
    [
        (images.jpeg_with_location, "image/jpeg"),
        (images.png, "image/png"),
        (images.webp, "image/webp"),
    ],
)
def test_a_real_photo_is_kept_as_a_picture_of_its_kind(patient_client, supply, make, content_type):
    response = send(patient_client, supply, make())

    assert response.status_code == 302
    photo = LabelPhoto.objects.get()
    assert photo.content_type == content_type
    assert Image.open(io.BytesIO(stored(photo))).size == (64, 48)
    photo.image.delete(save=False)


def test_the_location_and_camera_are_gone_from_the_kept_photo(patient_client, supply):
    upload = images.jpeg_with_location()
    assert b"SecretCamCo" in upload.read()  # the upload carries them
    upload.seek(0)

    send(patient_client, supply, upload)

    data = stored(LabelPhoto.objects.get())
    assert b"SecretCamCo" not in data
    assert b"Exif" not in data
    assert not Image.open(io.BytesIO(data)).getexif()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (images.bomb, "This picture is too large to open (more than 60 million pixels)."),
        (images.svg, "This file is not a photo: choose a JPEG, PNG or WebP picture of the label."),
        (
            images.renamed_text,
            "This file is not a photo: choose a JPEG, PNG or WebP picture of the label.",
        ),
        (images.polyglot, "This file holds more than a picture, so it is not kept."),
        (images.markup_in_comment, "This file holds more than a picture, so it is not kept."),
    ],
)
def test_what_is_not_a_photo_is_refused_with_a_message_and_nothing_kept(
    patient_client, supply, make, message
):
    response = send(patient_client, supply, make())

    assert response.status_code == 400
    assert errors(response)[0].startswith(message)
    assert not LabelPhoto.objects.exists()


def test_a_photo_over_the_size_limit_is_refused(patient_client, supply, monkeypatch):
    monkeypatch.setattr(photos, "MAX_BYTES", 200)

    response = send(patient_client, supply, images.jpeg_with_location())

    assert response.status_code == 400
    assert errors(response)[0].startswith("This photo is ")
    assert "the largest taken is 200 bytes" in errors(response)[0]
    assert not LabelPhoto.objects.exists()


def test_sending_no_file_asks_for_one(patient_client, supply):
    response = patient_client.post(reverse("supply_label", args=[supply.pk]), {})

    assert response.status_code == 400
    assert errors(response) == ["Choose a photo of the label."]


def test_a_new_photo_replaces_the_shown_one_and_keeps_it(patient, patient_client, supply):
    send(patient_client, supply, images.png())
    first = LabelPhoto.objects.get()
    with frozen(START.replace(day=3)):
        send(patient_client, supply, images.webp())

    page = patient_client.get(reverse("supply_label", args=[supply.pk]))

    first.refresh_from_db()
    assert first.replaced_at is not None
    current = LabelPhoto.objects.get(replaced_at__isnull=True)
    assert current.content_type == "image/webp"
    found = by_testid(page)
    assert found["label-earlier"] == ["Photo sent 2 Mar 2026, 12:00 · Not checked yet"]
    assert patient_client.get(reverse("label_photo", args=[first.pk])).status_code == 200


# --- the page beside the plan -----------------------------------------------------------------


def test_the_patients_page_shows_the_photo_beside_what_the_plan_says(
    patient_client, supply, django_assert_num_queries
):
    send(patient_client, supply, images.png())
    # session and user, the supply, its photos, the regimen (with its current phase)
    with django_assert_num_queries(5):
        response = patient_client.get(reverse("supply_label", args=[supply.pk]))

    found = by_testid(response)
    assert found["label-plan"] == [
        "Medication Cyanocobalamin Strength 1000 mcg/mL Dose 1000 mcg Volume to draw 1.0 mL"
    ]
    assert found["label-verdict"] == ["Not checked yet"]
    assert len(by_testid_images(response)) == 1


def by_testid_images(response):
    from tests.pages import soup

    return soup(response).select('img[data-testid="label-photo"]')


# --- who sees it ----------------------------------------------------------------------------


@pytest.fixture
def clinician_client(clinician):
    client = Client()
    client.force_login(clinician)
    return client


@pytest.fixture
def photo(patient, supply):
    return labels.attach_photo(supply, patient, images.png())


def test_the_owner_sees_the_photo_never_cached_and_unlogged(patient_client, photo):
    response = patient_client.get(reverse("label_photo", args=[photo.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == stored(photo)
    assert not RecordView.objects.exists()


def test_a_care_team_clinician_sees_it_and_the_look_is_logged(client, clinician, photo):
    client.force_login(clinician)

    response = client.get(reverse("label_photo", args=[photo.pk]))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert list(RecordView.objects.values_list("viewer", "what")) == [
        (clinician.pk, "vial label photo")
    ]


@pytest.mark.parametrize("who", ["other_patient", "other_clinician"])
def test_anyone_else_gets_a_404(client, photo, other_patient, who):
    user = other_patient
    if who == "other_clinician":
        user = factories.ClinicianFactory()
        factories.CareTeamFactory(patient=other_patient, clinician=user)
    client.force_login(user)

    assert client.get(reverse("label_photo", args=[photo.pk])).status_code == 404
    assert client.get(reverse("supply_label", args=[photo.supply_id])).status_code == 404
    assert not RecordView.objects.exists()


def test_signed_out_is_sent_to_sign_in(client, photo):
    response = client.get(reverse("label_photo", args=[photo.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_missing_file_is_a_404_not_an_error(patient_client, photo):
    photo.image.delete(save=False)

    assert patient_client.get(reverse("label_photo", args=[photo.pk])).status_code == 404


# --- the verdict ----------------------------------------------------------------------------


def verdict(client, photo, verdict, note=""):
    prefix = f"label-{photo.supply_id}"
    return client.post(
        reverse("label_verdict", args=[photo.patient_id, photo.pk]),
        {f"{prefix}-verdict": verdict, f"{prefix}-note": note},
    )


def test_the_clinicians_page_lists_the_labels_beside_the_prescription(
    client, clinician, photo, django_assert_num_queries
):
    client.force_login(clinician)
    # session and user, the patient, the view log, the supplies, their photos (with who
    # checked them), the regimen (with its phase), the care-team check for the verdict form
    with django_assert_num_queries(8):
        response = client.get(reverse("patient_labels", args=[photo.patient_id]))

    assert response.status_code == 200
    found = by_testid(response)
    assert found["label-row"][0].startswith("10 × 1 mL cyanocobalamin 1000 mcg/mL · lot AB1")
    assert "Not checked yet" in found["label-row"][0]
    assert found["label-plan"][0].endswith("Volume to draw 1.0 mL")


def test_a_verified_label_is_shown_to_the_patient_and_raises_no_alert(
    clinician_client, patient_client, photo
):
    response = verdict(clinician_client, photo, "verified", "Matches the prescription.")

    assert response.status_code == 302
    assert not Alert.objects.exists()
    page = by_testid(patient_client.get(reverse("supply_label", args=[photo.supply_id])))
    assert page["label-verdict"] == [
        "Verified against the prescription by Dr Care on 2 Mar 2026, 12:00 "
        "“Matches the prescription.”"
    ]
    listing = by_testid(patient_client.get(reverse("supplies")))
    assert listing["supply-label"] == [
        "Verified against the prescription “Matches the prescription.” Label photo"
    ]


def test_a_mismatch_needs_a_note_and_changes_nothing_without_one(client, clinician, photo):
    client.force_login(clinician)

    response = verdict(client, photo, "mismatch")

    assert response.status_code == 400
    assert "Say what does not match." in errors(response)
    photo.refresh_from_db()
    assert photo.verdict == LabelPhoto.Verdict.PENDING
    assert not Alert.objects.exists()


def test_a_mismatch_is_one_alert_on_the_record_and_the_patient_sees_it(
    clinician_client, patient_client, photo
):
    verdict(clinician_client, photo, "mismatch", "Label says 100 mcg/mL.")
    verdict(clinician_client, photo, "mismatch", "Label says 100 mcg/mL, checked twice.")

    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.LABEL_MISMATCH
    record = clinician_client.get(reverse("patient_record", args=[photo.patient_id]))
    # The alert tells of the first verdict: the second finds it open and raises none.
    assert texts(record, "[data-testid=alert-title]") == [
        "Vial label does not match the prescription"
    ]
    assert texts(record, "[data-testid=alert-text]") == [
        "10 × 1 mL cyanocobalamin 1000 mcg/mL: Label says 100 mcg/mL."
    ]
    page = by_testid(patient_client.get(reverse("supply_label", args=[photo.supply_id])))
    assert page["label-verdict"][0].startswith("Does not match the prescription by Dr Care")
    assert page["label-verdict-note"] == ["“Label says 100 mcg/mL, checked twice.”"]


def test_a_verdict_on_a_replaced_photo_is_refused(client, patient, clinician, photo):
    labels.attach_photo(photo.supply, patient, images.webp())
    client.force_login(clinician)

    response = verdict(client, photo, "verified")

    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.verdict == LabelPhoto.Verdict.PENDING
    messages = texts(client.get(response["Location"]), '[role="status"], .alert')
    assert any("A newer photo of this label was sent" in m for m in messages)


def test_only_the_care_team_gives_a_verdict(client, patient_client, other_patient, photo):
    outsider = factories.ClinicianFactory()
    factories.CareTeamFactory(patient=other_patient, clinician=outsider)
    client.force_login(outsider)

    assert verdict(client, photo, "verified").status_code == 404
    assert verdict(patient_client, photo, "verified").status_code == 404
    assert client.get(reverse("patient_labels", args=[photo.patient_id])).status_code == 404
    photo.refresh_from_db()
    assert photo.verdict == LabelPhoto.Verdict.PENDING


def test_only_a_picture_without_metadata_counts_as_bare():
    kept = photos.clean_photo(images.jpeg_with_location()).content.read()

    assert photos.is_bare(kept)
    assert not photos.is_bare(images.picture("JPEG", exif=True))
    assert not photos.is_bare(images.markup_in_comment().read())


def test_the_photos_are_deleted_with_the_account(
    patient, photo, django_capture_on_commit_callbacks
):
    from records.deletion import delete_account

    storage = LabelPhoto._meta.get_field("image").storage
    assert storage.exists(photo.image.name)

    with django_capture_on_commit_callbacks(execute=True):
        delete_account(patient)

    assert not LabelPhoto.objects.exists()
    assert not storage.exists(photo.image.name)


def test_the_home_shows_the_verdict_once_given(patient_client, clinician_client, photo):
    home = reverse("home")
    assert "home-label-check" not in by_testid(patient_client.get(home))  # cached now

    verdict(clinician_client, photo, "mismatch", "Label says 100 mcg/mL.")

    assert by_testid(patient_client.get(home))["home-label-check"] == [
        "Does not match the prescription label of 10 × 1 mL cyanocobalamin 1000 mcg/mL: "
        "“Label says 100 mcg/mL.”"
    ]


def test_a_removed_supply_takes_no_photo(patient, patient_client, supply):
    from supplies import actions

    actions.delete_supply(supply, patient)

    response = send(patient_client, supply, images.png())

    assert response.status_code == 302
    assert not LabelPhoto.objects.exists()
    assert "Restore this supply before sending a photo of its label." in texts(
        patient_client.get(response["Location"]), '[role="status"], .alert'
    )


def test_the_file_is_readable_by_the_apps_user_only(photo):
    import os
    import stat

    path = photo.image.path
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
