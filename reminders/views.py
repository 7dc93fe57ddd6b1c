"""The patient's settings page (reminder choices, calendar feed address) and the feed itself;
the clinician's digest choice, saved from their account page.

The feed is fetched by calendar apps, which have no session: its secret address is the only
credential, so it takes no login and sets no cookie.
"""

import base64
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from accounts.access import require_clinician, require_patient
from accounts.forms import AccountSettingsForm, time_zone_names
from accounts.middleware import NO_STORE
from accounts.models import User

from . import push
from .feed import feed_ical, feed_key
from .forms import DigestSettingsForm, ReminderSettingsForm
from .models import (
    CalendarFeed,
    DigestSettings,
    PushDevice,
    ReminderSent,
    ReminderSettings,
    new_feed_token,
)

# Calendar apps poll every few hours (REFRESH-INTERVAL); no cache keeps a copy, since the feed
# is the patient's data and its address is a secret.


def _settings_url() -> str:
    return reverse("reminder_settings")


def _feed_addresses(request, feed) -> dict:
    if feed is None:
        return {}
    address = request.build_absolute_uri(reverse("calendar_feed", args=[feed.token]))
    return {"feed_url": address, "webcal_url": "webcal://" + address.split("://", 1)[1]}


@login_required
def reminder_settings(request):
    patient = require_patient(request.user)
    form = ReminderSettingsForm(
        request.POST if request.method == "POST" else None, instance=ReminderSettings.of(patient)
    )
    if form.is_bound and form.is_valid():
        form.save_for(patient)
        messages.success(request, _("Reminder settings saved."))
        return redirect("reminder_settings")
    feed = CalendarFeed.objects.filter(user=patient).first()
    context = {
        "form": form,
        "feed": feed,
        **_feed_addresses(request, feed),
        "push_enabled": push.enabled(),
        "vapid_public_key": settings.VAPID_PUBLIC_KEY,
        "devices": list(PushDevice.objects.filter(user=patient)),
    }
    return render(request, "reminders/settings.html", context)


def _digest_saved_text(prefs: DigestSettings) -> str:
    hour = f"{prefs.send_hour:02d}:00"
    if prefs.frequency == DigestSettings.Frequency.DAILY:
        return _("Digest saved: every day from %(hour)s, your time.") % {"hour": hour}
    if prefs.frequency == DigestSettings.Frequency.WEEKLY:
        return _("Digest saved: every %(weekday)s from %(hour)s, your time.") % {
            "weekday": prefs.get_weekday_display(),
            "hour": hour,
        }
    return _("Digest turned off: no digest emails.")


@login_required
@require_POST
def digest_settings(request):
    """The clinician's digest choice, posted from their account page. A rejected choice shows
    that page again with the errors (and its own form as saved); nothing changes."""
    clinician = require_clinician(request.user)
    form = DigestSettingsForm(request.POST, instance=DigestSettings.of(clinician))
    if form.is_valid():
        messages.success(request, _digest_saved_text(form.save_for(clinician)))
        return redirect(reverse("account_settings") + "#digest")
    context = {
        "form": AccountSettingsForm(instance=clinician),
        "time_zones": time_zone_names(),
        "digest_form": form,
    }
    return render(request, "accounts/settings.html", context)


@login_required
@require_POST
def calendar_feed_token(request):
    """Create, regenerate (a new token: the old address stops working) or revoke the feed."""
    patient = require_patient(request.user)
    action = request.POST.get("action")
    feeds = CalendarFeed.objects.filter(user=patient)
    if action == "create":
        CalendarFeed.objects.get_or_create(user=patient)
        messages.success(request, _("Your calendar address is ready: add it to your calendar app."))
    elif action == "regenerate":
        if feeds.update(token=new_feed_token(), created_at=timezone.now(), last_fetched_at=None):
            messages.success(
                request,
                _(
                    "New calendar address made. The old one no longer works: "
                    "add the new one to your calendar app."
                ),
            )
        else:
            messages.error(request, _("You have no calendar address yet."))
    elif action == "revoke":
        feeds.delete()
        messages.success(request, _("Calendar feed turned off. Its address no longer works."))
    else:
        messages.error(request, _("Choose what to do with your calendar address."))
    return redirect(_settings_url() + "#calendar")


FETCH_TIME_STEP = timedelta(minutes=1)


@require_safe
def calendar_feed(request, token):
    """Queries: the feed with its patient and their reminder settings; the fetch time (at most
    once a minute: the settings page shows it to the minute); then, unless the feed is kept
    (reminders/feed.py: under the record version, the hour and the reminder hour), the
    calendar's own. The ETag names the same, so a calendar app asking again with it is answered
    304 before anything is built. A revoked, regenerated or unknown token is a 404."""
    feed = get_object_or_404(
        CalendarFeed.objects.select_related("user__reminder_settings"),
        token=token,
        user__role=User.Role.PATIENT,
        user__is_active=True,
    )
    now = timezone.now()
    if feed.last_fetched_at is None or now - feed.last_fetched_at >= FETCH_TIME_STEP:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
    log_url = request.build_absolute_uri(reverse("log_dose"))
    key = feed_key(feed.user, log_url=log_url)
    etag = f'"{key.removeprefix("calendar:")}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        body = feed_ical(feed.user, key, log_url=log_url)
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = NO_STORE
    response["Content-Disposition"] = 'inline; filename="b12-injections.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# Notifications (Web Push, reminders/push.py) ----------------------------------------------


@require_safe
def service_worker(request):
    """The service worker, from the site's root so that its scope is the whole site. It shows
    the reminders pushed to this browser and handles their actions (Taken, Snooze)."""
    response = render(request, "reminders/sw.js", content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@require_safe
def offline_token(request):
    """For the injections and check-ins a patient logged offline (static/js/offline.js), just
    before they are sent: a fresh CSRF token to send them with, and who is signed in now, so
    that what one patient left on a device is never sent in another's name."""
    patient = require_patient(request.user)
    return JsonResponse({"csrf": get_token(request), "user": patient.pk})


def _b64url_bytes(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        return None


@login_required
@require_POST
def push_subscribe(request):
    """Save this browser's push subscription (posted by static/js/push.js). The same endpoint
    again, from whoever is signed in now, replaces the old row: a shared browser notifies only
    its latest user. A subscription that is not one is a 400; nothing is saved."""
    patient = require_patient(request.user)
    if not push.enabled():
        return HttpResponseBadRequest(_("Notifications are not set up on this site."))
    endpoint = request.POST.get("endpoint", "").strip()
    p256dh = request.POST.get("p256dh", "").strip()
    auth = request.POST.get("auth", "").strip()
    key, secret = _b64url_bytes(p256dh), _b64url_bytes(auth)
    valid = (
        endpoint.startswith("https://")
        and len(endpoint) <= 1000
        and key is not None
        and len(key) == 65
        and key[0] == 4
        and secret is not None
        and len(secret) == 16
    )
    if not valid:
        return HttpResponseBadRequest(_("This browser sent a subscription we cannot use."))
    user_agent = request.headers.get("User-Agent", "")[:300]
    PushDevice.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "user": patient,
            "p256dh": p256dh,
            "auth": auth,
            "user_agent": user_agent,
            "name": push.device_name(user_agent)[:80],
            "created_at": timezone.now(),
            "last_success_at": None,
        },
    )
    messages.success(request, _("Notifications are on for this device."))
    return redirect(_settings_url() + "#push")


@login_required
@require_POST
def push_device_remove(request, pk):
    patient = require_patient(request.user)
    get_object_or_404(PushDevice, pk=pk, user=patient).delete()
    messages.success(request, _("That device no longer gets notifications."))
    return redirect(_settings_url() + "#push")


@csrf_exempt  # posted by the service worker, which has no CSRF token: the signed address is
@require_POST  # the credential (it names the notification's ledger rows, for a week)
def push_snooze(request, token):
    """Snooze a notification: its reminders are sent again after the patient's snooze length
    (an hour unless they chose another), if they are still due then (reminders/sending.py).
    Only notifications already sent can be snoozed."""
    snoozed = push.snoozed_rows(token)
    if snoozed is None:
        raise Http404
    rows, minutes = snoozed
    ReminderSent.objects.filter(
        pk__in=rows, channel=ReminderSent.Channel.PUSH, status=ReminderSent.Status.SENT
    ).update(snoozed_until=timezone.now() + timedelta(minutes=minutes))
    return HttpResponse(status=204)
