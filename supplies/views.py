"""The patient's supplies: the list with what is left and when it runs out, and adding,
correcting, removing and restoring a supply (supplies/forecast.py says what is left and when it
runs out, supplies/actions.py makes the changes). Only the patient has these pages; anyone
else, or another patient's supply, is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import acting_patient, log_view
from doses.forms import DeleteForm
from regimens import reference
from regimens.models import current_regimen

from . import actions, forecast, labels, wording
from .access import supply_or_404
from .forms import CorrectSupplyForm, SupplyForm


def container_sizes() -> list:
    """Sizes from the reference products, offered as suggestions in the volume field."""
    sizes = {size for item in reference.regimens()["products"] for size in item["containers_ml"]}
    return sorted(sizes)


@login_required
def supplies(request):
    patient = acting_patient(request)
    log_view(request, patient, "supplies")  # a carer's look
    regimen = current_regimen(patient)
    outlook = forecast.outlook(patient, regimen, removed=True, versions=True)
    photos = labels.current_photos(item.supply for item in outlook.current)  # one query
    for item in outlook.current:
        item.supply.label = photos.get(item.supply.pk)
    return render(
        request,
        "supplies/supplies.html",
        {"outlook": outlook, "regimen": regimen, "delete_form": DeleteForm()},
    )


def _form_page(request, form, supply=None):
    return render(
        request,
        "supplies/supply_form.html",
        {"form": form, "supply": supply, "sizes": container_sizes()},
    )


@login_required
def supply_new(request):
    patient = acting_patient(request, form=True)
    form = SupplyForm(request.POST or None, patient=patient, regimen=current_regimen(patient))
    if request.method == "POST" and form.is_valid():
        try:
            supply, _created = actions.add_supply(
                patient,
                request.user,
                token=form.cleaned_data["submission_token"],
                **form.supply_values(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Supply added: %(supply)s.") % {"supply": wording.describe(supply)}
            )
            return redirect("supplies")
    return _form_page(request, form)


@login_required
def supply_correct(request, pk):
    supply = supply_or_404(request.user, pk)
    log_view(request, supply.patient, "supplies")  # a carer's look
    if supply.deleted_at:
        messages.error(request, _("Restore this supply before correcting it."))
        return redirect("supplies")
    form = CorrectSupplyForm(request.POST or None, instance=supply, patient=supply.patient)
    if request.method == "POST" and form.is_valid():
        try:
            _supply, changed = actions.correct_supply(
                supply, request.user, form.cleaned_data["reason"], **form.supply_values()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if changed:
                messages.success(request, _("Supply corrected. The previous values are kept."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("supplies")
    return _form_page(request, form, supply)


@login_required
@require_POST
def supply_delete(request, pk):
    supply = supply_or_404(request.user, pk)
    form = DeleteForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    actions.delete_supply(supply, request.user, reason)
    messages.warning(
        request,
        _("Supply removed: %(supply)s. Use “Undo” below to bring it back.")
        % {"supply": wording.describe(supply)},
    )
    return redirect("supplies")


@login_required
@require_POST
def supply_restore(request, pk):
    supply = supply_or_404(request.user, pk)
    actions.restore_supply(supply, request.user)
    messages.success(
        request, _("Supply restored: %(supply)s.") % {"supply": wording.describe(supply)}
    )
    return redirect("supplies")
