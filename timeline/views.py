"""The patient's history: everything they recorded and what their care team shared, newest
first, a page at a time."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.access import acting_patient, log_view

from .page import CARER_KINDS, PATIENT_KINDS, timeline_page


@login_required
def history(request):
    patient = acting_patient(request)
    log_view(request, patient, "history")  # a carer's look; the patient's own is not logged
    kinds = CARER_KINDS if request.user.is_carer else PATIENT_KINDS
    page = timeline_page(patient, request.GET.get("page"), kinds=kinds)
    return render(request, "timeline/history.html", {"page": page})
