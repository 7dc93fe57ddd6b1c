"""Signing up as a patient: the form, "check your email", the emailed link, and asking for a
new link. Every request that names an address ends on the same "check your email" page, so that
nobody learns from these pages whether an address has an account."""

from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from . import signup
from .forms import ResendForm, SignupForm, time_zone_names
from .models import User
from .throttle import client_ip

BACKEND = "accounts.backends.UserBackend"


def throttled(request):
    minutes = int(signup.SIGNUP_WINDOW.total_seconds() // 60)
    return render(request, "accounts/signup_throttled.html", {"minutes": minutes}, status=429)


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup_form(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        accepted, may_email = signup.allowed(client_ip(request), data["email"])
        if not accepted:
            return throttled(request)
        signup.sign_up(
            name=data["name"],
            email=data["email"],
            password=data["password1"],
            time_zone=data["time_zone"],
            role=data["role"],
            may_email=may_email,
        )
        return redirect("signup_sent")
    return render(request, "accounts/signup.html", {"form": form, "time_zones": time_zone_names()})


@require_GET
def signup_sent(request):
    return render(request, "accounts/signup_sent.html")


@require_http_methods(["GET", "POST"])
def signup_resend(request):
    """A new confirmation link, for a link that expired or was used."""
    if request.user.is_authenticated:
        return redirect("home")
    form = ResendForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        accepted, may_email = signup.allowed(client_ip(request), form.cleaned_data["email"])
        if not accepted:
            return throttled(request)
        if may_email:
            signup.resend_to(form.cleaned_data["email"])
        return redirect("signup_sent")
    return render(request, "accounts/signup_resend.html", {"form": form})


def _user_from(uidb64):
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError):
        return None
    return User.objects.filter(pk=pk).first()


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def verify_email(request, uidb64, token):
    """The emailed link. Opening it asks the patient to confirm with the password they chose;
    only the button (a POST) with that password activates the account, signs the patient in
    and takes them home. Mail filters that open every link in a message to scan it therefore
    use up nothing, and a link sent to the owner of an address after someone else signed up
    with it opens nothing for that someone (accounts/signup.py)."""
    user = _user_from(uidb64)
    if user is not None and request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("home")  # opened again from the same browser: nothing to do
    wrong_password = False
    if request.method == "POST" and user is not None:
        try:
            if signup.verify(user, token, request.POST.get("password", "")[:4096]):
                login(request, user, backend=BACKEND)
                return redirect("home")
        except signup.WrongPassword:
            wrong_password = True
    if user is not None and signup.link_works(user, token):
        return render(
            request,
            "accounts/verify_confirm.html",
            {"name": user.name, "wrong_password": wrong_password},
        )
    return render(request, "accounts/verify_failed.html", {"form": ResendForm()})
