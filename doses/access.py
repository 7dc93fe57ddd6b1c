"""Fetch a patient's records for the signed-in user, or 404. Every view taking a record id
goes through here; see accounts/access.py for the rule of who sees which patient."""

from django.http import Http404

from accounts.access import require_patient, visible_patients

from .models import DoseLog, LabResult, Supply, SymptomEntry


def dose_or_404(user, pk, *, write: bool = False) -> DoseLog:
    """A dose the user may read; with write=True, one the user may correct: their own."""
    doses = DoseLog.objects.select_related("regimen", "phase", "patient")
    owners = visible_patients(user)
    if write:
        owners = owners.filter(pk=user.pk)
    try:
        return doses.filter(patient__in=owners).get(pk=pk)
    except DoseLog.DoesNotExist:
        raise Http404("No such injection") from None


def checkin_or_404(user, pk) -> SymptomEntry:
    try:
        return (
            SymptomEntry.objects.filter(patient__in=visible_patients(user))
            .select_related("phase")
            .get(pk=pk)
        )
    except SymptomEntry.DoesNotExist:
        raise Http404("No such check-in") from None


def supply_or_404(user, pk) -> Supply:
    """A supply of the signed-in patient's own: nobody else sees supplies."""
    try:
        return Supply.objects.select_related("patient").get(pk=pk, patient=require_patient(user))
    except Supply.DoesNotExist:
        raise Http404("No such supply") from None


def lab_or_404(user, pk, *, write: bool = False) -> LabResult:
    """A lab result the user may read: their own, or a care-team patient's. Labs are the one
    record a care-team clinician changes as fully as the patient (DESIGN's access table), so
    with write=True the same people may correct, delete and restore it; the flag is where a
    read-only member of the care team would be told apart. Deleted results are found too:
    their page offers the undo."""
    labs = LabResult.objects.select_related("patient")
    try:
        return labs.filter(patient__in=visible_patients(user)).get(pk=pk)
    except LabResult.DoesNotExist:
        raise Http404("No such lab result") from None
