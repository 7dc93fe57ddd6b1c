"""The lock-out page and the liveness check. (`/`, each role's home, is config/views.py.)"""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import throttle


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a password check refused by accounts.throttle: how long to wait,
    as words and as Retry-After."""
    pause = getattr(request, "throttle_pause", None) or throttle.Pause(throttle.cool_off())
    response = render(request, "registration/locked_out.html", {"pause": pause}, status=429)
    response["Retry-After"] = str(pause.seconds)
    return response


@never_cache
@require_GET
def health(request):
    """For a load balancer's liveness check, and the benchmark's trivial view: the process
    answers. No database, no session, no template."""
    return HttpResponse("ok\n", content_type="text/plain")
