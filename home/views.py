"""The patient's home and the injection form it opens: pages that put together what several
apps hold (the dashboard and the dose form from doses, the run-out line and the lot in use from
supplies), so they sit above both."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe

from accounts.access import acting_patient, log_view
from accounts.offline import offline_copy
from doses import freshness
from doses.dashboard import build_dashboard
from doses.models import DoseLog
from doses.views.common import dose_form_submission, warn_of_allergy_signs
from doses.views.patient import logged_message, regimen_or_404, with_undo
from supplies import forecast, labels
from timeline import series


def patient_home(request):
    """The whole page is stored, and served with no template drawn. Measured (bench/
    speedups.py, docs/performance.md): drawing the page around the cached body takes 1.7 times
    as long (2.09 against 1.19 ms of server CPU time, 10 of 10 rounds).

    The body is a `{% cache %}` fragment (templates/home/home.html) under the patient's
    record version (doses/freshness.py); the dashboard's queries run only when it is drawn.
    Where the page itself is stored, the view reads and stores the body under the tag's key.
    The page around it is stored under page_key(), drawn with a stand-in for the form token
    that each request replaces with its own. A page with a message on it (after logging an
    injection, say) is drawn afresh around the cached body, and not stored."""
    patient = acting_patient(request)
    carer = request.user.pk != patient.pk
    if carer:
        log_view(request, patient, "home")
    context = {
        "board": SimpleLazyObject(lambda: _board(patient)),
        # The small chart's data as tables beside it, read only when the chart is drawn (two
        # queries: the last six months' check-ins and injections), and kept for its image.
        "chart_tables": SimpleLazyObject(lambda: series.compact_symptoms(patient).tables()),
        # A carer's body leaves out the patient's own links (their record, their care team):
        # kept apart from the patient's under its own key.
        "home_key": freshness.home_key(patient) + (":carer" if carer else ""),
        "patient": patient,
        "for_carer": carer,
        "cache_seconds": freshness.HOME_SECONDS,
    }
    # A carer's page is drawn around the cached body each time: the page around it names the
    # carer and the people they switch between, which the patient's record version does not
    # follow.
    if carer or get_messages(request):
        return render(request, "home/home.html", context)
    # The page and its body are asked for together, and stored together: one round trip to a
    # shared cache each way, where the page's miss then the {% cache %} tag's took two each.
    key = freshness.page_key(patient)
    body_key = make_template_fragment_key("home", [context["home_key"]])  # the tag's own key
    found = cache.get_many([key, body_key])
    page = found.get(key)
    if page is None:
        context["csrf_token"] = freshness.CSRF_STANDIN  # read by {% csrf_token %}
        body = found.get(body_key)
        stored = {}
        if body is None:
            body = stored[body_key] = render_to_string("home/_home.html", context, request)
        context["body"] = mark_safe(body)  # noqa: S308  # nosec B308 B703 - a drawn template
        page = stored[key] = render_to_string("home/home.html", context, request=request)
        cache.set_many(stored, freshness.HOME_SECONDS)
    return HttpResponse(freshness.fill_in(page, request))


def _board(patient):
    board = build_dashboard(patient)
    if board.regimen is not None:  # its phases were loaded by the dashboard's upcoming()
        board.supplies = forecast.outlook(patient, board.regimen)
        if board.supplies.recorded:  # the care team's verdicts on their labels (one query)
            board.label_checks = labels.checked(item.supply for item in board.supplies.current)
    return board


@login_required
@offline_copy
def log_dose(request):
    patient = acting_patient(request, form=True)
    log_view(request, patient, "injection form")  # a carer's look at the lot in use
    regimen = regimen_or_404(patient)
    # One tap from the home: the form opens with the lot of the supply in use filled in too.
    initial = (
        {} if request.method == "POST" else {"lot_number": forecast.lot_in_use(patient, regimen)}
    )
    if request.method != "POST" and request.user.is_carer:  # the carer is giving it
        initial["administered_by"] = DoseLog.AdministeredBy.CARER
    form, dose = dose_form_submission(request, regimen, **initial)
    if dose is not None:
        warn_of_allergy_signs(request, dose)
        messages.success(request, with_undo(request, logged_message(dose), dose))
        return redirect("home")
    return render(request, "home/log_dose.html", {"form": form, "regimen": regimen})
