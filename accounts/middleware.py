"""Per-request behaviour for signed-in users: their time zone and language, idle sessions
ending, and no copies of their pages kept in caches."""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone, translation

from . import devices


class UserTimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.zone)
        else:
            timezone.deactivate()
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in user who chose a language (My account) gets it, whatever the browser asks
    for; otherwise LocaleMiddleware's choice stands. After LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


RENEW_EVERY = 60  # seconds


def _stamp(session) -> None:
    session["renewed_at"] = int(time.time())


class IdleSessionMiddleware:
    """A signed-in session ends after SESSION_COOKIE_AGE seconds without a request. Activity
    renews the expiry, but at most once a minute, so that most requests write nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            renewed = request.session.get("renewed_at")
            if renewed is None or time.time() - renewed >= RENEW_EVERY:
                _stamp(request.session)  # a modified session is saved with a new expiry
        return self.get_response(request)


@receiver(user_logged_in)
def stamp_new_session(sender, request, user, **kwargs):
    """The new session's renewal stamp, and its row in the user's signed-in devices."""
    if request is not None and hasattr(request, "session"):
        _stamp(request.session)
        devices.record_sign_in(request, user)


NO_STORE = "private, no-store"


class NoStoreMiddleware:
    """Pages for a signed-in user, and every download, show health data or a secret (the
    calendar address): no browser or shared cache keeps a copy. A view that set its own
    Cache-Control keeps it. Static files (WhiteNoise answers them earlier) and the anonymous
    pages are not touched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or response.has_header("Content-Disposition"):
            response["Cache-Control"] = NO_STORE
        return response
