"""When the database cannot be reached: a 503 page instead of a 500, and one more try for reads.

`server_error` is the project's handler500. Django calls it for any exception a request raised,
from a view or a middleware (loading the session or the user, saving the session); when that
exception is the database being unreachable (OperationalError, InterfaceError: PostgreSQL
restarting, a connection cut), the answer is a 503 with Retry-After saying that nothing was
saved and that the same form can be sent again (every form carries a submission token, so a
form sent twice is recorded once). Anything else keeps Django's own 500 page.

`RetryReadMiddleware`, first in MIDDLEWARE, runs a GET or HEAD that ended that way once more,
on a fresh connection: a read changes nothing, so running it again is safe. It costs no query
and nothing at all when the request went well.
"""

from django.db import InterfaceError, OperationalError, connections
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER = 5  # seconds: about how long a PostgreSQL restart takes
SAFE_METHODS = ("GET", "HEAD")


def unavailable_response(request):
    # Rendered without the request, as Django's 500 page is: no context processor may need
    # the database (the signed-in user) that is missing.
    from django.http import HttpResponse

    body = loader.get_template("503.html").render({"retry_after": RETRY_AFTER})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    response.database_unavailable = True
    return response


@requires_csrf_token
def server_error(request, template_name="500.html"):
    import sys

    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return unavailable_response(request)
    return defaults.server_error(request, template_name)


def close_connections():
    """Drop every connection this thread opened, so that the next query opens a new one."""
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            continue  # only inside a test's transaction: closing it would end that test
        try:
            connection.close()
        except DATABASE_ERRORS:
            connection.connection = None


class RetryReadMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, "database_unavailable", False) and request.method in SAFE_METHODS:
            close_connections()
            response = self.get_response(request)
        return response
