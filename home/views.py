"""The patient's home and the injection form it opens: pages that put together what several
apps hold (the dashboard and the dose form from doses, the run-out line and the lot in use from
supplies), so they sit above both."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject

from accounts.access import require_patient
from doses import freshness
from doses.dashboard import build_dashboard
from doses.views.common import dose_form_submission, warn_of_allergy_signs
from doses.views.patient import logged_message, regimen_or_404, with_undo
from supplies import stock


def patient_home(request):
    """The page is drawn on every request; its body is a `{% cache %}` fragment keyed on the
    patient's record version (doses/freshness.py), so on a hit it costs no query beyond the
    session and the user. The dashboard's queries run only when the fragment is drawn."""
    patient = require_patient(request.user)
    context = {
        "board": SimpleLazyObject(lambda: _board(patient)),
        "home_key": freshness.home_key(patient),
        "cache_seconds": freshness.HOME_SECONDS,
    }
    return render(request, "doses/home.html", context)


def _board(patient):
    board = build_dashboard(patient)
    if board.regimen is not None:  # its phases were loaded by the dashboard's upcoming()
        board.supplies = stock.outlook(patient, board.regimen)
    return board


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
