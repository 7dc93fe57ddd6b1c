"""What the patient's and the clinician's injection forms share."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from doses import actions
from doses.dashboard import site_last_used, suggest_site
from doses.forms import DoseForm


def dose_form_submission(request, regimen, **initial):
    """The injection form for `regimen`: on GET prefilled from the current phase (dose, route,
    least recently used site, now in the viewer's zone); on POST validated and logged.
    Returns (form, dose): dose is the logged injection, or None when there is none yet."""
    if request.method != "POST":
        phase = regimen.current_phase
        patient = regimen.patient
        defaults = {
            "administered_at": timezone.localtime().replace(second=0, microsecond=0),
            "dose_mcg": phase.dose_mcg if phase else None,
            "route": regimen.route,
            "site": suggest_site(regimen.route, site_last_used(patient, regimen.route)),
        }
        return DoseForm(regimen=regimen, initial={**defaults, **initial}), None
    form = DoseForm(request.POST, regimen=regimen)
    if not form.is_valid():
        return form, None
    try:
        # A repeated submission returns the first injection: it is answered like the first.
        dose, _created = actions.log_dose(
            regimen,
            request.user,
            token=form.cleaned_data["submission_token"],
            **form.dose_values(),
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return form, None
    return form, dose
