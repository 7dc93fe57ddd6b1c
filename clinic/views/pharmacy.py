"""The pharmacist's pages: their patient list (the home, `/`) and one patient's page with the
plan, the supplies and their label photos (with the verdict forms), the injections and the lab
results. What a pharmacist reads is narrower than a clinician's record (DESIGN's access table):
no clinical notes, no alerts, no check-ins (their free-text notes are the patient's symptoms, a
clinical matter), no regimen actions. Every patient comes through accounts.access's
pharmacy_patient_or_404, and each look is logged for the patient to see."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Subquery
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.access import log_view, pharmacy_patient_or_404
from accounts.models import CareTeamMembership, User
from doses.dashboard import phase_progress
from doses.models import DoseLog
from labs.rows import lab_rows
from regimens import schedule
from regimens.models import Regimen, current_regimen
from supplies import labels, wording
from supplies.label_forms import VerdictForm
from supplies.label_views import prescription
from supplies.models import LabelPhoto, Supply

PATIENTS_PER_PAGE = 25
INJECTIONS_PER_PAGE = 20
UPCOMING_DATES = 5


def _awaiting_check():
    """A label photo of a supply in use that no one has given a verdict on yet."""
    return LabelPhoto.objects.filter(
        patient_id=OuterRef("patient_id"),
        replaced_at__isnull=True,
        verdict=LabelPhoto.Verdict.PENDING,
        supply__deleted_at__isnull=True,
    )


def patient_list(pharmacist, number):
    """The pharmacist's care-team patients, soonest due first, then by name: two queries
    (the count, and the page's rows with the patient, their current phase and whether a label
    waits for a check), however many patients."""
    active = Regimen.objects.filter(patient_id=OuterRef("patient_id"), status=Regimen.Status.ACTIVE)
    rows = (
        CareTeamMembership.objects.filter(
            clinician=pharmacist, patient__role=User.Role.PATIENT, patient__is_active=True
        )
        .select_related("patient")
        .annotate(
            phase_label=Subquery(active.values("current_phase__label")[:1]),
            label_waiting=Exists(_awaiting_check()),
        )
        .order_by(F("next_due").asc(nulls_last=True), "patient_name", "patient_id")
    )
    page = Paginator(rows, PATIENTS_PER_PAGE).get_page(number)
    now = timezone.now()
    for row in page.object_list:
        row.status = (
            schedule.status(row.next_due, now.astimezone(row.patient.zone).date())
            if row.next_due
            else None
        )
    return page


def pharmacy_home(request):
    """`/` for a pharmacist (config/views.py): the patients whose care team they are on."""
    page = patient_list(request.user, request.GET.get("page"))
    return render(request, "clinic/pharmacy_home.html", {"page": page})


def _supply_rows(patient, forms=None):
    """The supplies in use, soonest expiring first, each with its label photo shown and the
    verdict form: two queries."""
    supplies = list(
        Supply.objects.filter(patient=patient, deleted_at__isnull=True).order_by("expires_on", "pk")
    )
    photos = labels.current_photos(supplies)
    forms = forms or {}
    return [
        {
            "supply": supply,
            "description": wording.describe(supply),
            "photo": photos.get(supply.pk),
            "form": forms.get(supply.pk) or VerdictForm(prefix=f"label-{supply.pk}"),
        }
        for supply in supplies
    ]


@login_required
@require_GET
def pharmacy_patient(request, patient_id):
    patient = pharmacy_patient_or_404(request.user, patient_id)
    log_view(request, patient, "pharmacy page")
    regimen = current_regimen(patient)
    today = patient.today()
    injections = (
        DoseLog.objects.filter(patient=patient, deleted_at__isnull=True)
        .select_related("recorded_by")
        .order_by("-administered_at", "-pk")
    )
    context = {
        "patient": patient,
        "regimen": regimen,
        "today": today,
        "progress": phase_progress(regimen, today) if regimen else None,
        "status": schedule.status(regimen.next_due if regimen else None, today),
        "upcoming": regimen.upcoming(UPCOMING_DATES) if regimen else [],
        "plan": prescription(regimen),
        "is_clinician": False,  # the regimen card shows no actions
        "rows": _supply_rows(patient),
        "injections": Paginator(injections, INJECTIONS_PER_PAGE).get_page(request.GET.get("page")),
        "lab_rows": lab_rows(patient),
    }
    # A patient's events are dated in the patient's own zone (schedule rule 1): show them so.
    with timezone.override(patient.zone):
        return render(request, "clinic/pharmacy_patient.html", context)
