"""Fetch a supply for the signed-in user, or 404: supplies are the patient's own, and nobody
else changes them (DESIGN's access table). The photos of their labels are seen by the patient
and their care team's clinicians and pharmacists, and checked by those clinicians and
pharmacists."""

from django.http import Http404

from accounts.access import (
    clinician_patient_or_404,
    pharmacy_patient_or_404,
    pharmacy_patients,
    readable_patients,
    writable_patients,
)

from .models import LabelPhoto, Supply


def supply_or_404(user, pk) -> Supply:
    """A supply of the signed-in patient's own, or of a person the signed-in carer cares for."""
    try:
        return Supply.objects.select_related("patient").get(
            pk=pk, patient__in=writable_patients(user)
        )
    except (Supply.DoesNotExist, ValueError, TypeError):
        raise Http404("No such supply") from None


def _label_patients(user):
    """The patients whose label photos `user` may see: their own, a care-team clinician's
    patients, a care-team pharmacist's, or a carer's people."""
    if user.is_authenticated and user.is_pharmacist:
        return pharmacy_patients(user)
    return readable_patients(user)  # a carer's people too


def can_verify_labels(user, patient) -> bool:
    """Whether `user` may give a verdict on `patient`'s vial label photos: a clinician or a
    pharmacist on the patient's care team."""
    return bool(
        user.is_authenticated
        and (user.is_clinician or user.is_pharmacist)
        and _label_patients(user).filter(pk=patient.pk).exists()
    )


def label_checker_patient_or_404(user, patient_id):
    """A care-team patient whose labels `user` checks: a clinician's or a pharmacist's."""
    if user.is_authenticated and user.is_pharmacist:
        return pharmacy_patient_or_404(user, patient_id)
    return clinician_patient_or_404(user, patient_id)


def label_photo_or_404(user, pk) -> LabelPhoto:
    """A label photo the user may see: the patient's own, or a care-team clinician's or
    pharmacist's patient's."""
    try:
        return LabelPhoto.objects.select_related("patient", "supply").get(
            pk=pk, patient__in=_label_patients(user)
        )
    except (LabelPhoto.DoesNotExist, ValueError, TypeError):
        raise Http404("No such photo") from None
