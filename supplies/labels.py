"""The only ways to change label photos: the patient attaches one to a supply (the one shown
before is kept, marked replaced), and a clinician gives a verdict on it. A mismatch is an
alert on the record (doses/alerts.py)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from doses import alerts

from .models import LabelPhoto, Supply, label_path
from .photos import clean_photo
from .wording import describe


def current_photos(supplies) -> dict[int, LabelPhoto]:
    """The photo shown for each supply, by supply id (one query)."""
    photos = LabelPhoto.objects.filter(
        supply__in=list(supplies), replaced_at__isnull=True
    ).select_related("verdict_by")
    return {photo.supply_id: photo for photo in photos}


def checked(supplies) -> list[tuple[str, LabelPhoto]]:
    """(the supply in words, its photo) for each supply whose shown label photo has a verdict,
    for the home's supplies card (one query)."""
    supplies = list(supplies)
    photos = current_photos(supplies)
    return [
        (describe(supply), photos[supply.pk])
        for supply in supplies
        if supply.pk in photos and photos[supply.pk].checked
    ]


def attach_photo(supply: Supply, by, upload) -> LabelPhoto:
    """Keep a cleaned copy of `upload` as the supply's label photo. Raises PhotoRefused (and
    saves nothing) for anything that is not a photo this app keeps."""
    clean = clean_photo(upload)  # before anything is written
    storage = LabelPhoto._meta.get_field("image").storage
    name = storage.save(label_path(None, clean.content.name), clean.content)
    try:
        with transaction.atomic():
            User.objects.lock(supply.patient_id)
            now = timezone.now()
            LabelPhoto.objects.filter(supply=supply, replaced_at__isnull=True).update(
                replaced_at=now
            )
            return LabelPhoto.objects.create(
                patient_id=supply.patient_id,
                supply=supply,
                image=name,
                content_type=clean.content_type,
                width=clean.width,
                height=clean.height,
                uploaded_by=by,
                uploaded_at=now,
            )
    except BaseException:
        storage.delete(name)  # no file without its row
        raise


def give_verdict(photo: LabelPhoto, by, verdict: str, note: str = "") -> LabelPhoto:
    """Record a clinician's verdict (the newest stands; a mismatch raises one alert)."""
    note = note.strip()
    if verdict not in (LabelPhoto.Verdict.VERIFIED, LabelPhoto.Verdict.MISMATCH):
        raise ValidationError({"verdict": gettext("Choose verified or does not match.")})
    with transaction.atomic():
        photo = LabelPhoto.objects.select_for_update().select_related("supply").get(pk=photo.pk)
        if photo.replaced_at is not None:
            raise ValidationError(
                gettext("A newer photo of this label was sent: check that one instead.")
            )
        photo.verdict, photo.verdict_note = verdict, note
        photo.verdict_by, photo.verdict_at = by, timezone.now()
        photo.full_clean()
        photo.save(update_fields=["verdict", "verdict_note", "verdict_by", "verdict_at"])
        if verdict == LabelPhoto.Verdict.MISMATCH:
            alerts.for_label_mismatch(
                photo.patient_id,
                photo.pk,
                photo.verdict_at,
                supply=describe(photo.supply),
                note=note,
            )
    return photo


def delete_files(photos) -> None:
    """Remove the stored files of these photos, once the deletion of their rows is committed."""
    names = [photo.image.name for photo in photos if photo.image]
    if not names:
        return

    def remove():
        storage = LabelPhoto._meta.get_field("image").storage
        for name in names:
            storage.delete(name)

    transaction.on_commit(remove)
