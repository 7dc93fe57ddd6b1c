"""The patient's settings page (reminder choices, calendar feed address) and the feed itself;
the clinician's digest choice, saved from their account page.

The feed is fetched by calendar apps, which have no session: its secret address is the only
credential, so it takes no login and sets no cookie.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.access import require_clinician, require_patient
from accounts.forms import AccountSettingsForm, time_zone_names
from accounts.middleware import NO_STORE
from accounts.models import User

from .feed import build_calendar
from .forms import DigestSettingsForm, ReminderSettingsForm
from .models import CalendarFeed, DigestSettings, ReminderSettings, new_feed_token

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
    context = {"form": form, "feed": feed, **_feed_addresses(request, feed)}
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


@require_safe
def calendar_feed(request, token):
    """Queries: the feed with its patient and their reminder settings; the fetch time; then
    the calendar's own (reminders/feed.py). A revoked, regenerated or unknown token is a 404."""
    feed = get_object_or_404(
        CalendarFeed.objects.select_related("user__reminder_settings"),
        token=token,
        user__role=User.Role.PATIENT,
        user__is_active=True,
    )
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())
    calendar = build_calendar(feed.user, log_url=request.build_absolute_uri(reverse("log_dose")))
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = NO_STORE
    response["Content-Disposition"] = 'inline; filename="b12-injections.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
