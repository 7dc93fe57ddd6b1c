"""The patient's home and the injection form it opens: pages that put together what several
apps hold (the dashboard and the dose form from doses, the run-out line and the lot in use from
supplies), so they sit above both."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from accounts.access import require_patient
from doses import freshness
from doses.dashboard import build_dashboard
from doses.views.common import dose_form_submission, warn_of_allergy_signs
from doses.views.patient import logged_message, regimen_or_404, with_undo
from supplies import stock

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
        if board.regimen is not None:  # its phases were loaded by the dashboard's upcoming()
            board.supplies = stock.outlook(patient, board.regimen)
        body = render_to_string("doses/_home.html", {"board": board}, request=request)
        # The body's forms (dismissing a plan change) take each request's own token.
        body = CSRF_FIELD.sub(rf"\g<1>{CSRF_STANDIN}\g<2>", body)
        cache.set(key, body, freshness.HOME_SECONDS)
    # The body is the project's own rendered (escaped) template; only the token goes in.
    page = body.replace(CSRF_STANDIN, get_token(request))
    return mark_safe(page)  # noqa: S308  # nosec B308 B703 - rendered template, token only


@login_required
def log_dose(request):
    patient = require_patient(request.user)
    regimen = regimen_or_404(patient)
    # One tap from the home: the form opens with the lot of the supply in use filled in too.
    initial = {} if request.method == "POST" else {"lot_number": stock.lot_in_use(patient, regimen)}
    form, dose = dose_form_submission(request, regimen, **initial)
    if dose is not None:
        warn_of_allergy_signs(request, dose)
        messages.success(request, with_undo(request, logged_message(dose), dose))
        return redirect("home")
    return render(request, "doses/log_dose.html", {"form": form, "regimen": regimen})
