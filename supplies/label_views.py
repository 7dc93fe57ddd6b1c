"""Photos of vial labels: the patient's page for a supply's label (the photo beside what the
plan says, the verdict, sending a new photo), the photo itself (for the patient and their care
team only, never cached, logged as a look at the record), and the care team's page that checks
the labels against the prescription (its clinicians' and pharmacists'; a pharmacist gives the
verdict from their patient page, clinic/views/pharmacy.py, and comes back to it)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.access import log_view
from regimens.models import current_regimen

from . import labels, wording
from .access import (
    can_verify_labels,
    label_checker_patient_or_404,
    label_photo_or_404,
    supply_or_404,
)
from .label_forms import LabelPhotoForm, VerdictForm
from .models import LabelPhoto, Supply
from .photos import PhotoRefused


def prescription(regimen) -> dict | None:
    """What the plan says, to read the label against: product, strength, dose, volume."""
    if regimen is None:
        return None
    phase = regimen.current_phase
    dose = phase.dose_mcg if phase else None
    return {
        "medication": regimen.get_medication_display(),
        "strength": regimen.concentration_mcg_per_ml,
        "dose_mcg": dose,
        "volume_ml": regimen.volume_ml(dose) if dose else None,
    }


@login_required
def supply_label(request, pk):
    supply = supply_or_404(request.user, pk)
    log_view(request, supply.patient, "vial labels")  # a carer's look at the verdicts
    posted = request.method == "POST"
    form = LabelPhotoForm(request.POST, request.FILES) if posted else LabelPhotoForm()
    if posted and supply.deleted_at is not None:
        messages.error(request, _("Restore this supply before sending a photo of its label."))
        return redirect("supplies")
    if posted and form.is_valid():
        try:
            labels.attach_photo(supply, request.user, form.cleaned_data["photo"])
        except PhotoRefused as exc:
            form.add_error("photo", str(exc))
        else:
            messages.success(
                request, _("Photo saved. Your care team can now check it against your plan.")
            )
            return redirect("supply_label", pk=supply.pk)
    photos = list(supply.label_photos.select_related("verdict_by"))
    return render(
        request,
        "supplies/label.html",
        {
            "supply": supply,
            "description": wording.describe(supply),
            "photo": next((p for p in photos if p.replaced_at is None), None),
            "earlier": [p for p in photos if p.replaced_at is not None],
            "plan": prescription(current_regimen(supply.patient)),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
@never_cache
def label_photo(request, pk):
    photo = label_photo_or_404(request.user, pk)
    log_view(request, photo.patient, "vial label photo")
    try:
        handle = photo.image.open("rb")
    except OSError:
        raise Http404("The photo's file is missing") from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


def _prefix(photo: LabelPhoto) -> str:
    """The verdict form's prefix on the clinicians' page: one form per supply or regimen."""
    if photo.supply_id is None:
        return f"label-regimen-{photo.regimen_id}"
    return f"label-{photo.supply_id}"


def _labels_page(request, patient, forms=None, status=200):
    supplies = Supply.objects.filter(patient=patient, deleted_at__isnull=True).order_by(
        "expires_on", "pk"
    )
    forms = forms or {}
    regimen = current_regimen(patient)
    current, setup = labels.shown_photos(supplies, regimen)
    rows = [
        {"supply": supply, "description": wording.describe(supply), "photo": current.get(supply.pk)}
        for supply in supplies
    ]
    if setup is not None:  # the photo sent with the prescription at set-up, first
        rows.insert(
            0, {"supply": None, "description": labels.describe_photo(setup), "photo": setup}
        )
    for row in rows:
        key = _prefix(row["photo"]) if row["photo"] else f"label-{row['supply'].pk}"
        row["form"] = forms.get(key) or VerdictForm(prefix=key)
    return render(
        request,
        "supplies/patient_labels.html",
        {
            "patient": patient,
            "rows": rows,
            "plan": prescription(regimen),
            "can_verify": can_verify_labels(request.user, patient),
            "back": _back(request.user),
        },
        status=status,
    )


def _back(user) -> str:
    """The page the labels belong to: a clinician's record of the patient, a pharmacist's
    patient page."""
    return "pharmacy_patient" if user.is_pharmacist else "patient_record"


@login_required
@require_GET
def patient_labels(request, patient_id):
    patient = label_checker_patient_or_404(request.user, patient_id)
    log_view(request, patient, "vial labels")
    return _labels_page(request, patient)


@login_required
@require_POST
def label_verdict(request, patient_id, pk):
    patient = label_checker_patient_or_404(request.user, patient_id)
    if not can_verify_labels(request.user, patient):
        raise Http404("Only the care team checks labels")
    try:
        photo = LabelPhoto.objects.select_related("supply", "regimen").get(pk=pk, patient=patient)
    except LabelPhoto.DoesNotExist:
        raise Http404("No such photo") from None
    form = VerdictForm(request.POST, prefix=_prefix(photo))
    if form.is_valid():
        try:
            labels.give_verdict(
                photo, request.user, form.cleaned_data["verdict"], form.cleaned_data["note"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Verdict saved for %(supply)s.") % {"supply": labels.describe_photo(photo)},
            )
        if request.user.is_pharmacist:
            return redirect("pharmacy_patient", patient_id=patient.pk)
        return redirect("patient_labels", patient_id=patient.pk)
    return _labels_page(request, patient, {_prefix(photo): form}, status=400)
