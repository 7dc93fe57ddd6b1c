"""Web Push: the VAPID keys, the notification's payload and its delivery to each device.

The keys come from the environment (DJANGO_VAPID_PUBLIC_KEY, DJANGO_VAPID_PRIVATE_KEY,
DJANGO_VAPID_SUBJECT; `manage.py vapid_keys` makes a pair). Without them push is off: nothing
is sent and the settings page says so.

A notification says no more than "B12 injection due" (or "B12 log reminder" for a check-in,
a blood test, a plan change or supplies running out) unless the patient chose to show what it
is about. The service worker (templates/reminders/sw.js) shows it with two actions: Taken
opens the log form, Snooze posts to the snooze address in the payload, which marks the ledger
rows to be sent again an hour later (reminders/sending.py).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from accounts.models import one_line

from .emails import absolute, subject_for
from .models import PushDevice, ReminderSent, ReminderSettings

if TYPE_CHECKING:
    from .sending import Batch, Reminder

Kind = ReminderSent.Kind
DOSE_KINDS = (Kind.DUE_SOON, Kind.DUE_TODAY, Kind.OVERDUE)
SNOOZE_SALT = "reminders.push.snooze"
SNOOZE_VALID_FOR = 7 * 24 * 3600  # seconds: a notification a week old cannot be snoozed
TIMEOUT = 10  # seconds per device: a cron run never hangs on one push service
TTL = 24 * 3600  # the push service keeps an undelivered notification a day
GONE = (404, 410)  # the subscription no longer exists: the device is removed


def enabled() -> bool:
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_key_pair() -> tuple[str, str]:
    """(public, private), base64url: the public key as the browser's applicationServerKey (an
    uncompressed P-256 point), the private key as its 32-byte number."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return _b64url(public), _b64url(private)


def snooze_token(rows: list[int], minutes: int = 60) -> str:
    """The signed address's token: the notification's ledger rows and how long to snooze."""
    return signing.dumps({"rows": sorted(rows), "minutes": minutes}, salt=SNOOZE_SALT)


def snoozed_rows(token: str) -> tuple[list[int], int] | None:
    """The ledger rows a snooze address names and the snooze in minutes, or None for a forged
    or stale one. A token from before the length was chosen (a bare list) snoozes an hour."""
    try:
        value = signing.loads(token, salt=SNOOZE_SALT, max_age=SNOOZE_VALID_FOR)
    except signing.BadSignature:
        return None
    if isinstance(value, list):
        value = {"rows": value, "minutes": 60}
    if not isinstance(value, dict):
        return None
    rows, minutes = value.get("rows"), value.get("minutes")
    if not isinstance(rows, list) or not all(isinstance(pk, int) for pk in rows):
        return None
    if minutes not in ReminderSettings.Snooze.values:
        return None
    return rows, minutes


def payload(
    batch: Batch, reminders: list[Reminder], rows: list[int], details: bool, snooze: int = 60
) -> dict:
    """What the service worker shows: the title, a body, where a tap goes, and the actions."""
    dose = any(r.kind in DOSE_KINDS for r in reminders)
    first = reminders[0]
    if details:
        title = one_line(subject_for(first, batch.today))
        body = "\n".join(one_line(subject_for(r, batch.today)) for r in reminders[1:])
    else:
        title = _("B12 injection due") if dose else _("B12 log reminder")
        body = _("Open the app to see more.")
    if dose:
        url = absolute("log_dose")
    elif first.kind == Kind.CHECKIN:
        url = absolute("checkin")
    elif first.kind == Kind.LAB_REVIEW:
        url = absolute("labs")
    elif first.kind == Kind.RUNNING_OUT:
        url = absolute("supplies")
    else:
        url = absolute("home")
    actions = []
    if dose:
        actions.append({"action": "taken", "title": _("Taken"), "url": absolute("log_dose")})
    length = ReminderSettings.Snooze(snooze).label
    actions.append({"action": "snooze", "title": _("Snooze %(length)s") % {"length": length}})
    return {
        "title": title,
        "body": body,
        "tag": "b12-reminder",
        "url": url,
        "actions": actions,
        "snooze_url": absolute("push_snooze", snooze_token(rows, snooze)),
    }


@dataclass
class Delivery:
    delivered: int = 0
    gone: int = 0
    errors: list[str] | None = None


def send(devices: list[PushDevice], data: dict) -> Delivery:
    """Send `data` to each device. A device the push service says is gone is deleted."""
    result = Delivery(errors=[])
    vapid = Vapid.from_string(settings.VAPID_PRIVATE_KEY)
    text = json.dumps(data)
    for device in devices:
        try:
            webpush(
                device.subscription,
                text,
                vapid_private_key=vapid,
                vapid_claims={"sub": settings.VAPID_SUBJECT},
                timeout=TIMEOUT,
                ttl=TTL,
            )
        except WebPushException as exc:
            status = getattr(exc.response, "status_code", None)
            if status in GONE:
                PushDevice.objects.filter(pk=device.pk).delete()
                result.gone += 1
            else:
                result.errors.append(f"{device.name or 'device'}: {status or exc.message}")
        except Exception as exc:  # noqa: BLE001 - an unreachable service fails this device only
            result.errors.append(f"{device.name or 'device'}: {type(exc).__name__}")
        else:
            result.delivered += 1
            PushDevice.objects.filter(pk=device.pk).update(last_success_at=timezone.now())
    return result


def device_name(user_agent: str) -> str:
    """ "Chrome on Android", from a User-Agent header; "" when it says nothing we know."""
    browsers = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome")]
    systems = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "Mac"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    browser = next((name for mark, name in browsers if mark in user_agent), "")
    if not browser and "Safari/" in user_agent:
        browser = "Safari"
    system = next((name for mark, name in systems if mark in user_agent), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system
