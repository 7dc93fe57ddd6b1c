"""Two-step sign-in, on django-otp: an authenticator app (TOTPDevice) and ten one-time recovery
codes (a StaticDevice's tokens).

After the password, a user with a confirmed app (User.second_factor) can use nothing but the
code page until the session passes a code; a user whose role is in TWO_FACTOR_REQUIRED_ROLES
and has none is sent to add one first. django-otp's OTPMiddleware marks a session that passed
a code (request.user.is_verified()): that costs one query per request (the device), only for
sessions of users who have a device; everyone else's pages cost what they did.
"""

import base64
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

RECOVERY_CODES = 10
APP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def is_required(user) -> bool:
    return user.role in settings.TWO_FACTOR_REQUIRED_ROLES


def needs_code(user) -> bool:
    """The signed-in user may not go on until this session passes a second factor."""
    return (user.second_factor or is_required(user)) and not user.is_verified()


def confirmed_app(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def pending_app(user) -> TOTPDevice:
    """The app being added: the same key until it is confirmed, so that reloading the page
    shows the same QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The key as an app asks for it when typed in: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code, for an <img> (the CSP allows data: images)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


@transaction.atomic
def confirm_app(request, device: TOTPDevice) -> list[str]:
    """The user typed a right code from the new app: it becomes their second factor, with new
    recovery codes (returned, to be shown once), and this session has passed it."""
    user = device.user
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = new_recovery_codes(user)
    User.objects.filter(pk=user.pk).update(second_factor=True)
    user.second_factor = True
    request.user.second_factor = True
    otp_login(request, device)
    return codes


def new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def remove(user) -> None:
    """Turn two-step sign-in off for the user: their app and recovery codes are gone."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(second_factor=False)
    user.second_factor = False


def passed(request, device) -> None:
    """The session passed a code: a new session key, marked as verified by the device."""
    request.session.cycle_key()
    otp_login(request, device)


def forget(request) -> None:
    request.session.pop(DEVICE_ID_SESSION_KEY, None)


class SecondFactorMiddleware:
    """Sends a signed-in user whose session still needs a second factor to the code page (or,
    without an app, to adding one), whatever they asked for; signing out still works."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open = None

    def open_paths(self) -> tuple[str, ...]:
        if self._open is None:
            names = ["two_factor_verify", "two_factor_setup", "logout", "admin:logout", "health"]
            self._open = (*(reverse(name) for name in names), settings.STATIC_URL)
        return self._open

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and needs_code(user)
            and not request.path.startswith(self.open_paths())
        ):
            next_path = request.get_full_path() if request.method == "GET" else reverse("home")
            return redirect(reverse("two_factor_verify") + "?" + urlencode({"next": next_path}))
        return self.get_response(request)
