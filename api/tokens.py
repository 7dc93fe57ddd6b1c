"""Making, finding and revoking API tokens. A token is `b12_` and 43 URL-safe characters;
only its SHA-256 is stored, so the page shows the token once, when it is made."""

import hashlib
import secrets

from django.utils import timezone

from .models import ApiToken

PREFIX = "b12_"
# How often a token's last use is written: not on every request.
LAST_USED_EVERY = timezone.timedelta(minutes=5)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(user, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token for `user`: the saved row and the token, to be shown once."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=name, scope=scope, token_hash=digest(token), prefix=token[:8])
    row.full_clean()
    row.save()
    return row, token


def find(token: str) -> ApiToken | None:
    """The live token with this value, its user active; None otherwise."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if row is not None:
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
            row.last_used_at = now
    return row


def revoke(user, pk) -> bool:
    """Revoke one of the user's own tokens; False when they have no such live token."""
    return bool(
        ApiToken.objects.filter(user=user, pk=pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )
