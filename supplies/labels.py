"""The only ways to change label photos: the patient attaches one to a supply, or to the
regimen they enter at set-up (the one shown before is kept, marked replaced), and a clinician
gives a verdict on it. A mismatch is an alert on the record (doses/alerts.py)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from doses import alerts
from regimens.models import Regimen

from .models import LabelPhoto, Supply, label_path
from .photos import CleanPhoto, clean_photo
from .wording import describe, product_text


def current_photos(supplies) -> dict[int, LabelPhoto]:
    """The photo shown for each supply, by supply id (one query)."""
    photos = LabelPhoto.objects.filter(
        supply__in=list(supplies), replaced_at__isnull=True
    ).select_related("verdict_by")
    return {photo.supply_id: photo for photo in photos}


def shown_photos(supplies, regimen) -> tuple[dict[int, LabelPhoto], LabelPhoto | None]:
    """The photo shown for each supply, by supply id, and the one sent with the regimen at
    set-up (None if none), for the clinicians' page (one query)."""
    of = Q(supply__in=list(supplies))
    if regimen is not None:
        of |= Q(regimen=regimen)
    photos = list(
        LabelPhoto.objects.filter(of, replaced_at__isnull=True).select_related("verdict_by")
    )
    setup = next((photo for photo in photos if photo.supply_id is None), None)
    if setup is not None:
        setup.regimen = regimen  # read already
    return {photo.supply_id: photo for photo in photos if photo.supply_id is not None}, setup


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


def describe_photo(photo: LabelPhoto) -> str:
    """What the photo is of, in words: its supply, or the product of the prescription it was
    sent with at set-up ("cyanocobalamin 1000 mcg/mL, sent when setting up the plan")."""
    if photo.supply_id is not None:
        return describe(photo.supply)
    regimen = photo.regimen
    product = product_text(regimen.medication, regimen.concentration_mcg_per_ml)
    return gettext("%(product)s, sent when setting up the plan") % {"product": product}


def for_regimen(regimen: Regimen | None) -> LabelPhoto | None:
    """The label photo to show beside the regimen (one query): the newest one shown, of a
    supply still listed or of this regimen's set-up, with who gave its verdict."""
    if regimen is None:
        return None
    return (
        LabelPhoto.objects.filter(patient_id=regimen.patient_id, replaced_at__isnull=True)
        .filter(Q(regimen=regimen) | Q(supply__isnull=False, supply__deleted_at__isnull=True))
        .select_related("verdict_by")
        .order_by("-uploaded_at", "-pk")
        .first()
    )


def attach_photo(supply: Supply, by, upload) -> LabelPhoto:
    """Keep a cleaned copy of `upload` as the supply's label photo. Raises PhotoRefused (and
    saves nothing) for anything that is not a photo this app keeps."""
    clean = clean_photo(upload)  # before anything is written
    return _keep(clean, by, supply.patient_id, supply=supply)


def attach_regimen_photo(regimen: Regimen, by, clean: CleanPhoto) -> LabelPhoto:
    """Keep a photo already cleaned (photos.clean_photo, so that a refusal comes before the
    set-up saves anything) as the label photo of the regimen the patient entered."""
    return _keep(clean, by, regimen.patient_id, regimen=regimen)


def _keep(clean: CleanPhoto, by, patient_id, **of) -> LabelPhoto:
    """Write the picture, then its row, replacing the photo shown of the same supply or
    regimen (`of`); the picture is removed again if the row is not saved."""
    storage = LabelPhoto._meta.get_field("image").storage
    name = storage.save(label_path(None, clean.content.name), clean.content)
    try:
        with transaction.atomic():
            User.objects.lock(patient_id)
            now = timezone.now()
            LabelPhoto.objects.filter(replaced_at__isnull=True, **of).update(replaced_at=now)
            return LabelPhoto.objects.create(
                patient_id=patient_id,
                image=name,
                content_type=clean.content_type,
                width=clean.width,
                height=clean.height,
                uploaded_by=by,
                uploaded_at=now,
                **of,
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
        photo = (
            LabelPhoto.objects.select_for_update(of=("self",))
            .select_related("supply", "regimen")
            .get(pk=photo.pk)
        )
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
                supply=describe_photo(photo),
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
