"""What patients and clinicians do with share codes and care teams, each in one transaction.

Lock order, as everywhere (accounts.models.UserManager.lock): the patient's row first, then the
share code's. A clinician entering a code locks their own row before that, to count their failed
attempts one request at a time; no other path locks a clinician's row, so the order holds.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import CareTeamMembership, User

from . import codes
from .models import ShareCode, ShareCodeAttempt

LIFETIME = timedelta(hours=24)
MAX_LIVE = 3  # live codes a patient may hold at once
MAX_FAILURES = 10  # failed attempts a clinician may make ...
FAILURE_WINDOW = timedelta(hours=1)  # ... within this time


class TooManyCodes(Exception):
    pass


def live_codes(patient, now=None):
    return ShareCode.objects.filter(
        patient=patient, status=ShareCode.Status.LIVE, expires_at__gt=now or timezone.now()
    )


def create_code(patient) -> tuple[ShareCode, str]:
    """A new share code for the patient: the row, and the code itself (shown once, never
    stored). Raises TooManyCodes when MAX_LIVE are live already."""
    now = timezone.now()
    with transaction.atomic():
        User.objects.lock(patient.pk)  # two tabs at once cannot both pass the limit
        if live_codes(patient, now).count() >= MAX_LIVE:
            raise TooManyCodes
        while True:
            code = codes.generate()
            digest = codes.digest(code)
            if not ShareCode.objects.filter(code_hash=digest).exists():
                break
        row = ShareCode.objects.create(
            patient=patient, code_hash=digest, created_at=now, expires_at=now + LIFETIME
        )
    return row, code


def _locked_code(patient, pk, status) -> ShareCode:
    User.objects.lock(patient.pk)
    try:
        code = (
            ShareCode.objects.select_for_update(of=("self",))  # the clinician may be null
            .select_related("clinician")
            .get(pk=pk, patient=patient, status=status)
        )
    except (ShareCode.DoesNotExist, ValueError):
        raise Http404("No such share code") from None
    code.patient = patient
    return code


def _close(code: ShareCode, status) -> None:
    code.status = status
    code.decided_at = timezone.now()
    code.save(update_fields=["status", "decided_at"])


def cancel_code(patient, pk) -> ShareCode:
    """The patient withdraws a code nobody has entered yet."""
    with transaction.atomic():
        code = _locked_code(patient, pk, ShareCode.Status.LIVE)
        _close(code, ShareCode.Status.CANCELLED)
    return code


# The clinician enters a code ----------------------------------------------------------------


@dataclass
class Entry:
    """What entering a code did: `outcome` is one of the constants below."""

    outcome: str
    code: ShareCode | None = None
    retry_at: datetime | None = None


REQUESTED = "requested"  # a request now waits for the patient
ALREADY_ON_TEAM = "already_on_team"
ALREADY_REQUESTED = "already_requested"
NOT_VALID = "not_valid"  # unknown, expired, used or cancelled: the clinician is not told which
THROTTLED = "throttled"


def throttled_until(clinician, now) -> datetime | None:
    """When the clinician may try again, if MAX_FAILURES failed within FAILURE_WINDOW."""
    recent = list(
        ShareCodeAttempt.objects.filter(clinician=clinician, at__gt=now - FAILURE_WINDOW)
        .order_by("-at")
        .values_list("at", flat=True)[:MAX_FAILURES]
    )
    if len(recent) < MAX_FAILURES:
        return None
    return recent[-1] + FAILURE_WINDOW


def _failed(clinician, now) -> Entry:
    ShareCodeAttempt.objects.filter(clinician=clinician, at__lte=now - FAILURE_WINDOW).delete()
    ShareCodeAttempt.objects.create(clinician=clinician, at=now)
    return Entry(NOT_VALID)


def enter_code(clinician, code: str) -> Entry:
    """A clinician enters a patient's code (already normalized, sharing/codes.py)."""
    now = timezone.now()
    with transaction.atomic():
        # Counting failures and adding one is a race between two requests of the same
        # clinician (a script guessing in parallel): their row's lock makes them queue.
        User.objects.lock(clinician.pk)
        retry_at = throttled_until(clinician, now)
        if retry_at is not None:
            return Entry(THROTTLED, retry_at=retry_at)
        found = ShareCode.objects.select_related("patient").filter(code_hash=codes.digest(code))
        found = found.first()
        if found is None or not found.is_live(now):
            return _failed(clinician, now)
        try:
            row = _locked_code(found.patient, found.pk, ShareCode.Status.LIVE)
        except Http404:  # entered, cancelled or approved by another request meanwhile
            return _failed(clinician, now)
        row.clinician, row.entered_at = clinician, now
        # An expired request of this clinician's is closed: this one replaces it.
        ShareCode.objects.filter(
            patient=row.patient,
            clinician=clinician,
            status=ShareCode.Status.PENDING,
            entered_at__lte=ShareCode.waiting_since(now),
        ).update(status=ShareCode.Status.EXPIRED, decided_at=now)
        if CareTeamMembership.objects.filter(patient=row.patient, clinician=clinician).exists():
            outcome, row.status, row.decided_at = ALREADY_ON_TEAM, ShareCode.Status.REDUNDANT, now
        elif ShareCode.objects.filter(
            patient=row.patient, clinician=clinician, status=ShareCode.Status.PENDING
        ).exists():
            outcome, row.status, row.decided_at = ALREADY_REQUESTED, ShareCode.Status.REDUNDANT, now
        else:
            outcome, row.status = REQUESTED, ShareCode.Status.PENDING
        row.save(update_fields=["clinician", "entered_at", "status", "decided_at"])
    return Entry(outcome, code=row)


# The patient decides ------------------------------------------------------------------------


class RequestExpired(Exception):
    def __init__(self, code):
        super().__init__("The request expired")
        self.code = code


def approve(patient, pk) -> tuple[ShareCode, CareTeamMembership | None]:
    """The clinician who entered the code joins the care team (None if they already had).
    RequestExpired for a request older than REQUEST_LIFETIME: nothing changes."""
    with transaction.atomic():
        code = _locked_code(patient, pk, ShareCode.Status.PENDING)
        if code.request_expired():
            raise RequestExpired(code)
        if CareTeamMembership.objects.filter(patient=patient, clinician=code.clinician).exists():
            _close(code, ShareCode.Status.REDUNDANT)
            return code, None
        membership = CareTeamMembership(
            patient=patient, clinician=code.clinician, source=CareTeamMembership.Source.SHARE_CODE
        )
        membership.acted_by = patient  # for the audit (sharing/audit.py)
        membership.save()
        _close(code, ShareCode.Status.APPROVED)
    return code, membership


def decline(patient, pk) -> ShareCode:
    with transaction.atomic():
        code = _locked_code(patient, pk, ShareCode.Status.PENDING)
        _close(
            code,
            ShareCode.Status.EXPIRED if code.request_expired() else ShareCode.Status.DECLINED,
        )
    return code


def membership_or_404(patient, pk) -> CareTeamMembership:
    try:
        return CareTeamMembership.objects.select_related("clinician").get(pk=pk, patient=patient)
    except (CareTeamMembership.DoesNotExist, ValueError):
        raise Http404(_("No such clinician on your care team")) from None


def remove(patient, pk) -> CareTeamMembership:
    """The clinician loses access at once: the row that gave it is gone when this commits."""
    with transaction.atomic():
        User.objects.lock(patient.pk)
        membership = membership_or_404(patient, pk)
        membership.acted_by = patient  # for the audit (sharing/audit.py)
        membership.delete()
    return membership
