"""Throttling of password guesses, on top of django-axes.

Three limits, so that nobody can lock anyone else out and a guesser gets slower and slower:

- an account from one address (django-axes, by the pair): after LOGIN_FAILURE_LIMIT wrong
  passwords that pair is paused for the cool-off time. The right password from another address
  still works.
- one address, whatever the accounts: paused after the much higher LOGIN_ADDRESS_FAILURE_LIMIT
  (someone trying many accounts, or one shared address with many people behind it).
- one account, whatever the addresses: past LOGIN_ACCOUNT_FREE_FAILURES, each further attempt
  has to wait a delay that doubles with every failure, up to the cool-off time. A guesser with
  many addresses gets a handful of guesses an hour; the owner is at most asked to wait.

A refused attempt is not checked and not counted, so waiting out the pause always works.
Signed-in password checks (changing the password, deleting the account) count against the same
limits (`may_check_password`, `wrong_password`); password-reset emails are counted with the
sign-up emails (accounts.signup.allowed).
"""

from dataclasses import dataclass
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import ngettext


def client_ip(request, *args) -> str:
    """REMOTE_ADDR, or behind a reverse proxy (DJANGO_BEHIND_PROXY=true) the address that proxy
    appended to X-Forwarded-For: the last one, which a client cannot forge."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "")


def username_of(request, credentials=None) -> str | None:
    """The account a sign-in names, as one key however its address is spelled: "Ann@X.org "
    and "ann@x.org" are the same account to the throttle."""
    field = settings.AXES_USERNAME_FORM_FIELD
    value = credentials.get(field) if credentials else getattr(request, "POST", {}).get(field)
    if not isinstance(value, str):
        return None
    return value.strip().lower()[:254] or None


def cool_off() -> timedelta:
    return settings.AXES_COOLOFF_TIME


@dataclass(frozen=True)
class Pause:
    """Why a password check is refused, and for how long."""

    wait: timedelta

    @property
    def seconds(self) -> int:
        return max(1, int(-(-self.wait.total_seconds() // 1)))

    @property
    def minutes(self) -> int:
        return max(1, -(-self.seconds // 60))

    @property
    def in_words(self) -> str:
        """'40 seconds' under two minutes, else whole minutes, rounded up."""
        if self.seconds < 120:
            return ngettext("%(n)d second", "%(n)d seconds", self.seconds) % {"n": self.seconds}
        return ngettext("%(n)d minute", "%(n)d minutes", self.minutes) % {"n": self.minutes}


def account_delay(failures: int) -> timedelta:
    """How long an account with this many recent failures (from any addresses) makes the next
    attempt wait after the last one: nothing up to LOGIN_ACCOUNT_FREE_FAILURES, then 1, 2, 4...
    seconds, never more than the cool-off time."""
    extra = failures - settings.LOGIN_ACCOUNT_FREE_FAILURES
    if extra < 0:
        return timedelta(0)
    limit = cool_off()
    if extra >= 30:  # 2**30 s is decades; no need to compute it
        return limit
    return min(timedelta(seconds=2**extra), limit)


def pause_for(request, credentials=None, *, pair_locked=False, now=None) -> Pause | None:
    """The longest pause any limit puts on this attempt, if any, in one query: the pair's (when
    django-axes found it locked), the address's and the account's."""
    now = now or timezone.now()
    address = client_ip(request)
    username = username_of(request, credentials)
    by_address = Q(ip_address=address)
    by_account = Q(username=username) if username else Q(pk__in=[])
    totals = AccessAttempt.objects.filter(
        by_address | by_account, attempt_time__gte=now - cool_off()
    ).aggregate(
        pair_last=Max("attempt_time", filter=by_address & by_account),
        address_failures=Sum("failures_since_start", filter=by_address),
        address_last=Max("attempt_time", filter=by_address),
        account_failures=Sum("failures_since_start", filter=by_account),
        account_last=Max("attempt_time", filter=by_account),
    )
    waits = []
    if pair_locked:
        waits.append((totals["pair_last"] or now) + cool_off() - now)
    if (totals["address_failures"] or 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        waits.append(totals["address_last"] + cool_off() - now)
    delay = account_delay(totals["account_failures"] or 0)
    if delay:
        waits.append(totals["account_last"] + delay - now)
    wait = max(waits, default=timedelta(0))
    if wait > timedelta(0):
        return Pause(wait)
    # Locked by django-axes, yet its last failure has just aged out: a moment's pause.
    return Pause(timedelta(seconds=1)) if pair_locked else None


class ThrottleHandler(AxesDatabaseHandler):
    """django-axes' database handler, with the address-wide and account-wide limits added to
    its check of the pair. What refused the attempt is left on the request for the page that
    says so (accounts.views.locked_out)."""

    def is_locked(self, request, credentials=None) -> bool:
        pair_locked = super().is_locked(request, credentials)
        pause = pause_for(request, credentials, pair_locked=pair_locked)
        if pause:
            request.throttle_pause = pause
        return pause is not None


def may_check_password(request, user) -> Pause | None:
    """Before a signed-in password check: None if it may go ahead, else the pause."""
    if AxesProxyHandler.is_allowed(request, {settings.AXES_USERNAME_FORM_FIELD: user.email}):
        return None
    return getattr(request, "throttle_pause", None) or Pause(cool_off())


def wrong_password(request, user) -> None:
    """Count a wrong password given while signed in, as a failed sign-in would be."""
    user_login_failed.send(
        sender=__name__,
        credentials={settings.AXES_USERNAME_FORM_FIELD: user.email},
        request=request,
    )
