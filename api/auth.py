"""Who is asking: a bearer token from the user's API tokens (api/tokens.py), throttled per
token, with its scope checked before any change."""

from django.core.cache import cache
from django.utils import timezone
from ninja.security import HttpBearer

from . import tokens

# Each token may make this many requests a minute; one more is answered 429 with Retry-After.
# Documented in the README ("API"). The count lives in Django's cache (shared between servers
# when DJANGO_CACHE_URL names Redis).
RATE_PER_MINUTE = 120
WINDOW_SECONDS = 60


class Throttled(Exception):
    def __init__(self, retry_after: int):
        super().__init__("throttled")
        self.retry_after = retry_after


class ReadOnlyToken(Exception):
    """A read-only token was used for a change."""


def count_request(token_id: int, now: float) -> int:
    """Requests made with this token in the current minute, this one included. A cache that
    cannot be reached counts nothing: the API stays usable without its throttle."""
    key = f"api-rate:{token_id}:{int(now // WINDOW_SECONDS)}"
    try:
        cache.add(key, 0, WINDOW_SECONDS + 5)
        return cache.incr(key)
    except Exception:  # noqa: BLE001 - any cache failure: count nothing, as said above
        return 0


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        row = tokens.find(token)
        if row is None:
            return None
        now = timezone.now().timestamp()
        if count_request(row.pk, now) > RATE_PER_MINUTE:
            raise Throttled(WINDOW_SECONDS - int(now) % WINDOW_SECONDS)
        request.user = row.user
        # A time without an offset is in the user's zone, as on the pages; the time-zone
        # middleware deactivates it after the response.
        timezone.activate(row.user.zone)
        return row


def require_write(request) -> None:
    if not request.auth.can_write:
        raise ReadOnlyToken
