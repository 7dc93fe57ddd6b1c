"""The signed-in user's account page (name, time zone, links to the password and data pages)
and the page shown once the account is deleted (the deletion itself is records/views.py, since a
patient's account goes with their record)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import second_factor
from .forms import AccountSettingsForm, time_zone_names

ACCOUNT_FIELDS = ["name", "time_zone", "language"]


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request):
    user = request.user
    form = AccountSettingsForm(request.POST if request.method == "POST" else None, instance=user)
    if form.is_bound and form.is_valid():
        # Only these columns: the record version and the rest of the row are others' to
        # change meanwhile. The care-team rows' copy of the name follows (clinic/triage.py).
        form.save(commit=False).save(update_fields=ACCOUNT_FIELDS)
        with user.in_own_language():  # the message in the language just chosen
            messages.success(request, _("Your account details are saved."))
        return redirect("account_settings")
    if form.is_bound:
        user.refresh_from_db(fields=ACCOUNT_FIELDS)  # the page around shows the saved
    return render(
        request,
        "accounts/settings.html",
        {
            "form": form,
            "time_zones": time_zone_names(),
            "two_factor_required": second_factor.is_required(user),
        },
    )


@require_GET
def account_deleted(request):
    return render(request, "accounts/deleted.html")
