"""The patient's history: everything they recorded and what their care team shared, newest
first, a page at a time."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.access import acting_patient, log_view

from .page import timeline_page


@login_required
def history(request):
    patient = acting_patient(request)
    log_view(request, patient, "history")  # a carer's look; the patient's own is not logged
    page = timeline_page(patient, request.GET.get("page"))
    return render(request, "timeline/history.html", {"page": page})
