"""Every change to a patient's lab results goes through here: entering one (once per form,
whatever the number of clicks), correcting, deleting and restoring it, each keeping the values
it had before as a version."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from doses.actions import create_once

from .models import LabResult, LabResultVersion


def record_lab(patient, recorded_by, *, token=None, **values):
    """A lab result entered by the patient or a care-team clinician; stored as entered and in
    the analyte's canonical unit (LabResult.save)."""
    with transaction.atomic():
        return create_once(LabResult, patient, token, recorded_by=recorded_by, **values)


def _locked_lab(lab):
    # Two tabs, or the patient and a clinician, changing the same result: the second waits on
    # the patient's row, then keeps the first's values as its previous version instead of
    # overwriting them unseen.
    User.objects.lock(lab.patient_id)
    return LabResult.objects.select_related("patient").select_for_update().get(pk=lab.pk)


def _keep_lab_version(lab, change: str, user, reason: str = "") -> None:
    LabResultVersion.objects.create(
        lab=lab, change=change, previous=lab.snapshot(), reason=reason, changed_by=user
    )


def correct_lab(lab, user, reason: str = "", **values) -> tuple[LabResult, bool]:
    """Change a lab result's values (LabResult.clean() decides what is valid), keeping the
    previous ones as a version. Returns (lab, changed): the same values change nothing."""
    unknown = set(values) - set(LabResult.VERSIONED_FIELDS)
    if unknown:
        raise TypeError(f"not a lab result's entered value: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        lab = _locked_lab(lab)
        if lab.deleted_at is not None:
            raise ValidationError(gettext("Restore this result before correcting it."))
        if all(getattr(lab, name) == value for name, value in values.items()):
            return lab, False
        _keep_lab_version(lab, LabResultVersion.Change.CORRECTED, user, reason)
        for name, value in values.items():
            setattr(lab, name, value)
        lab.updated_at = timezone.now()
        lab.full_clean()
        lab.save()
    return lab, True


def delete_lab(lab, user, reason: str = "") -> LabResult:
    """Soft-delete: the result leaves every list, chart and export; restore_lab undoes it."""
    with transaction.atomic():
        lab = _locked_lab(lab)
        if lab.deleted_at is None:
            _keep_lab_version(lab, LabResultVersion.Change.DELETED, user, reason)
            lab.deleted_at = timezone.now()
            lab.save(update_fields=["deleted_at"])
    return lab


def restore_lab(lab, user) -> LabResult:
    with transaction.atomic():
        lab = _locked_lab(lab)
        if lab.deleted_at is not None:
            _keep_lab_version(lab, LabResultVersion.Change.RESTORED, user)
            lab.deleted_at = None
            lab.save(update_fields=["deleted_at"])
    return lab
