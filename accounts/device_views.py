"""Signing in with "Keep me signed in on this device", and the signed-in devices page with
"Sign out everywhere else" and signing out one device (accounts/devices.py)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from . import devices
from .forms import SignInForm


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.cleaned_data.get("remember"):
            devices.remember(self.request)
        # A language chosen on the sign-in page becomes the account's, unless it has one:
        # then the emails sent to them are in it too.
        chosen = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        user = form.get_user()
        if not user.language and chosen in dict(settings.LANGUAGES):
            user.language = chosen
            user.save(update_fields=["language"])
            translation.activate(chosen)
        return response


@login_required
@require_GET
def signed_in_devices(request):
    return render(
        request,
        "accounts/devices.html",
        {
            "devices": devices.signed_in_devices(request.user, request.session.session_key),
            "remember_days": devices.remember_seconds() // (24 * 60 * 60),
        },
    )


@login_required
@require_POST
def sign_out_everywhere_else(request):
    ended = devices.sign_out(request.user, keep_key=request.session.session_key)
    messages.success(
        request,
        ngettext(
            "Signed out on %(count)d other device.",
            "Signed out on %(count)d other devices.",
            ended,
        )
        % {"count": ended},
    )
    return redirect("signed_in_devices")


@login_required
@require_POST
def sign_out_device(request, pk):
    if not devices.sign_out(request.user, only=pk, keep_key=request.session.session_key):
        raise Http404
    messages.success(request, _("That device is signed out."))
    return redirect("signed_in_devices")
