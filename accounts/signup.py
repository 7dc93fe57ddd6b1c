"""A patient signs up: the account is made inactive ("awaiting verification") and a link is
emailed; opening it and confirming activates the account. An account not confirmed within
KEEP_UNCONFIRMED is deleted the next time anyone signs up. Nothing here tells anyone whether
an address already has an account: every request ends on the same "check your email" page,
and only the mailbox learns more.

The link's token is Django's password-reset token with its own salt: it names the user and a
time, and its hash covers the account's state (awaiting verification, password, last sign-in),
so it stops working once the account is verified, and it expires after VERIFY_SECONDS.

Throttling (a table rather than the cache, so that it holds across several app servers):
more than SIGNUP_LIMIT requests an hour from one client address are refused with a page that
says so; and an email address gets at most EMAILS_PER_ADDRESS emails an hour, after which
further requests for it send nothing (and still show the same page, which reveals nothing).
"""

import hashlib
import hmac
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.translation import gettext as _

from .models import SignupAttempt, User, one_line

logger = logging.getLogger(__name__)

VERIFY_SECONDS = 2 * 24 * 60 * 60
SIGNUP_WINDOW = timedelta(hours=1)
SIGNUP_LIMIT = 10  # requests an hour from one client address
EMAILS_PER_ADDRESS = 3  # emails an hour to one address
KEEP_ATTEMPTS = timedelta(days=1)
KEEP_UNCONFIRMED = timedelta(days=30)  # an account never confirmed is then forgotten


class VerificationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.signup.VerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        login = "" if user.last_login is None else user.last_login.replace(microsecond=0)
        return f"{user.pk}{user.password}{login}{timestamp}{user.awaiting_verification}{user.email}"

    def check_token(self, user, token):
        # The parent checks PASSWORD_RESET_TIMEOUT (3 days); this link lasts less.
        try:
            issued = base36_to_int(token.split("-")[0])
        except (ValueError, AttributeError):
            return False
        if self._num_seconds(self._now()) - issued > VERIFY_SECONDS:
            return False
        return super().check_token(user, token)


verification_tokens = VerificationTokenGenerator()


def normalise(email: str) -> str:
    return User.objects.normalize_email(email.strip()).lower()


def _digest(email: str) -> str:
    key = force_bytes(settings.SECRET_KEY)
    return hmac.new(key, force_bytes(normalise(email)), hashlib.sha256).hexdigest()


def allowed(client: str, email: str, *, now=None) -> tuple[bool, bool]:
    """Record one request from `client` about `email`. Returns (accepted, may_email): whether
    the client is under its limit, and whether the address may get another email now."""
    now = now or timezone.now()
    since = now - SIGNUP_WINDOW
    digest = _digest(email)
    SignupAttempt.objects.filter(at__lt=now - KEEP_ATTEMPTS).delete()
    forget_unconfirmed(now)
    if SignupAttempt.objects.filter(client=client, at__gte=since).count() >= SIGNUP_LIMIT:
        return False, False
    emailed = SignupAttempt.objects.filter(email_digest=digest, at__gte=since).count()
    SignupAttempt.objects.create(client=client, email_digest=digest, at=now)
    return True, emailed < EMAILS_PER_ADDRESS


def forget_unconfirmed(now) -> int:
    """Delete the accounts whose address was never confirmed within KEEP_UNCONFIRMED: nobody
    ever signed in to them, so they hold nothing but the sign-up form. Their address can then
    sign up afresh. Returns how many went."""
    stale = User.objects.filter(
        awaiting_verification=True,
        is_active=False,
        last_login__isnull=True,
        date_joined__lt=now - KEEP_UNCONFIRMED,
    )
    count = stale.count()
    if count:
        stale.delete()
        logger.info("Forgot %d sign-ups never confirmed", count)
    return count


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def verification_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return absolute(reverse("verify_email", args=[uid, verification_tokens.make_token(user)]))


def send(user_or_email, subject: str, template: str, context: dict) -> None:
    """One plain-text email, from DEFAULT_FROM_EMAIL, to a user or an address."""
    email = getattr(user_or_email, "email", user_or_email)
    send_mail(one_line(subject), render_to_string(template, context), None, [email])


def send_verification(user) -> None:
    send(
        user,
        _("Confirm your email address for your B12 log"),
        "accounts/email/verify.txt",
        {"name": user.name, "link": verification_link(user), "hours": VERIFY_SECONDS // 3600},
    )


def send_already_registered(user) -> None:
    send(
        user,
        _("You already have a B12 log account"),
        "accounts/email/already_registered.txt",
        {
            "name": user.name,
            "login_url": absolute(reverse("login")),
            "reset_url": absolute(reverse("password_reset")),
        },
    )


def _replace_pending(user, *, name: str, password: str, time_zone: str) -> None:
    """A sign-up for an address still awaiting confirmation: whoever proves the address must own
    the password, so this sign-up's password, name and zone replace the pending ones. The links
    emailed before stop working (their hash covers the password); only the new one, confirmed
    with this password, opens the account."""
    with transaction.atomic():
        User.objects.lock(user.pk)
        user.refresh_from_db()
        if not (user.awaiting_verification and user.last_login is None):
            make_password(password)  # the same cost as a new account either way
            return
        user.set_password(password)
        user.name, user.time_zone = name, time_zone
        user.save(update_fields=["password", "name", "time_zone"])


def sign_up(
    *,
    name: str,
    email: str,
    password: str,
    time_zone: str,
    role: str = User.Role.PATIENT,
    may_email: bool = True,
):
    """Make a new patient (or carer) account awaiting verification and email its link; for an
    address awaiting confirmation, replace its password (and name and zone) and email a new
    link; for an address with an account, email what fits it. Returns the new user, or None when the
    address was taken (the caller shows the same page either way, and every path hashes the
    password once, so the time taken tells nothing either)."""
    email = normalise(email)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email,
                    password,
                    name=name,
                    time_zone=time_zone,
                    role=User.Role.CARER if role == User.Role.CARER else User.Role.PATIENT,
                    is_active=False,
                    awaiting_verification=True,
                )
        except IntegrityError:  # two sign-ups for one address at once: the other one won
            existing = User.objects.get(email__iexact=email)
    if existing is None:
        if may_email:
            send_verification(user)
        return user
    if existing.awaiting_verification:
        _replace_pending(existing, name=name, password=password, time_zone=time_zone)
    else:
        make_password(password)  # the same cost as a new account: timing tells nothing
    if may_email:
        resend(existing)
    return None


def resend(user) -> None:
    """Another link to an account still awaiting verification; a reminder that the account
    exists to one that is active. An account an admin switched off gets nothing."""
    if user.awaiting_verification:
        send_verification(user)
    elif user.is_active:
        send_already_registered(user)


def resend_to(email: str) -> None:
    user = User.objects.filter(email__iexact=normalise(email)).first()
    if user is not None:
        resend(user)


def link_works(user, token: str) -> bool:
    """Whether the link would activate the account now; it changes nothing."""
    return user.awaiting_verification and verification_tokens.check_token(user, token)


class WrongPassword(Exception):
    """The link works, but the password is not the one chosen at the latest sign-up."""


def verify(user, token: str, password: str) -> bool:
    """Activate the account the link names, once, for the person who knows the password of
    the latest sign-up for the address (having the mailbox is not enough: see sign_up).
    Another request with the same link finds the account verified, and the token no longer
    matches it. Raises WrongPassword when the link works but the password does not."""
    with transaction.atomic():
        User.objects.lock(user.pk)
        user.refresh_from_db()
        if not link_works(user, token):
            return False
        if not user.check_password(password):
            raise WrongPassword
        user.is_active = True
        user.awaiting_verification = False
        user.save(update_fields=["is_active", "awaiting_verification"])
    logger.info("A patient verified their email address and their account is active")
    return True
