"""What the patient's and the clinician's injection forms share."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from doses import actions
from doses.forms import DoseForm
from doses.sites import site_chart
from regimens import reference
from symptoms import checkin_alerts

# The confirm button of an early or second dose (templates/doses/_timing_warning.html).
CONFIRM_FIELD, CONFIRM_VALUE = "confirm_timing", "yes"


def dose_form_submission(request, regimen, **initial):
    """The injection form for `regimen`: on GET prefilled from the current phase (dose, route,
    least recently used site, now in the viewer's zone); on POST validated and logged.
    Returns (form, dose): dose is the logged injection, or None when there is none yet."""
    if request.method != "POST":
        phase = regimen.current_phase
        # The sites' last use (one query) gives the suggested site and the picker's labels.
        chart = site_chart(regimen.patient)
        defaults = {
            "administered_at": timezone.localtime().replace(second=0, microsecond=0),
            "dose_mcg": phase.dose_mcg if phase else None,
            "route": regimen.route,
            "site": chart.suggested.get(regimen.route, ""),
        }
        form = DoseForm(regimen=regimen, initial={**defaults, **initial}, site_chart=chart)
        return form, None
    form = DoseForm(request.POST, regimen=regimen)
    if not form.is_valid():
        return form, None
    try:
        # A repeated submission returns the first injection: it is answered like the first.
        # An early or second dose that day comes back to be confirmed (doses/timing.py); the
        # confirming submission carries the same token, so a double click still records one.
        dose, _created = actions.log_dose(
            regimen,
            request.user,
            token=form.cleaned_data["submission_token"],
            confirmed=request.POST.get(CONFIRM_FIELD) == CONFIRM_VALUE,
            **form.dose_values(),
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return form, None
    except actions.UnusualTiming as unusual:
        form.timing = unusual.check
        return form, None
    return form, dose


def warn_of_allergy_signs(request, dose) -> None:
    """After an injection saved with allergy signs ticked: the emergency message again, on the
    page the person lands on, with the signs named and the number to call."""
    if not dose.allergy_signs:
        return
    messages.error(
        request,
        format_html(
            '<strong>{}</strong> {} <a class="btn btn-danger ms-1" href="{}" '
            'data-testid="emergency-call">{}</a>',
            reference.urgent("emergency"),
            _("Ticked: %(signs)s.")
            % {"signs": ", ".join(checkin_alerts.sign_names(dose.allergy_signs))},
            checkin_alerts.emergency_tel(),
            _("Call %(number)s now") % {"number": checkin_alerts.emergency_number()},
        ),
    )
