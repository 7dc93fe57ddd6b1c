"""The clinician's regimen actions on a care-team patient: prescribe, switch, advance an open
phase, change a phase from now on, end. Each goes through regimens/actions.py."""

from itertools import zip_longest

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.access import clinician_patient_or_404, log_view

from . import actions
from .forms import (
    ChangePhaseForm,
    LabReviewForm,
    PhaseOverrides,
    PrescribeForm,
    ReasonForm,
)
from .models import PHASE_FIELDS, EndRule, Phase, Regimen, RegimenTemplate, current_regimen
from .wording import describe_end


def _active_or_404(patient) -> Regimen:
    regimen = current_regimen(patient)
    if regimen is None or regimen.status != Regimen.Status.ACTIVE:
        raise Http404("No active regimen")
    return regimen


def _record(patient):
    return redirect("patient_record", patient_id=patient.pk)


def _template_phases(template):
    """Each phase's values, and how it ends in words ("for 7 doses", "ends when advanced")."""
    if template is None:
        return []
    phases = [{name: getattr(p, name) for name in PHASE_FIELDS} for p in template.phases.all()]
    for values in phases:
        opens = values["end_rule"] == EndRule.OPEN
        values["ends"] = _("ends when advanced") if opens else describe_end(values)
    return phases


@login_required
def prescribe(request, patient_id):
    """Prescribe from a template, or switch the active regimen to one (same form)."""
    patient = clinician_patient_or_404(request.user, patient_id)
    log_view(request, patient, "prescribing form")
    current = current_regimen(patient)
    switching = current is not None and current.is_active
    chosen = None
    template_id = request.POST.get("template") or request.GET.get("template")
    if template_id:
        # An id that is not a number, or no published template's, chooses none: the page
        # asks for one again.
        template_id = int(template_id) if template_id.isdecimal() and len(template_id) < 10 else 0
        chosen = RegimenTemplate.objects.available().filter(pk=template_id).first()
        if chosen is None:
            messages.error(request, _("Choose one of the templates listed."))
    phases = _template_phases(chosen)
    if request.method == "POST" and chosen and "confirm" in request.POST:
        form = PrescribeForm(request.POST)
        overrides = PhaseOverrides(request.POST, prefix="phase", count=len(phases))
        if form.is_valid() and overrides.is_valid():
            data = form.cleaned_data
            options = {
                "concentration": data["concentration_mcg_per_ml"],
                "route": data["route"] or None,
                "phase_overrides": {
                    phases[i]["order"]: {
                        k: v for k, v in f.cleaned_data.items() if v != phases[i][k]
                    }
                    for i, f in enumerate(overrides.forms)
                },
            }
            try:
                if switching:
                    actions.switch_regimen(
                        current,
                        chosen,
                        data["start_date"],
                        request.user,
                        reason=data["reason"],
                        **options,
                    )
                else:
                    actions.prescribe(
                        patient,
                        chosen,
                        data["start_date"],
                        request.user,
                        reason=data["reason"],
                        **options,
                    )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s prescribed from %(day)s.")
                    % {"name": chosen.name, "day": date_format(data["start_date"], "j F Y")},
                )
                return _record(patient)
    else:
        form = PrescribeForm(initial={"template": chosen})
        overrides = PhaseOverrides(initial=phases, prefix="phase", count=len(phases))
    return render(
        request,
        "regimens/prescribe.html",
        {
            "patient": patient,
            "form": form,
            "overrides": overrides,
            "chosen": chosen,
            "phase_rows": list(zip(phases, overrides.forms, strict=False)),
            "templates": RegimenTemplate.objects.available(),
            "switching": switching,
            "current": current,
        },
    )


def _reason_action(request, patient_id, *, words, audit, perform, done, title):
    """A regimen action that needs only a reason: confirm, perform, back to the record.
    `words` holds what the page says: `explains` (what will happen), `button`, and `danger`
    for an action that stops something."""
    patient = clinician_patient_or_404(request.user, patient_id)
    regimen = _active_or_404(patient)
    log_view(request, patient, audit)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            perform(regimen, request.user, form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, done)
            return _record(patient)
    return render(
        request,
        "regimens/confirm.html",
        {
            "patient": patient,
            "regimen": regimen,
            "form": form,
            "title": title(regimen),
            **words,
        },
    )


@login_required
def advance(request, patient_id):
    return _reason_action(
        request,
        patient_id,
        words={
            "explains": _(
                "The next phase's first dose will be due one interval of the next phase after "
                "the last injection (or, with none yet, from today)."
            ),
            "button": _("Advance phase"),
        },
        audit="phase advance form",
        perform=actions.advance_phase,
        done=gettext_lazy("Moved on to the next phase."),
        title=lambda regimen: (
            _("Advance from “%(label)s”") % {"label": regimen.current_phase.label}
        ),
    )


@login_required
def end(request, patient_id):
    return _reason_action(
        request,
        patient_id,
        words={
            "explains": _(
                "Ending the regimen stops all due dates. Past injections stay on the record."
            ),
            "button": _("End regimen"),
            "danger": True,
        },
        audit="regimen end form",
        perform=actions.end_regimen,
        done=gettext_lazy("Regimen ended. Nothing more is due."),
        title=lambda regimen: _("End “%(name)s”") % {"name": regimen.name},
    )


@login_required
def change_phase(request, patient_id, phase_id):
    """Change a phase from now on. The first submission shows the next five due dates as they
    are and as they would be; only the confirming one (the same values) saves."""
    patient = clinician_patient_or_404(request.user, patient_id)
    regimen = _active_or_404(patient)
    phase = get_object_or_404(Phase, pk=phase_id, regimen=regimen)
    log_view(request, patient, "phase change form")
    # The form works on its own copy: the page keeps showing the phase as it stands.
    form = ChangePhaseForm(request.POST or None, instance=Phase.objects.get(pk=phase.pk))
    preview = None
    if request.method == "POST" and form.is_valid():
        unchanged = all(getattr(phase, name) == value for name, value in form.changes().items())
        if unchanged:
            form.add_error(None, _("Nothing changed."))
        elif request.POST.get("confirm") != "yes":
            before, after = actions.change_preview(phase, form.changes(), patient.today())
            preview = {"before": before, "after": after, "rows": zip_longest(before, after)}
        else:
            try:
                actions.change_phase(
                    phase, request.user, form.cleaned_data["reason"], **form.changes()
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                regimen.refresh_from_db()
                phase.refresh_from_db()
                due = (
                    " "
                    + _("Next injection due %(day)s.")
                    % {"day": date_format(regimen.next_due, "l j F Y")}
                    if regimen.next_due
                    else ""
                )
                messages.success(
                    request,
                    _("Phase changed from now on (%(label)s).") % {"label": phase.label} + due,
                )
                return _record(patient)
    return render(
        request,
        "regimens/change_phase.html",
        {
            "patient": patient,
            "regimen": regimen,
            "phase": phase,
            "form": form,
            "preview": preview,
        },
    )


@login_required
def lab_review(request, patient_id):
    """Set when the next blood test is due (shown on the patient's home and the list)."""
    patient = clinician_patient_or_404(request.user, patient_id)
    regimen = _active_or_404(patient)
    log_view(request, patient, "lab review form")
    form = LabReviewForm(request.POST or None, initial={"on": regimen.next_lab_review})
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_lab_review(
                regimen, request.user, form.cleaned_data["on"], form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Next lab review saved."))
            return _record(patient)
    return render(
        request,
        "regimens/lab_review.html",
        {
            "patient": patient,
            "regimen": regimen,
            "form": form,
        },
    )


@login_required
@require_POST
def confirm(request, patient_id):
    """A care-team clinician confirms the regimen the patient entered."""
    patient = clinician_patient_or_404(request.user, patient_id)
    regimen = Regimen.objects.filter(patient=patient, status=Regimen.Status.ACTIVE).first()
    if regimen is None:
        raise Http404("No active regimen")
    try:
        actions.confirm_entry(regimen, request.user)
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Regimen confirmed. The patient sees that you confirmed it."))
    return redirect("patient_record", patient_id=patient.pk)
