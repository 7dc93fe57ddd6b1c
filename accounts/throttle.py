"""The client address that sign-in throttling counts failures against."""

from django.conf import settings


def client_ip(request, *args) -> str:
    """REMOTE_ADDR, or behind a reverse proxy (DJANGO_BEHIND_PROXY=true) the address that proxy
    appended to X-Forwarded-For: the last one, which a client cannot forge."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "")
