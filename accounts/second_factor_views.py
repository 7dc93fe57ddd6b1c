"""The two-step sign-in pages (accounts/second_factor.py): the code asked after the password,
adding an authenticator app, and turning it off (for those whose role does not require it)."""

import math
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import verify_token

from . import second_factor
from .forms import ConfirmPasswordForm


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "autofocus": True}
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


class TurnOffForm(ConfirmPasswordForm):
    wrong_message = gettext_lazy(
        "That is not your password. Two-step sign-in is still on; try again."
    )


class NewCodesForm(ConfirmPasswordForm):
    wrong_message = gettext_lazy("That is not your password. Your recovery codes are unchanged.")


def _wait_in_words(device) -> str | None:
    """How long before the device checks another code, in words; None if it will now."""
    allowed, details = device.verify_is_allowed()
    if allowed or not details or "locked_until" not in details:
        return None
    seconds = max(1, math.ceil((details["locked_until"] - timezone.now()).total_seconds()))
    if seconds < 120:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def _check(form, user, device) -> bool:
    """Whether the device accepts the form's code, with the form's error when not; a device
    paused by wrong codes checks nothing (and counts nothing) until the pause is over."""
    wait = _wait_in_words(device)
    if wait:
        form.add_error(
            "code",
            _("Too many wrong codes: wait %(wait)s, then try again with a new code.")
            % {"wait": wait},
        )
        return False
    if verify_token(user, device.persistent_id, form.cleaned_data["code"]) is not None:
        return True
    device.refresh_from_db()
    wait = _wait_in_words(device)
    message = _("That code is not right.")
    if wait:
        message += " " + _("Wait %(wait)s before the next try.") % {"wait": wait}
    form.add_error("code", message)
    return False


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target.startswith("/") else "/"


@never_cache
@login_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def verify(request):
    """After the password: the code from the app, or one of the recovery codes."""
    user = request.user
    if not second_factor.needs_code(user):
        return redirect(_next(request))
    app = second_factor.confirmed_app(user) if user.second_factor else None
    if app is None:
        if user.second_factor:  # the flag outlived its app (changed by hand): it is off
            second_factor.remove(user)
        return redirect(f"{reverse('two_factor_setup')}?{urlencode({'next': _next(request)})}")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        code = form.cleaned_data["code"]
        # The app's codes are digits; recovery codes have letters too.
        device = app if len(code) == 6 and code.isdigit() else second_factor.recovery_device(user)
        if device is None:
            form.add_error("code", _("That code is not right."))
        elif _check(form, user, device):
            second_factor.passed(request, device)
            if device is not app:
                left = device.token_set.count()
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code; %(n)d is left.",
                        "You used a recovery code; %(n)d are left.",
                        left,
                    )
                    % {"n": left},
                )
            return redirect(_next(request))
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next(request)}
    )


@never_cache
@login_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def setup(request):
    """Add an authenticator app: scan the QR code (or type the key), confirm with a code, and
    see the recovery codes, once."""
    user = request.user
    if user.second_factor:
        if not user.is_verified():
            return redirect("two_factor_verify")
        messages.info(request, _("Two-step sign-in is already on for your account."))
        return redirect("account_settings")
    device = second_factor.pending_app(user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid() and _check(form, user, device):
        device.refresh_from_db()
        codes = second_factor.confirm_app(request, device)
        return render(
            request, "accounts/two_factor_codes.html", {"codes": codes, "next": _next(request)}
        )
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr": second_factor.qr_data_uri(device),
            "secret": second_factor.secret_text(device),
            "required": second_factor.is_required(user),
            "next": _next(request),
        },
    )


@never_cache
@login_required
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def turn_off(request):
    """Patients and carers turn it off with their password; for a role that requires it, only
    an admin can reset it (the Django admin's user list)."""
    user = request.user
    if second_factor.is_required(user):
        raise Http404("Two-step sign-in is required for this role")
    form = TurnOffForm(
        request.POST if request.method == "POST" else None, user=user, request=request
    )
    if form.is_bound and form.is_valid():
        second_factor.remove(user)
        second_factor.forget(request)
        messages.success(request, _("Two-step sign-in is off for your account."))
        return redirect("account_settings")
    return render(request, "accounts/two_factor_off.html", {"form": form, "on": user.second_factor})


@never_cache
@login_required
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def new_codes(request):
    """Ten new recovery codes, shown once, for the password; the earlier ones stop working."""
    user = request.user
    form = NewCodesForm(
        request.POST if request.method == "POST" and user.second_factor else None,
        user=user,
        request=request,
    )
    if form.is_bound and form.is_valid():
        codes = second_factor.new_recovery_codes(user)
        return render(
            request,
            "accounts/two_factor_codes.html",
            {"codes": codes, "next": reverse("account_settings"), "renewed": True},
        )
    return render(
        request, "accounts/two_factor_new_codes.html", {"form": form, "on": user.second_factor}
    )
