"""Fetch a supply for the signed-in user, or 404: supplies are the patient's own, and nobody
else sees them (DESIGN's access table)."""

from django.http import Http404

from accounts.access import require_patient

from .models import Supply


def supply_or_404(user, pk) -> Supply:
    """A supply of the signed-in patient's own."""
    try:
        return Supply.objects.select_related("patient").get(pk=pk, patient=require_patient(user))
    except Supply.DoesNotExist:
        raise Http404("No such supply") from None
