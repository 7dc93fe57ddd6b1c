"""Photos of vial labels in the FHIR bundle (records/fhir.py): one DocumentReference per photo
shown for a supply or sent with the prescription at set-up (earlier photos are kept in the app,
not exported), its picture inline, linked to the MedicationRequest of the regimen in force when
it was taken, or of the one it was sent with (context.related), and the care team's verdict as
its description and authenticator. One query."""

import base64

from supplies.models import LabelPhoto
from supplies.wording import describe, product_text

# FHIR's document status for a photo still shown, and the photo's own kind of document.
PHOTO_TYPE = "Photo of a vial label"
VERDICT_TEXT = {
    LabelPhoto.Verdict.PENDING: "Not yet checked against the prescription.",
    LabelPhoto.Verdict.VERIFIED: "Verified against the prescription",
    LabelPhoto.Verdict.MISMATCH: "Does not match the prescription",
}


def _picture(photo) -> str | None:
    try:
        with photo.image.open("rb") as handle:
            return base64.b64encode(handle.read()).decode("ascii")
    except (OSError, ValueError):
        return None


def _what(photo) -> str:
    if photo.supply_id is None:
        regimen = photo.regimen
        product = product_text(regimen.medication, regimen.concentration_mcg_per_ml)
        return f"{product}, sent when setting up the plan"
    return describe(photo.supply)


def _regimen_then(regimens, photo, zone):
    """The regimen in force on the day the photo was taken: the last one started by then (the
    one it was sent with, for a photo sent at set-up)."""
    if photo.regimen_id is not None:
        return next((r for r in regimens if r.pk == photo.regimen_id), None)
    day = photo.uploaded_at.astimezone(zone).date()
    started = [regimen for regimen in regimens if regimen.start_date <= day]
    return started[-1] if started else None


def _description(photo) -> str:
    text = f"{_what(photo)}. {VERDICT_TEXT[photo.verdict]}"
    if photo.checked:
        text += f" on {photo.verdict_at.date().isoformat()}"
        if photo.verdict_note:
            text += f": {photo.verdict_note}"
        text += "."
    return text


def label_resources(patient, regimens, urls: dict, moment) -> list[tuple[str, dict]]:
    """(fullUrl kind and pk, resource) for each shown label photo, oldest first."""
    photos = (
        LabelPhoto.objects.filter(
            patient=patient, replaced_at__isnull=True, supply__deleted_at__isnull=True
        )
        .select_related("supply", "regimen", "verdict_by")
        .order_by("uploaded_at", "pk")
    )
    found = []
    for photo in photos:
        attachment = {
            "contentType": photo.content_type,
            "title": f"{PHOTO_TYPE}: {_what(photo)}",
            "creation": moment(photo.uploaded_at),
        }
        picture = _picture(photo)
        if picture is not None:
            attachment["data"] = picture
        resource = {
            "resourceType": "DocumentReference",
            "status": "current",
            "type": {"text": PHOTO_TYPE},
            "subject": {"reference": urls["patient"]},
            "date": moment(photo.uploaded_at),
            "description": _description(photo),
            "content": [{"attachment": attachment}],
        }
        if photo.checked and photo.verdict_by is not None:
            resource["authenticator"] = {"display": str(photo.verdict_by)}
        regimen = _regimen_then(regimens, photo, patient.zone)
        if regimen is not None:
            resource["context"] = {"related": [{"reference": urls[regimen.pk]}]}
        found.append((("label", photo.pk), resource))
    return found
