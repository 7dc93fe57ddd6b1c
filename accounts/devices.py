"""Signed-in devices: "Keep me signed in on this device" and the list under My account.

A patient who ticks the box at sign-in gets a session of REMEMBER_DAYS (DJANGO_REMEMBER_DAYS)
instead of the idle timeout; like every session it is a cookie of that one browser, renewed by
use (accounts.middleware.IdleSessionMiddleware), so it ends REMEMBER_DAYS after the last visit.
Clinicians and admins keep the idle timeout whatever they post.

Each sign-in leaves a SignedInDevice row (user agent, time, whether remembered). When the
device was last used is not written on each request: the session's expiry is pushed on by use,
so the last use is its expiry less its length.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import SignedInDevice

REMEMBERED = "remembered"  # the session key saying the user ticked the box


def remember_seconds() -> int:
    return settings.REMEMBER_DAYS * 24 * 60 * 60


def may_be_remembered(user) -> bool:
    """A patient, or a carer giving someone's injections at home, on their own phone."""
    return user.is_patient or user.is_carer


def record_sign_in(request, user) -> None:
    """The user has just signed in on this request's session."""
    session = request.session
    if not session.session_key:
        session.save()
    agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    SignedInDevice.objects.update_or_create(
        session_key=session.session_key,
        defaults={"user": user, "user_agent": agent, "signed_in_at": timezone.now()},
    )


def remember(request) -> None:
    """The box was ticked: a long session, for a patient or a carer only."""
    if not may_be_remembered(request.user):
        return
    request.session.set_expiry(remember_seconds())
    request.session[REMEMBERED] = True
    SignedInDevice.objects.filter(session_key=request.session.session_key).update(remembered=True)


# Tried in order; the first that matches names the browser or the system.
BROWSERS = [
    (r"EdgA?/", "Edge"),
    (r"OPR/|Opera", "Opera"),
    (r"SamsungBrowser/", "Samsung Internet"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"Chrome/|CriOS/|Chromium/", "Chrome"),
    (r"Safari/", "Safari"),
]
SYSTEMS = [
    (r"iPhone", "iPhone"),
    (r"iPad", "iPad"),
    (r"Android", "Android"),
    (r"CrOS", "ChromeOS"),
    (r"Windows", "Windows"),
    (r"Mac OS X|Macintosh", "Mac"),
    (r"Linux", "Linux"),
]


def _first(patterns, text) -> str | None:
    return next((name for pattern, name in patterns if re.search(pattern, text)), None)


def describe(user_agent: str) -> str:
    """Roughly what the device is: "Chrome on Android", "Safari on iPhone"."""
    browser = _first(BROWSERS, user_agent)
    system = _first(SYSTEMS, user_agent)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown browser")


@dataclass
class Device:
    pk: int
    name: str
    signed_in_at: datetime
    last_seen_at: datetime
    remembered: bool
    current: bool


def signed_in_devices(user, current_key: str | None) -> list[Device]:
    """The user's sessions that have not ended, newest first. Rows of ended sessions go."""
    rows = list(SignedInDevice.objects.filter(user=user))
    expiries = dict(
        Session.objects.filter(
            session_key__in=[row.session_key for row in rows], expire_date__gt=timezone.now()
        ).values_list("session_key", "expire_date")
    )
    ended = [row.pk for row in rows if row.session_key not in expiries]
    if ended:
        SignedInDevice.objects.filter(pk__in=ended).delete()
    devices = []
    for row in rows:
        if row.session_key not in expiries:
            continue
        length = remember_seconds() if row.remembered else settings.SESSION_COOKIE_AGE
        last_seen = max(row.signed_in_at, expiries[row.session_key] - timedelta(seconds=length))
        devices.append(
            Device(
                pk=row.pk,
                name=describe(row.user_agent),
                signed_in_at=row.signed_in_at,
                last_seen_at=last_seen,
                remembered=row.remembered,
                current=row.session_key == current_key,
            )
        )
    return devices


def sign_out(user, *, only=None, keep_key=None) -> int:
    """End the user's sessions: one (only=the row's pk) or all but keep_key's. How many."""
    rows = SignedInDevice.objects.filter(user=user)
    if only is not None:
        rows = rows.filter(pk=only)
    if keep_key:
        rows = rows.exclude(session_key=keep_key)
    keys = list(rows.values_list("session_key", flat=True))
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()
    rows.delete()
    return len(keys)
