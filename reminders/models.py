"""What reaches patients outside the app: email reminders and a private calendar feed.

ReminderSettings holds a patient's choices; ReminderSent is the ledger that makes
`manage.py send_reminders` idempotent (one row per reminder, claimed before it is sent, so two
overlapping runs never send the same one twice). DigestSettings and DigestSent do the same for
the clinicians' email digest (`manage.py send_digest`, reminders/digest.py). CalendarFeed is
the secret address of a patient's feed and CalendarEntry remembers each event's date, so that
the feed raises an event's SEQUENCE when its date moves.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.dates import BoundedDates

SEND_HOUR_MESSAGE = _("Choose an hour from 0 (midnight) to 23 (11 pm).")


class ReminderSettings(BoundedDates, models.Model):
    """A patient's reminder choices. Patients without a row get the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_settings"
    )
    due_soon = models.BooleanField(
        _("before an injection is due"), default=True, help_text=_("Sent the lead time before.")
    )
    lead_days = models.PositiveSmallIntegerField(
        _("lead time (days)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
        help_text=_("How many days before the due date: 1 is the day before, up to 7."),
    )
    due_today = models.BooleanField(_("on the day an injection is due"), default=True)
    overdue = models.BooleanField(_("when an injection is overdue"), default=True)
    checkin = models.BooleanField(
        _("weekly symptom check-in"),
        default=True,
        help_text=_("When a week has passed since the last."),
    )
    lab_review = models.BooleanField(_("when a lab review is due"), default=True)
    plan_changes = models.BooleanField(
        _("when my clinician changes my plan"),
        default=True,
        help_text=_("Also shown on your home page until you dismiss it."),
    )
    running_out = models.BooleanField(
        _("supplies running out"),
        default=True,
        help_text=_(
            "When the supplies you recorded will not cover the injections due in the next "
            "two weeks."
        ),
    )
    send_hour = models.PositiveSmallIntegerField(
        _("send from (hour)"),
        default=8,
        validators=[MaxValueValidator(23)],
        help_text=_("Reminders go out from this hour of the day, in your time zone."),
    )

    class Delivery(models.TextChoices):
        EMAIL = "email", _("By email")
        PUSH = "push", _("As a notification on my devices")
        BOTH = "both", _("Both: email and a notification")

    delivery = models.CharField(
        _("how reminders reach you"),
        max_length=8,
        choices=Delivery.choices,
        default=Delivery.EMAIL,
        help_text=_(
            "Notifications go to the devices listed below. With none, reminders come by email."
        ),
    )
    push_details = models.BooleanField(
        _("show what a notification is about on the lock screen"),
        default=False,
        help_text=_(
            'Off: a notification only says "B12 injection due" (or "B12 log reminder"). '
            "On: it says what is due and when, where anyone who sees your screen can read it."
        ),
    )

    class Snooze(models.IntegerChoices):
        QUARTER = 15, _("15 minutes")
        HALF = 30, _("30 minutes")
        HOUR = 60, _("1 hour")
        TWO_HOURS = 120, _("2 hours")
        FOUR_HOURS = 240, _("4 hours")

    snooze_minutes = models.PositiveSmallIntegerField(
        _("snooze for"),
        choices=Snooze.choices,
        default=Snooze.HOUR,
        help_text=_("A notification's Snooze button asks again after this long."),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = _("reminder settings")

    def __str__(self):
        return f"Reminder settings of {self.user}"

    @property
    def by_email(self) -> bool:
        return self.delivery in (self.Delivery.EMAIL, self.Delivery.BOTH)

    @property
    def by_push(self) -> bool:
        return self.delivery in (self.Delivery.PUSH, self.Delivery.BOTH)

    @classmethod
    def of(cls, user) -> "ReminderSettings":
        """The user's settings: their row, or the defaults (unsaved) if they have none."""
        try:
            return user.reminder_settings
        except cls.DoesNotExist:
            return cls(user=user)


class ReminderSent(BoundedDates, models.Model):
    """One reminder, claimed by the run that sends it. `key` names the occasion (the due date,
    the week), so the unique constraint keeps it to one per occasion."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Injection due soon")
        DUE_TODAY = "due_today", _("Injection due today")
        OVERDUE = "overdue", _("Injection overdue")
        CHECKIN = "checkin", _("Weekly check-in")
        LAB_REVIEW = "lab_review", _("Lab review due")
        PLAN_CHANGED = "plan_changed", _("Plan changed")
        RUNNING_OUT = "running_out", _("Supplies running out")

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        PUSH = "push", _("Notification")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders_sent"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=40)
    # Each channel has its own row: an email and a notification of one occasion go (and are
    # retried) independently, each at most once.
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.CLAIMED)
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A notification the patient snoozed: sent again by the first run from then, if the
    # reminder is still due (the row is claimed anew, once).
    snoozed_until = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-claimed_at", "-pk"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "key", "channel"], name="one_reminder_per_occasion"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.key}) for {self.user}"


class DigestSettings(BoundedDates, models.Model):
    """A clinician's email digest: off (the default, and for clinicians without a row), daily
    or weekly, from an hour of the day in their own time zone (and on a weekday, if weekly)."""

    class Frequency(models.TextChoices):
        OFF = "off", _("Off: no digest")
        DAILY = "daily", _("Every day")
        WEEKLY = "weekly", _("Once a week")

    class Weekday(models.IntegerChoices):
        """ISO numbering (Monday is 1), as `date.isoweekday()` and the ISO week of the key."""

        MONDAY = 1, _("Monday")
        TUESDAY = 2, _("Tuesday")
        WEDNESDAY = 3, _("Wednesday")
        THURSDAY = 4, _("Thursday")
        FRIDAY = 5, _("Friday")
        SATURDAY = 6, _("Saturday")
        SUNDAY = 7, _("Sunday")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_settings"
    )
    frequency = models.CharField(
        _("email digest"), max_length=8, choices=Frequency.choices, default=Frequency.OFF
    )
    send_hour = models.PositiveSmallIntegerField(
        _("send at (hour)"),
        default=8,
        help_text=_("From 0 (midnight) to 23 (11 pm), in your time zone."),
    )
    weekday = models.PositiveSmallIntegerField(
        _("day of the week"),
        choices=Weekday.choices,
        default=Weekday.MONDAY,
        help_text=_("For a weekly digest."),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("digest settings")
        verbose_name_plural = _("digest settings")

    def __str__(self):
        return f"Digest settings of {self.user}"

    @classmethod
    def of(cls, user) -> "DigestSettings":
        """The user's settings: their row, or the default (off, unsaved) if they have none."""
        try:
            return user.digest_settings
        except cls.DoesNotExist:
            return cls(user=user)

    def clean(self):
        """The one set of rules, for the form and anything else that saves a choice."""
        errors = {}
        if self.send_hour is None or not 0 <= self.send_hour <= 23:
            errors["send_hour"] = str(SEND_HOUR_MESSAGE)
        if self.weekday not in self.Weekday.values:
            errors["weekday"] = gettext("Choose a day of the week.")
        if self.frequency not in self.Frequency.values:
            errors["frequency"] = gettext("Choose daily, weekly or off.")
        if self.user_id and not self.user.is_clinician:
            errors["frequency"] = gettext("Only clinicians receive the digest.")
        if errors:
            raise ValidationError(errors)

    def period(self, now) -> str | None:
        """The key of the digest due at `now` (aware), or None when none is: off, before the
        send hour in the clinician's zone, or not the chosen weekday. A day's key is its date
        ("2026-12-05"), a week's its ISO week ("2026-W49"), both local to the clinician."""
        local = now.astimezone(self.user.zone)
        if self.frequency == self.Frequency.OFF or local.hour < self.send_hour:
            return None
        if self.frequency == self.Frequency.DAILY:
            return local.date().isoformat()
        if local.isoweekday() != self.weekday:
            return None
        year, week, _day = local.isocalendar()
        return f"{year}-W{week:02d}"


class DigestSent(BoundedDates, models.Model):
    """One digest period of one clinician, claimed by the run that sends it: the unique
    constraint keeps it to one email per day (or week). A period with nothing to list is
    recorded as empty, so later runs that day do not look again."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        EMPTY = "empty", _("Nothing to list")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests_sent"
    )
    period = models.CharField(max_length=10)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.CLAIMED)
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # How many patients it listed (never who: the email itself is not kept).
    patients = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-claimed_at", "-pk"]
        verbose_name = _("digest sent")
        verbose_name_plural = _("digests sent")
        constraints = [
            models.UniqueConstraint(fields=["user", "period"], name="one_digest_per_period")
        ]

    def __str__(self):
        return f"Digest {self.period} for {self.user}"


class PushDevice(BoundedDates, models.Model):
    """A browser (on a phone or a computer) that a patient turned notifications on in: its
    Web Push subscription. The push service's address (`endpoint`) names it; `p256dh` and
    `auth` are the keys a notification is encrypted with. Removed by the patient, or when the
    push service answers that the subscription is gone (404 or 410)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_devices"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    name = models.CharField(max_length=80, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("notification device")
        verbose_name_plural = _("notification devices")

    def __str__(self):
        return f"{self.name or 'Device'} of {self.user}"

    @property
    def subscription(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(BoundedDates, models.Model):
    """The secret address of a patient's calendar feed. Regenerating replaces the token, so the
    old address stops working; revoking deletes the row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return f"Calendar feed of {self.user}"


class CalendarEntry(BoundedDates, models.Model):
    """The date a feed last published for one upcoming injection: the regimen's dose `number`
    (1 is the first dose ever recorded or due). Its UID stays; SEQUENCE rises when the date
    moves."""

    regimen = models.ForeignKey(
        "regimens.Regimen", on_delete=models.CASCADE, related_name="calendar_entries"
    )
    number = models.PositiveIntegerField()
    due_on = models.DateField()
    sequence = models.PositiveIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = _("calendar entries")
        constraints = [
            models.UniqueConstraint(fields=["regimen", "number"], name="one_entry_per_dose")
        ]

    def __str__(self):
        return f"Dose {self.number} of {self.regimen} on {self.due_on}"
