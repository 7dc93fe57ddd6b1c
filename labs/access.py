"""A lab result for the signed-in user, or 404 (accounts/access.py says who sees whom)."""

from django.http import Http404

from accounts.access import readable_patients, visible_patients

from .models import LabResult


def lab_or_404(user, pk, *, write: bool = False) -> LabResult:
    """A lab result the user may read: their own, or a care-team patient's. Labs are the one
    record a care-team clinician changes as fully as the patient (DESIGN's access table), so
    with write=True the same people may correct, delete and restore it; the flag is where a
    read-only member of the care team would be told apart. Deleted results are found too:
    their page offers the undo."""
    labs = LabResult.objects.select_related("patient")
    try:
        # A carer reads the results of the people they care for, and changes none.
        owners = visible_patients(user) if write else readable_patients(user)
        return labs.filter(patient__in=owners).get(pk=pk)
    except LabResult.DoesNotExist:
        raise Http404("No such lab result") from None
