"""The charts of a patient's record as SVG images, for the owner and their clinicians.

`?first=&last=` (days in the patient's zone, as the report's range) limit a chart to those
days; `?compact=1` draws the small version for the home page.

Each answer carries `Cache-Control: private, no-cache` and an ETag named from what the chart is
drawn from, known before drawing: the patient's record version (raised by every change to a row
a chart shows, doses/freshness.py), their day and zone, the language, the chart and its range,
a lab's typical range, and the code that reads and draws it (DRAWN_BY). The browser may keep
its copy but asks again each time; a request naming the ETag it holds (If-None-Match) is
answered 304 with no body and nothing drawn, and a drawing is kept in the cache under its ETag
for other browsers.

A chart sent (200) is an access to the record and is logged as one (accounts/access.py, one
row per viewer, kind of page and patient within five minutes). A 304 is not logged: it sends
nothing, only confirms that the copy the browser was sent (and that was logged then) is still
current. The ETag names the reader (`_viewers`), so a 304 goes only to a reader who was sent
that drawing and logged then, not to one holding an ETag got elsewhere; and the record page that
shows the charts logs its own view each time. The access check stays in front of both: a 304
goes only to someone who may read the record now. What the 304 path costs is what it needs:
the session, the signed-in user, the patient through the access check (not read again when it
is the signed-in patient's own chart), a lab's typical range, and the ETag's hash.
"""

import functools
import hashlib
import sys
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_GET

from accounts.access import log_view, patient_or_404, readable_patients
from accounts.models import User
from regimens import reference
from timeline import series

from .. import chart_drawing, charts, record_history
from ..forms import RangeForm

CACHE_CONTROL = "private, no-cache"
CHARTS = ("symptoms", "intervals", "wearoff")
KEPT_SECONDS = 60 * 60 * 24
typical_range = series.typical_range
# The modules a chart's drawing depends on, hashed into its ETag: a release that changes any of
# them draws every chart anew rather than serving (or answering 304 for) an old drawing.
DRAWN_BY = (sys.modules[__name__], series, charts, chart_drawing, record_history)


@functools.cache
def drawing_code() -> str:
    """This module, the data's and the drawing's, as deployed: a new release draws anew."""
    stamp = hashlib.blake2b(digest_size=8)
    for module in DRAWN_BY:
        path = Path(module.__file__)
        stamp.update(path.read_bytes())
    return stamp.hexdigest()


def _etag(patient, name, compact, first, last, typical) -> str:
    parts = [
        drawing_code(),
        patient.pk,
        patient.record_version,
        patient.time_zone,
        patient.today(),  # the last phase runs to today; the small chart shows 180 days to it
        translation.get_language(),
        name,
        compact,
        first,
        last,
        typical,  # a lab's, which an admin may change
    ]
    return '"' + hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest() + '"'


def _viewers(drawing: str, viewer) -> str:
    """The ETag sent to `viewer`: the drawing's, made theirs, so that a 304 goes only to a
    reader who was sent this drawing (and logged then), never on an ETag got elsewhere."""
    return (
        '"' + hashlib.blake2b(f"{drawing}:{viewer.pk}".encode(), digest_size=16).hexdigest() + '"'
    )


def _draw(patient, name, compact, first, last, typical) -> str:
    # The record page's charts, whole: drawn from the data the page has just worked out for
    # their tables, when it has (clinic/record_history.py chart_data), else read here.
    whole = name in CHARTS and not (compact or first or last)
    kept = (record_history.chart_data(patient) if whole else None) or {}
    # The home's small chart: drawn from the data the home has just read for its tables.
    if name == "symptoms" and compact and not (first or last):
        kept = {"symptoms": series.kept_compact(patient)}
    if name == "symptoms":
        data = kept.get("symptoms") or series.symptoms_data(
            patient, compact=compact, first=first, last=last
        )
        phases = charts.phase_periods(data.given, data.today)
        return charts.symptoms_chart(
            data.checkins, data.injections, phases, data.symptoms, compact=compact
        )
    if name == "intervals":
        data = kept.get("intervals") or series.intervals_data(patient, first, last)
        return charts.intervals_chart(data.rows, compact=compact)
    if name == "wearoff":
        data = kept.get("wearoff") or series.wear_off_data(patient)
        return charts.wear_off_chart(data.points, data.symptoms, data.interval, compact=compact)
    try:
        data = series.lab_data(patient, name.removeprefix("lab-"), first, last, typical)
    except StopIteration:
        raise Http404("No such lab test") from None
    return charts.lab_chart(data.name, data.unit, data.results, data.typical, compact=compact)


def _known(name: str) -> bool:
    if name in CHARTS:
        return True
    if not name.startswith("lab-"):
        return False
    try:
        reference.lab(name.removeprefix("lab-"))
    except StopIteration:
        return False
    return True


def _patient(user, patient_id):
    """The patient whose chart is asked for, if `user` may read it: the signed-in patient's own
    without reading them again (they were read, active, with this request's session), else
    through the access check (accounts/access.py)."""
    if user.is_patient and user.is_active and str(user.pk) == str(patient_id):
        return user
    if user.is_authenticated and user.is_carer:  # the home's chart of a person they care for
        try:
            return readable_patients(user).get(pk=patient_id)
        except (User.DoesNotExist, ValueError, TypeError):
            raise Http404("No such patient") from None
    return patient_or_404(user, patient_id)


@login_required
@require_GET
def chart(request, patient_id, name):
    patient = _patient(request.user, patient_id)
    if not _known(name):
        raise Http404("No such chart")
    compact = request.GET.get("compact") == "1"
    first = last = None
    if "first" in request.GET or "last" in request.GET:
        days = RangeForm(request.GET)
        if days.is_valid():
            first, last = days.cleaned_data["first"], days.cleaned_data["last"]
    typical = typical_range(name.removeprefix("lab-")) if name.startswith("lab-") else None
    drawing = _etag(patient, name, compact, first, last, typical)
    etag = _viewers(drawing, request.user)
    response = get_conditional_response(request, etag=etag)
    if response is None:
        log_view(request, patient, "charts")  # a 304 is not: see the module's docstring
        key = f"chart:{drawing}"
        svg = cache.get(key)
        if svg is None:
            svg = _draw(patient, name, compact, first, last, typical)
            cache.set(key, svg, KEPT_SECONDS)
        response = HttpResponse(svg, content_type="image/svg+xml")
    # Health data: private to this browser, and revalidated on every use (the ETag makes that
    # cheap) rather than never stored; NoStoreMiddleware leaves a view's own Cache-Control.
    response["Cache-Control"] = CACHE_CONTROL
    response["ETag"] = etag
    return response
