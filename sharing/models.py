"""Share codes a patient hands to a clinician, and the audit of every change to care teams.

A ShareCode row lives through: live (created, not yet entered; usable for 24 hours) ->
pending (a clinician entered it: a request the patient approves or declines, within
REQUEST_LIFETIME) -> approved, declined or expired. A live code can also be cancelled by the
patient, or simply run out. The code itself is never stored, only its keyed hash (sharing/codes.py).
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.dates import BoundedDates
from accounts.models import CareTeamMembership

# A request not approved within this time can no longer be: the clinician enters a new code.
REQUEST_LIFETIME = timedelta(days=14)


class ShareCode(BoundedDates, models.Model):
    class Status(models.TextChoices):
        LIVE = "live", _("Waiting to be entered")
        PENDING = "pending", _("Entered by a clinician, waiting for approval")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        # The clinician who entered it already had access, or had a request waiting.
        REDUNDANT = "redundant", _("Entered by a clinician who already had access")
        # A pending request older than REQUEST_LIFETIME, once something closed it. Until then
        # it is still stored as pending, and read as expired (request_expired).
        EXPIRED = "expired", _("Expired before it was approved")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_codes"
    )
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.LIVE)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="share_codes_entered",
        help_text=_("The clinician who entered the code."),
    )
    entered_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When it was approved, declined or cancelled.")
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["patient", "status"], name="sharecode_patient_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "clinician"],
                condition=Q(status="pending"),
                name="one_pending_request_per_pair",
            )
        ]

    def __str__(self):
        return f"Share code of {self.patient} ({self.get_status_display()})"

    def is_live(self, now=None) -> bool:
        return self.status == self.Status.LIVE and self.expires_at > (now or timezone.now())

    @property
    def request_expires_at(self):
        return self.entered_at + REQUEST_LIFETIME if self.entered_at else None

    def request_expired(self, now=None) -> bool:
        """A pending request that can no longer be approved."""
        return (
            self.status == self.Status.PENDING
            and self.entered_at is not None
            and self.request_expires_at <= (now or timezone.now())
        )

    @staticmethod
    def waiting_since(now=None):
        """The earliest entry time of a request still waiting for approval."""
        return (now or timezone.now()) - REQUEST_LIFETIME


class ShareCodeAttempt(BoundedDates, models.Model):
    """A code a clinician entered that did not work: counted to throttle guessing."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["clinician", "at"], name="sharecodeattempt_time")]

    def __str__(self):
        return f"Failed share code from {self.clinician} at {self.at:%Y-%m-%d %H:%M}"


class CareTeamEvent(BoundedDates, models.Model):
    """A clinician gained or lost access to a patient's record, whatever the path (share code,
    invitation, admin). Written by signals on CareTeamMembership (sharing/audit.py)."""

    class Kind(models.TextChoices):
        GRANTED = "granted", _("Access granted")
        REMOVED = "removed", _("Access removed")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_team_events"
    )
    # Kept (as a name) when the clinician's account is deleted: the patient's audit outlives it.
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    clinician_name = models.CharField(max_length=150)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    source = models.CharField(max_length=16, choices=CareTeamMembership.Source.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who made the change, where the code that made it knew."),
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("care-team event")
        verbose_name_plural = _("care-team events")
        indexes = [models.Index(fields=["patient", "-at"], name="careteamevent_patient_time")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.clinician_name} for {self.patient}"

    @property
    def is_grant(self) -> bool:
        return self.kind == self.Kind.GRANTED
