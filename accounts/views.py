"""Sign-in lands everyone on `/`, which shows each role its own home."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from doses.views.clinician import triage
from doses.views.patient import patient_home
from sharing.audit import events_for

from . import throttle
from .access import require_patient
from .models import RecordView


@login_required
def home(request):
    user = request.user
    if user.is_patient:
        return patient_home(request)
    if user.is_clinician:
        return triage(request)
    if user.is_staff:
        return redirect("admin:index")
    return render(request, "accounts/no_role.html")


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a password check refused by accounts.throttle: how long to wait,
    as words and as Retry-After."""
    pause = getattr(request, "throttle_pause", None) or throttle.Pause(throttle.cool_off())
    response = render(request, "registration/locked_out.html", {"pause": pause}, status=429)
    response["Retry-After"] = str(pause.seconds)
    return response


@login_required
def record_views(request):
    """The patient sees who looked at their record, and when."""
    patient = require_patient(request.user)
    views = RecordView.objects.filter(patient=patient).select_related("viewer")
    page = Paginator(views, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/record_views.html",
        {"page": page, "care_team_events": events_for(patient)},
    )


@never_cache
@require_GET
def health(request):
    """For a load balancer's liveness check, and the benchmark's trivial view: the process
    answers. No database, no session, no template."""
    return HttpResponse("ok\n", content_type="text/plain")
