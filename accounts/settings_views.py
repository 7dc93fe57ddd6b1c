"""The signed-in user's account page (name, time zone, links to the password and data pages)
and the page shown once the account is deleted (the deletion itself is records/views.py, since a
patient's account goes with their record)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from . import second_factor
from .carer_views import carer_memberships
from .forms import AccountSettingsForm, time_zone_names

ACCOUNT_FIELDS = ["name", "time_zone", "language"]


@require_POST
def choose_language(request):
    """The language switcher of the sign-in and sign-up pages (and anyone's footer): Django's
    own view sets the language cookie and goes back to `next` (a page of this site only); a
    signed-in user's choice is also saved on their account, so their emails follow it."""
    response = set_language(request)
    code = request.POST.get("language", "")
    if request.user.is_authenticated and code in dict(settings.LANGUAGES):
        request.user.language = code
        request.user.save(update_fields=["language"])
    return response


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
            # A carer's people, each with whether their reminder emails are copied to them.
            "carer_memberships": carer_memberships(user) if user.is_carer else [],
        },
    )


@require_GET
def account_deleted(request):
    return render(request, "accounts/deleted.html")
