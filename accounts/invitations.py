"""A clinician (or a pharmacist) invites a patient by email to join the clinician's care team;
the email and the link's pages say which of the two is asking, and what they will see.

The link carries a random token; only its SHA-256 is stored, so the table alone opens nothing.
A link works once, for INVITATION_DAYS, until the clinician cancels it.

What the link does depends on the address, which the clinician is never told about (they see
"invited", then "accepted"):
- no account: the patient chooses a password and confirms their time zone; the new account
  is active at once (the link proved the address) and the clinician is on its care team;
- an account still awaiting its sign-up verification: the same, for that account;
- an active patient account: they sign in (if not already) and accept, which adds the
  clinician; a second account is never made;
- any other account (a clinician's, an admin's, one switched off): the link cannot be used.
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CareTeamMembership, Invitation, User
from .signup import absolute, normalise, send

INVITATION_DAYS = 14
# A clinician's invitations in any 24 hours: enough for a busy clinic's day, too few to make
# the app a way of mailing strangers; and one address is not mailed again and again.
PER_DAY = 50
PER_ADDRESS_PER_DAY = 3

NEW = "new"  # no usable account yet: the link makes (or finishes) one
EXISTING = "existing"  # an active patient: sign in and accept
UNUSABLE = "unusable"  # an account that cannot join a care team this way


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str) -> str:
    return absolute(reverse("invitation", args=[token]))


def over_limit(clinician, email: str, now=None) -> str | None:
    """Why `clinician` may not invite `email` now (in one query), or None if they may."""
    now = now or timezone.now()
    recent = Invitation.objects.filter(clinician=clinician, created_at__gt=now - timedelta(days=1))
    sent = recent.aggregate(
        all=Count("pk"), same=Count("pk", filter=Q(email__iexact=normalise(email)))
    )
    if sent["all"] >= PER_DAY:
        return _(
            "You have sent %(count)s invitations in the last 24 hours, the most a day. "
            "Try again tomorrow."
        ) % {"count": PER_DAY}
    if sent["same"] >= PER_ADDRESS_PER_DAY:
        return _(
            "This address has had %(count)s invitations from you in the last 24 hours. "
            "Ask the patient to look in their spam folder, or try again tomorrow."
        ) % {"count": PER_ADDRESS_PER_DAY}
    return None


def invite(clinician, *, name: str, email: str, now=None) -> Invitation:
    """Store a new invitation and email its link. An earlier pending invitation from the same
    clinician to the same address is cancelled: only the newest link works."""
    now = now or timezone.now()
    email = normalise(email)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Invitation.objects.filter(
            clinician=clinician,
            email=email,
            accepted_at__isnull=True,
            cancelled_at__isnull=True,
        ).update(cancelled_at=now)
        invitation = Invitation.objects.create(
            clinician=clinician,
            name=name,
            email=email,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
    account = User.objects.filter(email__iexact=email).first()
    existing = account is not None and kind_of(account) == EXISTING
    if clinician.is_pharmacist:
        subject = _("%(pharmacist)s, your pharmacist, invites you to share your B12 injection log")
        subject %= {"pharmacist": clinician.name}
    else:
        subject = _("%(clinician)s invites you to your B12 injection log")
        subject %= {"clinician": clinician.name}
    send(
        email,
        subject,
        "accounts/email/invitation_existing.txt" if existing else "accounts/email/invitation.txt",
        {
            "name": account.name if existing else name,
            "clinician": clinician.name,
            "pharmacist": clinician.is_pharmacist,
            "link": invitation_link(token),
            "days": INVITATION_DAYS,
            "login_url": absolute(reverse("login")),
        },
    )
    return invitation


def find(token: str):
    """The invitation a link names, whatever its state, or None."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("clinician").filter(token_hash=hash_token(token)).first()
    )


def kind_of(account) -> str:
    if account is None or account.awaiting_verification:
        return NEW
    if account.is_active and account.is_patient:
        return EXISTING
    return UNUSABLE


def account_for(invitation):
    return User.objects.filter(email__iexact=invitation.email).first()


class NotPending(Exception):
    """The invitation was used, cancelled or ran out meanwhile."""


def _claim(invitation_pk, now) -> Invitation:
    """Lock the invitation's row and check it still works: two tabs submitting the same link
    at once make one account and one care-team row, and the second is told the link is used."""
    invitation = (
        Invitation.objects.select_for_update().select_related("clinician").get(pk=invitation_pk)
    )
    if not invitation.is_pending(now) or not invitation.clinician.is_active:
        raise NotPending
    return invitation


def _join(invitation, patient, now) -> None:
    """Put the inviting clinician on the patient's care team (once) and mark the invitation
    used. The membership's copies of the patient's name and next due date are filled in as
    it is saved (clinic/triage.py), and its save raises the patient's record version."""
    User.objects.lock(patient.pk)
    if not CareTeamMembership.objects.filter(
        patient=patient, clinician=invitation.clinician
    ).exists():
        membership = CareTeamMembership(
            patient=patient,
            clinician=invitation.clinician,
            source=CareTeamMembership.Source.INVITATION,
            created_at=now,
        )
        membership.acted_by = patient  # the audit names who granted it (sharing/audit.py)
        membership.save()
    invitation.accepted_at = now
    invitation.accepted_by = patient
    invitation.save(update_fields=["accepted_at", "accepted_by"])


def accept_as_new(invitation, *, name: str, password: str, time_zone: str, now=None) -> User:
    """Make the patient's account (or finish one awaiting verification) from the link, with
    the clinician on its care team. Raises NotPending if the link no longer works, or if the
    address has meanwhile got an account of another kind."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            invitation = _claim(invitation.pk, now)
            account = account_for(invitation)
            if kind_of(account) != NEW:
                raise NotPending
            if account is None:
                account = User.objects.create_user(
                    invitation.email,
                    password,
                    name=name,
                    time_zone=time_zone,
                    role=User.Role.PATIENT,
                )
            else:
                User.objects.lock(account.pk)
                account.set_password(password)
                account.name = name
                account.time_zone = time_zone
                account.role = User.Role.PATIENT
                account.is_active = True
                account.awaiting_verification = False
                account.save()
            _join(invitation, account, now)
    except IntegrityError:  # the address got an account between the check and the insert
        raise NotPending from None
    return account


def accept_as_patient(invitation, patient, now=None) -> None:
    """The signed-in patient the invitation was sent to accepts it."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = _claim(invitation.pk, now)
        if normalise(invitation.email) != normalise(patient.email) or not patient.is_patient:
            raise NotPending
        _join(invitation, patient, now)


def cancel(invitation, now=None) -> bool:
    """Cancel a pending invitation: its link stops working. False if it was no longer pending."""
    now = now or timezone.now()
    return bool(
        Invitation.objects.filter(
            pk=invitation.pk,
            accepted_at__isnull=True,
            cancelled_at__isnull=True,
            expires_at__gt=now,
        ).update(cancelled_at=now)
    )
