"""bench/floor.py's pages: the site's own routes, plus pages that do part of what the patient's
home does, to tell how much of the uncached home's cost is the request itself, its queries,
the reading of its data and the drawing of its templates. Each answers a fixed page of the
size asked for (`?bytes=`, the home's own size), so that only the work differs."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urls
from home.views import _board
from sharing.templatetags.sharing_tags import share_requests_waiting
from timeline import series

# An indexed query of the kind the home makes: the patient's last injection.
LAST_DOSE = (
    'SELECT "administered_at", "dose_mcg", "site" FROM "doses_doselog"'
    ' WHERE "patient_id" = %s AND "deleted_at" IS NULL'
    ' ORDER BY "administered_at" DESC LIMIT 1'
)
MAX_BYTES = 1_000_000


def _page(request) -> HttpResponse:
    size = request.GET.get("bytes", "")
    size = min(int(size), MAX_BYTES) if size.isdigit() else 25_000
    return HttpResponse("<!doctype html>\n" + "x" * size)


@login_required
def bare(request):
    """The request alone: the session read, the user read, every middleware; no query more."""
    return _page(request)


@login_required
def queries(request, count: int):
    """`count` (at most 50) queries written out in SQL, each a round trip to PostgreSQL."""
    with connection.cursor() as cursor:
        for _ in range(min(count, 50)):
            cursor.execute(LAST_DOSE, [request.user.pk])
            cursor.fetchall()
    return _page(request)


@login_required
def data(request):
    """What the uncached home reads and works out, through the ORM, as the home does (the
    dashboard, the supplies, the share requests waiting and the chart's tables), with no
    template drawn."""
    _board(request.user)
    share_requests_waiting(request.user)
    series.compact_symptoms(request.user).tables()
    return _page(request)


urlpatterns = [
    path("floor/bare/", bare),
    path("floor/queries/<int:count>/", queries),
    path("floor/data/", data),
    *site_urls,
]
