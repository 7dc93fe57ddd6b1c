"""The JSON API, version 1, at /api/v1/ (README, "API"): its schema at /api/v1/openapi.json,
checked in as docs/api/openapi.json. No interactive docs page: it would load its scripts
from a CDN."""

from django.http import Http404
from django.utils.translation import gettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from .auth import ReadOnlyToken, Throttled, TokenAuth
from .submit import Invalid
from .views import NotFound, router

api = NinjaAPI(
    title="B12 log API",
    version="1",
    description=(
        "A patient's regimen, injections, skips, check-ins, lab results and supplies. "
        "Authenticate with a token made in account settings: `Authorization: Bearer <token>`."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url=None,
    openapi_url="/openapi.json",
)
api.add_router("", router)


def _error(request, status: int, detail: str, errors=None, **headers):
    response = api.create_response(
        request, {"detail": detail, "errors": errors or {}}, status=status
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return _error(
        request,
        401,
        gettext("Send a valid API token: Authorization: Bearer <token>."),
        WWW_Authenticate="Bearer",
    )


@api.exception_handler(ReadOnlyToken)
def read_only(request, exc):
    return _error(request, 403, gettext("This token may only read: make one that may write."))


@api.exception_handler(Throttled)
def throttled(request, exc):
    return _error(
        request,
        429,
        gettext("Too many requests with this token: wait a minute and try again."),
        Retry_After=str(exc.retry_after),
    )


@api.exception_handler(NotFound)
@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, gettext("Not found."))


@api.exception_handler(Invalid)
def invalid(request, exc):
    return _error(request, exc.status, exc.detail, exc.errors)


# Where ninja says a value came from, before its name (the body parameter is named body).
PLACES = ("body", "query", "path", "header", "cookie")


@api.exception_handler(ValidationError)
def malformed(request, exc):
    """The request's shape is wrong (pydantic): each problem under its field's name."""
    errors = {}
    for error in exc.errors:
        where = list(error.get("loc", ()))
        while where and where[0] in PLACES:
            where.pop(0)
        where = ".".join(str(part) for part in where) or "non_field"
        errors.setdefault(where, []).append(str(error.get("msg", "")))
    return _error(request, 422, gettext("The values were not recorded: see errors."), errors)
