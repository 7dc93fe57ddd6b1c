"""Fetch a patient's records for the signed-in user, or 404. Every view taking a record id
goes through here; see accounts/access.py for the rule of who sees which patient."""

from django.http import Http404

from accounts.access import readable_patients, writable_patients
from symptoms.models import SymptomEntry

from .models import DoseLog


def dose_or_404(user, pk, *, write: bool = False) -> DoseLog:
    """A dose the user may read; with write=True, one the user may correct: their own, or,
    for a carer, one of the people they care for."""
    doses = DoseLog.objects.select_related("regimen", "phase", "patient", "recorded_by")
    owners = writable_patients(user) if write else readable_patients(user)
    try:
        return doses.filter(patient__in=owners).get(pk=pk)
    except DoseLog.DoesNotExist:
        raise Http404("No such injection") from None


def checkin_or_404(user, pk) -> SymptomEntry:
    try:
        return (
            SymptomEntry.objects.filter(patient__in=readable_patients(user))
            .select_related("phase")
            .get(pk=pk)
        )
    except SymptomEntry.DoesNotExist:
        raise Http404("No such check-in") from None
