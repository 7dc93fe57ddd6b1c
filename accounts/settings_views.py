"""The signed-in user's account page (name, time zone, links to the password and data pages)
and deleting the account (accounts/deletion.py)."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from . import second_factor
from .deletion import delete_account
from .forms import AccountSettingsForm, DeleteAccountForm, time_zone_names

ACCOUNT_FIELDS = ["name", "time_zone", "language"]


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request):
    user = request.user
    form = AccountSettingsForm(request.POST if request.method == "POST" else None, instance=user)
    if form.is_bound and form.is_valid():
        # Only these columns: the record version and the rest of the row are others' to
        # change meanwhile. The care-team rows' copy of the name follows (doses/triage.py).
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


@login_required
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def delete_account_view(request):
    user = request.user
    if not (user.is_patient or user.is_clinician):
        raise Http404("Admins' accounts are managed in the admin")
    form = DeleteAccountForm(
        request.POST if request.method == "POST" else None, user=user, request=request
    )
    if form.is_bound and form.is_valid():
        delete_account(user)
        logout(request)
        return redirect("account_deleted")
    return render(request, "accounts/delete.html", {"form": form})


@require_GET
def account_deleted(request):
    return render(request, "accounts/deleted.html")
