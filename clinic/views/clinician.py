"""The clinician's pages: the triage queue, a patient's record, a dose given in clinic, notes
(the printable report is clinic/views/report.py). Patients may read their own record, with only
the clinical notes shared with them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import clinician_patient_or_404, log_view, patient_or_404
from doses import actions, alerts, freshness
from doses.dashboard import phase_progress
from doses.models import Alert, DoseLog
from doses.views.common import dose_form_submission, warn_of_allergy_signs
from labs.rows import lab_rows
from regimens import schedule
from regimens.models import Regimen, current_regimen
from supplies import labels
from supplies.label_views import prescription
from timeline.page import PATIENT_KINDS, RECORD_KINDS

from .. import record_history
from ..forms import AcknowledgeForm, NoteForm, RangeForm, TriageFilterForm
from ..triage import triage_page

# The open alerts shown at the top of the record: their exact count, and this many of them
# (urgent first, then the newest), with a link to all of them (?alerts=all).
ALERTS_SHOWN = 5
ALL_ALERTS = "all"


def triage(request):
    form = TriageFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = triage_page(
        request.user,
        request.GET.get("page"),
        now=timezone.now(),
        search=filters.get("q", ""),
        phase=filters.get("phase", ""),
        status=filters.get("status", ""),
        alert=filters.get("alert", ""),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clinic/triage.html",
        {
            "page": page,
            "form": form,
            "query": query.urlencode(),
        },
    )


def _record_context(user, patient, range_form):
    regimen = current_regimen(patient)
    today = patient.today()
    first = last = None
    if range_form.is_valid():
        first, last = range_form.cleaned_data["first"], range_form.cleaned_data["last"]
    return {
        "patient": patient,
        "regimen": regimen,
        "today": today,
        "progress": phase_progress(regimen, today) if regimen else None,
        "status": schedule.status(regimen.next_due if regimen else None, today),
        "range_form": range_form,
        "first": first,
        "last": last,
        "is_clinician": user.is_clinician,
    }


@login_required
def patient_record(request, patient_id):
    """The record is kept whole, like the home, under record_history.page_key(): everything it
    shows and everything that shapes it, read before the page's own queries. A repeat view
    reads the lab ranges only (an admin's change to one raises no version), then the kept page
    with this request's tokens put in. A page with a message on it is drawn afresh and not
    kept, and so is a carer's (the page around it names the people they switch between)."""
    patient = patient_or_404(request.user, patient_id)
    log_view(request, patient, "record")
    if request.user.is_carer or get_messages(request):
        return HttpResponse(_draw_record(request, patient))
    key = record_history.page_key(request.user, patient, request.GET)
    page = cache.get(key)
    if page is None:
        page = _draw_record(request, patient, standins=True)
        cache.set(key, page, record_history.PAGE_SECONDS)
    return HttpResponse(freshness.fill_in(page, request))


def _draw_record(request, patient, standins: bool = False) -> str:
    """The record page's HTML; with `standins`, as kept: the forms' tokens left for
    freshness.fill_in() to put in."""
    range_form = RangeForm(request.GET or None)
    context = _record_context(request.user, patient, range_form)
    kinds = RECORD_KINDS if request.user.is_clinician else PATIENT_KINDS
    query = request.GET.copy()
    query.pop("page", None)
    context["query"] = query.urlencode()
    context["note_form"] = (
        NoteForm(initial={"submission_token": freshness.TOKEN_STANDIN}) if standins else NoteForm()
    )
    if standins:
        context["csrf_token"] = freshness.CSRF_STANDIN  # read by {% csrf_token %}
    # Beside the regimen: what it says to draw, and the verdict on the newest label photo
    # (one query).
    context["plan"] = prescription(context["regimen"])
    context["label_photo"] = labels.for_regimen(context["regimen"])
    if request.user.is_clinician:  # what needs them, above everything (one query)
        if request.GET.get("alerts") == ALL_ALERTS:
            shown = alerts.open_for([patient.pk]).get(patient.pk, [])
            context["alerts_count"], context["open_alerts"] = len(shown), shown
            context["all_alerts"] = True
        else:
            context["alerts_count"], context["open_alerts"] = alerts.open_first(
                patient.pk, ALERTS_SHOWN
            )
        context["acknowledge_form"] = AcknowledgeForm()
    rows = lab_rows(patient)
    # A patient's events are dated in the patient's own zone (schedule rule 1): show them so.
    with timezone.override(patient.zone):
        # What replays the whole history (adherence, the wear-off flag, the history's charts
        # and their tables): kept under the record's version and the patient's day.
        context["history"] = record_history.parts(
            patient, context["regimen"], context["today"], request.user.is_clinician
        )
        # The lab results card and the lab charts, kept for each state of the rows read above.
        context["labs"] = record_history.labs(patient, rows, request.user)
        # A page of the timeline, kept likewise under the record's version.
        context["timeline"] = record_history.timeline(
            patient,
            context["today"],
            kinds=kinds,
            number=request.GET.get("page"),
            first=context["first"],
            last=context["last"],
            query=context["query"],
        )
        return render_to_string("clinic/record.html", context, request)


@login_required
def clinic_dose(request, patient_id):
    """A clinician records an injection given in clinic to a care-team patient."""
    patient = clinician_patient_or_404(request.user, patient_id)
    regimen = current_regimen(patient)
    if regimen is None or regimen.status != Regimen.Status.ACTIVE:
        messages.error(request, _("This patient has no active regimen to record a dose against."))
        return redirect("patient_record", patient_id=patient.pk)
    log_view(request, patient, "clinic injection form")
    form, dose = dose_form_submission(
        request, regimen, administered_by=DoseLog.AdministeredBy.CLINIC
    )
    if dose is not None:
        warn_of_allergy_signs(request, dose)
        regimen.refresh_from_db()
        due = (
            " " + _("Next due %(day)s.") % {"day": date_format(regimen.next_due, "l j F Y")}
            if regimen.next_due
            else ""
        )
        messages.success(
            request, _("Clinic injection recorded for %(name)s.") % {"name": patient.name} + due
        )
        return redirect("patient_record", patient_id=patient.pk)
    return render(
        request,
        "clinic/clinic_dose.html",
        {
            "form": form,
            "regimen": regimen,
            "patient": patient,
        },
    )


@login_required
@require_POST
def add_note(request, patient_id):
    patient = clinician_patient_or_404(request.user, patient_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            actions.add_note(
                patient,
                request.user,
                form.cleaned_data["text"],
                token=form.cleaned_data["submission_token"],
                shared_with_patient=form.cleaned_data["shared_with_patient"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)  # the token of a note on another patient's record
    if form.is_valid():
        messages.success(request, _("Note added to the record."))
    else:
        messages.error(
            request,
            _("The note was not saved:")
            + " "
            + " ".join(error for errors in form.errors.values() for error in errors),
        )
    return redirect("patient_record", patient_id=patient.pk)


@login_required
@require_POST
def acknowledge_alert(request, patient_id, pk):
    """A care-team clinician has seen an alert: who, when and their note are kept."""
    patient = clinician_patient_or_404(request.user, patient_id)
    alert = get_object_or_404(Alert, pk=pk, patient=patient)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("The alert was not acknowledged:")
            + " "
            + " ".join(error for errors in form.errors.values() for error in errors),
        )
    elif alerts.acknowledge(alert, request.user, form.cleaned_data["note"]):
        messages.success(
            request,
            _("Acknowledged: %(kind)s.") % {"kind": alert.get_kind_display()},
        )
    else:
        alert.refresh_from_db()
        messages.info(
            request,
            _("%(name)s acknowledged this alert already.")
            % {"name": alert.acknowledged_by.name if alert.acknowledged_by else _("Someone")},
        )
    if request.POST.get("alerts") == ALL_ALERTS:  # acknowledged from the list of all of them
        return redirect(
            reverse("patient_record", args=[patient.pk]) + f"?alerts={ALL_ALERTS}#alerts-heading"
        )
    return redirect("patient_record", patient_id=patient.pk)
