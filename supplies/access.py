"""Fetch a supply for the signed-in user, or 404: supplies are the patient's own, and nobody
else changes them (DESIGN's access table). The photos of their labels are seen by the patient
and their care team, and checked by the care team's clinicians."""

from django.http import Http404

from accounts.access import readable_patients, visible_patients, writable_patients

from .models import LabelPhoto, Supply


def supply_or_404(user, pk) -> Supply:
    """A supply of the signed-in patient's own, or of a person the signed-in carer cares for."""
    try:
        return Supply.objects.select_related("patient").get(
            pk=pk, patient__in=writable_patients(user)
        )
    except (Supply.DoesNotExist, ValueError, TypeError):
        raise Http404("No such supply") from None


def can_verify_labels(user, patient) -> bool:
    """Whether `user` may give a verdict on `patient`'s vial label photos: a clinician on the
    patient's care team. The one place to add a pharmacist when that role comes."""
    return bool(
        user.is_authenticated
        and user.is_clinician
        and visible_patients(user).filter(pk=patient.pk).exists()
    )


def label_photo_or_404(user, pk) -> LabelPhoto:
    """A label photo the user may see: the patient's own, or a care-team clinician's patient's."""
    try:
        return LabelPhoto.objects.select_related("patient", "supply").get(
            pk=pk, patient__in=readable_patients(user)
        )
    except (LabelPhoto.DoesNotExist, ValueError, TypeError):
        raise Http404("No such photo") from None
