"""The patient's pages: skip, correct, delete and restore an injection; check-ins."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import acting_patient, log_view, require_patient
from accounts.offline import offline_copy
from doses import actions, freshness
from doses.access import checkin_or_404, dose_or_404
from doses.dashboard import skipped_next_due
from doses.forms import CheckinForm, CorrectDoseForm, DeleteForm, SkipForm
from doses.models import DoseLog
from regimens import reference
from regimens.history import attach_phases_then
from regimens.models import RegimenChange, current_regimen
from symptoms import checkin_alerts


def regimen_or_404(patient):
    regimen = current_regimen(patient)
    if regimen is None:
        raise Http404("No active regimen")
    return regimen


def with_undo(request, text: str, dose):
    """The message after logging, with an Undo button: the usual soft delete, which the
    injection's page can restore. The page shows messages as they are (base.html)."""
    context = {"text": text, "dose": dose}
    return render_to_string("doses/_logged_message.html", context, request=request)


def logged_message(dose) -> str:
    regimen = dose.regimen  # as logging the dose left it (doses/actions.py): no second read
    if regimen.next_due:
        return _("Injection recorded. Next injection due %(day)s.") % {
            "day": date_format(regimen.next_due, "l j F Y")
        }
    return _("Injection recorded. Your course is complete: nothing more is due.")


@login_required
def skip_dose(request):
    """Skip the next dose: one due or overdue, or a coming one planned ahead (away, no
    supplies...). It is recorded on the day it is due, so the schedule moves from that day."""
    patient = acting_patient(request, form=True)
    log_view(request, patient, "skip")  # a carer's look at the due dates
    regimen = regimen_or_404(patient)
    form = SkipForm(request.POST or None)
    valid = form.is_bound and form.is_valid()
    token = form.cleaned_data["submission_token"] if valid else None
    # The same form sent twice: the first was recorded; answer as it was answered.
    repeated = valid and actions.already_recorded(DoseLog, token, patient)
    if not repeated and regimen.next_due is None:
        messages.error(request, _("Nothing is due: there is no dose to skip."))
        return redirect("home")
    if valid and not repeated:
        try:
            actions.skip_dose(
                regimen,
                request.user,
                form.cleaned_data["reason"],
                kind=form.cleaned_data["reason_kind"],
                token=token,
            )
        except ValidationError as exc:
            form.add_error(None, exc)  # another patient's form token
            valid = False
        regimen.refresh_from_db()
    if valid:
        due = (
            " "
            + _("Next injection due %(day)s.") % {"day": date_format(regimen.next_due, "l j F Y")}
            if regimen.next_due
            else ""
        )
        messages.success(request, _("Dose marked as skipped.") + due)
        return redirect("home")
    return render(
        request,
        "doses/skip_dose.html",
        {
            "form": form,
            "regimen": regimen,
            "ahead": regimen.next_due > patient.today(),
            "then_due": skipped_next_due(regimen),
        },
    )


def _back_to(request, patient) -> dict:
    """Where a record's page leads back to: the patient's history for the patient, the
    patient's record for a clinician (who has no history page of their own: it would 404). A
    carer goes back to the history of the person they care for, which is theirs to see."""
    own = patient.pk == request.user.pk or request.user.is_carer
    return {
        "own": own,
        "back_url": reverse("history") if own else reverse("patient_record", args=[patient.pk]),
    }


@login_required
def dose_detail(request, pk):
    dose = dose_or_404(request.user, pk)
    log_view(request, dose.patient, "an injection")
    versions = list(dose.versions.select_related("changed_by"))
    # The patient, or a carer of theirs (dose_or_404 found it among the carer's people).
    can_edit = dose.patient_id == request.user.pk or request.user.is_carer
    attach_phases_then([dose])  # the phase as it was when the dose was given
    return render(
        request,
        "doses/dose_detail.html",
        {
            "dose": dose,
            "versions": versions,
            # The alerts it raised for the care team: not a carer's to read (DESIGN).
            "raised": []
            if request.user.is_carer
            else list(dose.alerts.select_related("acknowledged_by")),
            "can_edit": can_edit,
            "delete_form": DeleteForm(),
            **_back_to(request, dose.patient),
        },
    )


@login_required
def correct_dose(request, pk):
    dose = dose_or_404(request.user, pk, write=True)
    log_view(request, dose.patient, "an injection")  # a carer's look
    if dose.deleted_at:
        messages.error(request, _("Restore this injection before correcting it."))
        return redirect(dose_detail_url(dose))
    form = CorrectDoseForm(request.POST or None, instance=dose, regimen=dose.regimen)
    if request.method == "POST" and form.is_valid():
        values = form.dose_values()
        values["status"] = "given"
        values["skip_reason"] = ""
        # A site chosen now is recorded; left empty, a set-up injection stays "not recorded".
        values["site_not_recorded"] = dose.site_not_recorded and not values["site"]
        try:
            actions.correct_dose(dose, request.user, form.cleaned_data["reason"], **values)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Injection corrected. The previous version is kept below."))
            return redirect(dose_detail_url(dose))
    return render(
        request, "doses/correct_dose.html", {"form": form, "dose": dose, "regimen": dose.regimen}
    )


def dose_detail_url(dose) -> str:
    return reverse("dose_detail", args=[dose.pk])


@login_required
@require_POST
def delete_dose(request, pk):
    dose = dose_or_404(request.user, pk, write=True)
    form = DeleteForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if request.POST.get("undo"):
        # The Undo of the message after logging: back home, where the dates are as before.
        actions.delete_dose(dose, request.user, _("Undone right after logging"))
        messages.warning(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("Undone: that injection no longer counts."),
                dose_detail_url(dose),
                _("Restore it from its page"),
            ),
        )
        return redirect("home")
    actions.delete_dose(dose, request.user, reason)
    messages.warning(request, _("Injection deleted. You can undo this from its page."))
    return redirect(dose_detail_url(dose))


@login_required
@require_POST
def restore_dose(request, pk):
    dose = dose_or_404(request.user, pk, write=True)
    actions.restore_dose(dose, request.user)
    messages.success(request, _("Injection restored."))
    return redirect(dose_detail_url(dose))


def _emergency_context() -> dict:
    return {
        "emergency": reference.urgent("emergency"),
        "same_day": reference.urgent("same_day"),
        "emergency_number": checkin_alerts.emergency_number(),
        "emergency_tel": checkin_alerts.emergency_tel(),
    }


@login_required
@offline_copy
def checkin(request):
    """The weekly check-in. The page compares numbness and balance with the last check-in as
    they are scored (static/js/checkin_alerts.js), and names the ticked allergy signs."""
    patient = acting_patient(request, form=True)
    log_view(request, patient, "check-in")  # a carer's look at the last check-in
    form = CheckinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry, _created = actions.record_checkin(
                patient,
                request.user,
                token=form.cleaned_data["submission_token"],
                **form.entry_values(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)  # another patient's form token
        else:
            messages.success(request, _("Check-in saved."))
            return redirect("checkin_detail", pk=entry.pk)
    previous = checkin_alerts.latest_checkin(patient)
    return render(
        request,
        "doses/checkin.html",
        {
            "form": form,
            "previous": previous,
            "watched": checkin_alerts.watched(previous),
            **_emergency_context(),
        },
    )


@login_required
def checkin_detail(request, pk):
    entry = checkin_or_404(request.user, pk)
    patient = entry.patient
    log_view(request, patient, "a check-in")
    previous = checkin_alerts.previous_checkin(entry)
    attach_phases_then([], checkins=[entry])  # the phase the patient was in then
    return render(
        request,
        "doses/checkin_detail.html",
        {
            "entry": entry,
            "patient": patient,
            "previous": previous,
            "rises": checkin_alerts.rises(entry, previous),
            "raised": []
            if request.user.is_carer
            else list(entry.alerts.select_related("acknowledged_by")),
            "signs": checkin_alerts.sign_names(entry.allergy_signs),
            **_emergency_context(),
            **_back_to(request, patient),
        },
    )


@login_required
@require_POST
def dismiss_plan_change(request, pk):
    """The patient has read the notice of a change to their plan: stop showing it. Only the
    patient: a carer reading it does not mean the patient has."""
    patient = require_patient(request.user)
    change = get_object_or_404(RegimenChange, pk=pk, patient=patient)
    if change.dismissed_at is None:
        RegimenChange.objects.filter(pk=change.pk).update(dismissed_at=timezone.now())
        freshness.bump(pk=patient.pk)  # the cached home shows the notice
    return redirect("home")
