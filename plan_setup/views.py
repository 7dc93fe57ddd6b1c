""" "Set up my injections": a patient with no active regimen enters the one on their
prescription, step by step, and a care-team clinician confirms it.

The steps' answers are kept in the session, as submitted, and every step is checked again from
them before the next is shown and before saving, so nothing is saved until the review step's
Save, and nothing is saved from an answer that no longer holds. Going back to a step shows what
was entered there. The flow works without JavaScript: each step is a plain form.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import care_team, require_patient
from regimens import schedule, template_rules
from regimens.models import Medication, Regimen, RegimenTemplate, Route
from regimens.reference import site_name
from regimens.wording import describe_phase

from .forms import PhaseStep, PhaseSteps, ProductStep, ReviewStep, TemplateStep
from .plan import already_saved, plan_start, save_setup
from .started_forms import StartedStep

SESSION_KEY = "regimen_setup"
STEPS = ("template", "phases", "product", "started", "review")
TITLES = {
    "template": gettext_lazy("Choose your plan"),
    "phases": gettext_lazy("Check each phase"),
    "product": gettext_lazy("Your medicine and start date"),
    "started": gettext_lazy("Have you already started?"),
    "review": gettext_lazy("Review and save"),
}
NOT_SUBMITTED = ("csrfmiddlewaretoken", "step")


class Setup:
    """The steps' stored answers, checked in order."""

    def __init__(self, request, patient):
        self.request, self.patient = request, patient
        self.stored = request.session.get(SESSION_KEY, {})
        self.today = patient.today()
        self.template = None
        self.template_phases = []
        self.phase_values = []
        self.product = None
        self.started = None
        self.plan = None

    def data(self, step):
        raw = self.stored.get(step)
        return MultiValueDict(raw) if raw is not None else None

    def form(self, step, data=None, files=None):
        """The step's form, bound to `data` (and `files`: the review's label photo), or else to
        what was entered before."""
        data = data if data is not None else self.data(step)
        if step == "template":
            return TemplateStep(data)
        if step == "phases":
            return PhaseSteps(
                data,
                prefix="phase",
                count=len(self.template_phases),
                initial=[PhaseStep.initial_from(p.phase_values()) for p in self.template_phases],
            )
        if step == "product":
            return ProductStep(
                data,
                today=self.today,
                initial=ProductStep.initial_from(self.template, self.today),
            )
        if step == "started":
            return StartedStep(
                data,
                phase_values=self.phase_values,
                phase_names=[
                    (str(i), f"{i + 1}. {p.label}") for i, p in enumerate(self.template_phases)
                ],
                route=self.product["route"],
                start=self.product["start_date"],
                today=self.today,
                now=self.patient.local_now().time(),
            )
        return ReviewStep(data, files)

    def accept(self, step, form) -> None:
        """What a valid step's form tells the steps after it."""
        if step == "template":
            self.template = form.cleaned_data["template"]
            self.template_phases = list(self.template.phases.all())
        elif step == "phases":
            self.phase_values = [f.values for f in form.forms]
        elif step == "product":
            self.product = form.cleaned_data
        elif step == "started":
            self.started = form.cleaned_data
            self.plan = form.plan or plan_start(self.product["start_date"], self.phase_values)

    def first_unanswered(self, upto: str) -> str | None:
        """The first step before `upto` with no valid answer, or None when all are answered."""
        for step in STEPS[: STEPS.index(upto)]:
            data = self.data(step)
            if data is None:
                return step
            form = self.form(step, data)
            if not form.is_valid():
                return step
            self.accept(step, form)
        return None

    def store(self, step, post) -> None:
        answers = {k: post.getlist(k) for k in post if k not in NOT_SUBMITTED}
        if step == "template" and self.stored.get("template") != answers:
            # Another plan: the phases entered for the last one do not apply to it. The
            # answers after them stay, shown again (and checked) on the way to the review.
            self.stored.pop("phases", None)
        self.stored[step] = answers
        self.request.session[SESSION_KEY] = self.stored


def _step_url(step: str) -> str:
    return f"{reverse('regimen_setup')}?step={step}"


def _saved_message(regimen: Regimen) -> str:
    if regimen.next_due:
        return _("Your injection plan is saved. Next injection due %(day)s.") % {
            "day": date_format(regimen.next_due, "l j F Y")
        }
    return _("Your injection plan is saved. Nothing more is due.")


@login_required
def setup(request):
    patient = require_patient(request.user)
    step = (request.POST if request.method == "POST" else request.GET).get("step")
    step = step if step in STEPS else "template"
    if request.method == "POST" and step == "review":
        # The same Save sent twice: the first made the regimen; answer as it was answered.
        try:
            saved = already_saved(patient, request.POST.get("submission_token"))
        except ValidationError:
            saved = None  # another patient's token: refused beside the form on saving
        if saved is not None:
            messages.success(request, _saved_message(saved))
            return redirect("home")
    if Regimen.objects.filter(patient=patient, status=Regimen.Status.ACTIVE).exists():
        return render(request, "plan_setup/setup_exists.html", status=200)
    wizard = Setup(request, patient)
    missing = wizard.first_unanswered(step)
    if missing is not None:
        return redirect(_step_url(missing))
    if request.method == "POST":
        form = wizard.form(step, request.POST, request.FILES)
        if step == "review":
            return _save(request, wizard, form)
        if form.is_valid():
            wizard.store(step, request.POST)
            return redirect(_step_url(STEPS[STEPS.index(step) + 1]))
    else:
        form = wizard.form(step)
    return _render(request, wizard, step, form)


def _save(request, wizard, form):
    # A refused photo is a form error (ReviewStep.clean_photo): nothing is saved then.
    if form.is_valid():
        photo = form.cleaned_data["photo"]
        try:
            regimen, created = save_setup(
                wizard.patient,
                wizard.template,
                wizard.phase_values,
                wizard.product,
                wizard.plan,
                token=form.cleaned_data["submission_token"],
                label_photo=photo,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session.pop(SESSION_KEY, None)
            messages.success(request, _saved_message(regimen))
            if created and photo is not None:
                messages.success(
                    request, _("Photo saved. Your care team can now check it against your plan.")
                )
            return redirect("home")
    return _render(request, wizard, "review", form)


def _render(request, wizard, step, form):
    context = {
        "step": step,
        "steps": [(name, TITLES[name]) for name in STEPS],
        "number": STEPS.index(step) + 1,
        "title": TITLES[step],
        "form": form,
        "wizard": wizard,
    }
    if step == "template":
        chosen = form["template"].value()
        context["templates"] = _template_choices(wizard.patient)
        context["chosen"] = str(chosen) if chosen else ""
    elif step == "phases":
        context["phase_rows"] = list(zip(wizard.template_phases, form.forms, strict=False))
    elif step == "review":
        context.update(_review(wizard))
    return render(request, f"plan_setup/setup_{step}.html", context)


def _without_clinician(patient) -> bool:
    return not care_team(patient).exists()


def _template_choices(patient) -> list[tuple]:
    """The published templates, each with its phases in words and whether to tell this
    patient that a clinician moves them on from an open-ended phase (rule 6) while they have
    none on their care team (asked once, and only if a template has such a phase)."""
    rows, alone = [], None
    for template in RegimenTemplate.objects.available().prefetch_related("phases"):
        phases = list(template.phases.all())
        values = [phase.phase_values() for phase in phases]
        needs_clinician = template_rules.open_before_last(values)
        if needs_clinician and alone is None:
            alone = _without_clinician(patient)
        rows.append(
            (
                template,
                [(phase, describe_phase(v)) for phase, v in zip(phases, values, strict=True)],
                needs_clinician and alone,
            )
        )
    return rows


def _review(wizard) -> dict:
    plan, phases = wizard.plan, wizard.template_phases
    upcoming = [(day, phases[index], wizard.phase_values[index]) for day, index in plan.upcoming()]
    first_status = schedule.status(plan.state.next_due, wizard.today)
    return {
        "phases": [
            (phase, describe_phase(values))
            for phase, values in zip(phases, wizard.phase_values, strict=True)
        ],
        "product": wizard.product,
        # Each injection with its site in words ("site not recorded" when none was given).
        "injections": [
            (i, phases[i.phase], site_name(i.site) if i.site else _("site not recorded"))
            for i in plan.injections
        ],
        "advanced_to": phases[plan.injections[-1].phase] if plan.advances else None,
        "upcoming": upcoming,
        "first_status": first_status,
        # The first injection would already be late and no earlier one was entered.
        "starts_late": first_status[0] == "overdue" and not plan.injections,
        "medication": Medication(wizard.product["medication"]).label,
        "needs_clinician": template_rules.open_before_last(wizard.phase_values)
        and _without_clinician(wizard.patient),
        "route": Route(wizard.product["route"]).label,
    }
