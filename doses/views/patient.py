"""The patient's pages: home, log/skip/correct/delete an injection, history, check-ins."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import log_view, require_patient
from doses import actions, freshness
from doses.access import checkin_or_404, dose_or_404
from doses.backup import export_patient
from doses.dashboard import build_dashboard, current_regimen
from doses.forms import CheckinForm, CorrectDoseForm, DeleteForm, SkipForm
from doses.models import DoseLog
from doses.timeline import timeline_page
from doses.views.common import dose_form_submission, lot_in_use
from regimens import reference


def _regimen_or_404(patient):
    regimen = current_regimen(patient)
    if regimen is None:
        raise Http404("No active regimen")
    return regimen


# The form token in a cached page stands for the token each request gets afresh.
CSRF_FIELD = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CSRF_STANDIN = "csrf-token-of-this-request"


def patient_home(request):
    """Built from the dashboard's queries on a cache miss; otherwise the cached page, with no
    query beyond the session and the user, and no template drawn (doses/freshness.py). A page
    with a message on it (after logging an injection, say) is drawn around the cached body."""
    patient = require_patient(request.user)
    if get_messages(request):
        return render(request, "doses/home.html", {"body": _home_body(request, patient)})
    key = freshness.page_key(patient)
    page = cache.get(key)
    if page is None:
        page = render_to_string(
            "doses/home.html", {"body": _home_body(request, patient)}, request=request
        )
        page = CSRF_FIELD.sub(rf"\g<1>{CSRF_STANDIN}\g<2>", page)
        cache.set(key, page, freshness.HOME_SECONDS)
    return HttpResponse(page.replace(CSRF_STANDIN, get_token(request)))


def _home_body(request, patient):
    key = freshness.home_key(patient)
    body = cache.get(key)
    if body is None:
        board = build_dashboard(patient)
        body = render_to_string("doses/_home.html", {"board": board}, request=request)
        cache.set(key, body, freshness.HOME_SECONDS)
    # render_to_string gives a SafeString, and the cache gives back the same type.
    return body


@login_required
def log_dose(request):
    patient = require_patient(request.user)
    regimen = _regimen_or_404(patient)
    # One tap from the home: the form opens with the lot of the supply in use filled in too.
    initial = {} if request.method == "POST" else {"lot_number": lot_in_use(patient, regimen)}
    form, dose = dose_form_submission(request, regimen, **initial)
    if dose is not None:
        messages.success(request, _logged_message(dose))
        return redirect("home")
    return render(request, "doses/log_dose.html", {"form": form, "regimen": regimen})


def _logged_message(dose) -> str:
    regimen = dose.regimen
    regimen.refresh_from_db()
    if regimen.next_due:
        return _("Injection recorded. Next injection due %(day)s.") % {
            "day": date_format(regimen.next_due, "l j F Y")
        }
    return _("Injection recorded. Your course is complete: nothing more is due.")


@login_required
def skip_dose(request):
    patient = require_patient(request.user)
    regimen = _regimen_or_404(patient)
    form = SkipForm(request.POST or None)
    valid = form.is_bound and form.is_valid()
    token = form.cleaned_data["submission_token"] if valid else None
    # The same form sent twice: the first was recorded; answer as it was answered.
    repeated = valid and actions.already_recorded(DoseLog, token, patient)
    if not repeated and (regimen.next_due is None or regimen.next_due > patient.today()):
        messages.error(request, _("Only a dose that is due today or overdue can be skipped."))
        return redirect("home")
    if valid:
        if not repeated:
            actions.skip_dose(regimen, request.user, form.cleaned_data["reason"], token=token)
            regimen.refresh_from_db()
        due = (
            " "
            + _("Next injection due %(day)s.") % {"day": date_format(regimen.next_due, "l j F Y")}
            if regimen.next_due
            else ""
        )
        messages.success(request, _("Dose marked as skipped.") + due)
        return redirect("home")
    return render(request, "doses/skip_dose.html", {"form": form, "regimen": regimen})


@login_required
def dose_detail(request, pk):
    dose = dose_or_404(request.user, pk)
    log_view(request, dose.patient, "an injection")
    versions = list(dose.versions.select_related("changed_by"))
    can_edit = dose.patient_id == request.user.pk
    return render(
        request,
        "doses/dose_detail.html",
        {
            "dose": dose,
            "versions": versions,
            "can_edit": can_edit,
            "delete_form": DeleteForm(),
        },
    )


@login_required
def correct_dose(request, pk):
    dose = dose_or_404(request.user, pk, write=True)
    if dose.deleted_at:
        messages.error(request, _("Restore this injection before correcting it."))
        return redirect(dose_detail_url(dose))
    form = CorrectDoseForm(request.POST or None, instance=dose, regimen=dose.regimen)
    if request.method == "POST" and form.is_valid():
        values = form.dose_values()
        values["status"] = "given"
        values["skip_reason"] = ""
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


@login_required
def history(request):
    patient = require_patient(request.user)
    page = timeline_page(patient, request.GET.get("page"))
    return render(request, "doses/history.html", {"page": page})


@login_required
def checkin(request):
    patient = require_patient(request.user)
    form = CheckinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        entry, _created = actions.record_checkin(
            patient,
            request.user,
            token=form.cleaned_data["submission_token"],
            **form.entry_values(),
        )
        messages.success(request, _("Check-in saved."))
        return redirect("checkin_detail", pk=entry.pk)
    return render(
        request,
        "doses/checkin.html",
        {
            "form": form,
            "emergency": reference.urgent("emergency"),
            "same_day": reference.urgent("same_day"),
        },
    )


@login_required
def checkin_detail(request, pk):
    entry = checkin_or_404(request.user, pk)
    log_view(request, entry.patient, "a check-in")
    return render(
        request,
        "doses/checkin_detail.html",
        {
            "entry": entry,
            "emergency": reference.urgent("emergency"),
            "same_day": reference.urgent("same_day"),
        },
    )


@login_required
@require_GET
def export(request):
    """The patient downloads their whole record as JSON."""
    patient = require_patient(request.user)
    response = JsonResponse(export_patient(patient), json_dumps_params={"indent": 1})
    day = patient.today().isoformat()
    response["Content-Disposition"] = f'attachment; filename="b12-record-{day}.json"'
    return response
