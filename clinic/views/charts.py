"""The charts of a patient's record as SVG images, for the owner and their clinicians.

`?first=&last=` (days in the patient's zone, as the report's range) limit a chart to those
days; `?compact=1` draws the small version for the home page.

Each answer carries `Cache-Control: private, no-cache` and an ETag named from what the chart is
drawn from, known before drawing: the patient's record version (raised by every change to a row
a chart shows, doses/freshness.py), their day and zone, the language, the chart and its range,
a lab's typical range, and this code. The browser may keep its copy but asks again each time;
a request naming the ETag it holds (If-None-Match) is answered 304 with no body and nothing
drawn, and a drawing is kept in the cache under its ETag for other browsers. Every request, 304
or not, is an access to the record and is logged as one."""

import functools
import hashlib
from datetime import timedelta
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_GET

from accounts import dates
from accounts.access import log_view, patient_or_404
from accounts.dates import day_bounds
from doses.models import DoseLog
from labs.models import LabRange, LabResult
from regimens import reference, schedule
from regimens.models import PhaseKind, current_regimen
from symptoms import wearoff
from symptoms.models import SymptomEntry

from .. import charts
from ..forms import RangeForm

COMPACT_DAYS = 180
CACHE_CONTROL = "private, no-cache"
CHARTS = ("symptoms", "intervals", "wearoff")
KEPT_SECONDS = 60 * 60 * 24


def _symptoms(patient, compact, first=None, last=None):
    keys = SymptomEntry.SYMPTOMS
    entries = SymptomEntry.objects.filter(patient=patient).order_by("recorded_at")
    doses = DoseLog.objects.filter(
        patient=patient, status=DoseLog.Status.GIVEN, deleted_at__isnull=True
    ).order_by("administered_at")
    since, until = day_bounds(patient, first, last)
    if compact:
        since = patient.local_now() - timedelta(days=COMPACT_DAYS)
    if since:
        entries = entries.filter(recorded_at__gte=since)
        doses = doses.filter(administered_at__gte=since)
    if until:
        entries = entries.filter(recorded_at__lt=until)
        doses = doses.filter(administered_at__lt=until)
    zone = patient.zone
    checkins = [
        (dates.clamp(at).astimezone(zone).date(), dict(zip(keys, scores, strict=True)))
        for at, *scores in entries.values_list("recorded_at", *keys)
    ]
    given = [
        (dates.clamp(at).astimezone(zone).date(), kind or "", label or "")
        for at, kind, label in doses.values_list("administered_at", "phase__kind", "phase__label")
    ]
    return charts.symptoms_chart(
        checkins,
        [day for day, _, _ in given],
        charts.phase_periods(given, min(patient.today(), last) if last else patient.today()),
        [(s["key"], s["name"]) for s in reference.symptoms()],
        compact=compact,
    )


def _intervals(patient, compact, first=None, last=None):
    regimen = current_regimen(patient)
    rows = []
    if regimen is not None:
        initial, events = regimen.schedule_inputs()
        annotated, _state, _rules = schedule.annotate(regimen.start_date, initial, events)
        given = [(e.on, rule) for e, _due, _i, rule in annotated if e.kind == schedule.GIVEN]
        rows = [
            (on, (on - before).days, schedule.interval_days(rule.schedule))
            for (before, _), (on, rule) in zip(given, given[1:], strict=False)
            if (first is None or on >= first) and (last is None or on <= last)
        ]
    return charts.intervals_chart(rows, compact=compact)


def _wear_off(patient, compact):
    regimen = current_regimen(patient)
    points, interval = [], None
    if regimen is not None:
        points = wearoff.for_regimen(regimen).points
        phase = regimen.current_phase
        if phase is not None and phase.kind == PhaseKind.MAINTENANCE:
            interval = schedule.interval_days(phase.rule.schedule)
    symptoms = [(s["key"], s["name"]) for s in reference.symptoms()]
    return charts.wear_off_chart(points, symptoms, interval, compact=compact)


def typical_range(name: str):
    """A lab chart's typical range as the admin set it (low, high), or None."""
    analyte = name.removeprefix("lab-")
    return LabRange.objects.filter(analyte=analyte).values_list("low", "high").first()


def _lab(patient, analyte, compact, first, last, typical):
    try:
        info = reference.lab(analyte)
    except StopIteration:
        raise Http404("No such lab test") from None
    results = LabResult.objects.filter(
        patient=patient, analyte=analyte, deleted_at__isnull=True
    ).order_by("taken_on")
    if first:
        results = results.filter(taken_on__gte=first)
    if last:
        results = results.filter(taken_on__lte=last)
    # A date stored out of bounds is drawn at the bound.
    results = [
        (dates.clamp(day), value)
        for day, value in results.values_list("taken_on", "value_canonical")
    ]
    return charts.lab_chart(info["name"], info["canonical_unit"], results, typical, compact=compact)


@functools.cache
def drawing_code() -> str:
    """This module and the drawing's, as deployed: a new release draws anew."""
    stamp = hashlib.blake2b(digest_size=8)
    for path in (Path(__file__), Path(charts.__file__)):
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


def _draw(patient, name, compact, first, last, typical) -> str:
    if name == "symptoms":
        return _symptoms(patient, compact, first, last)
    if name == "intervals":
        return _intervals(patient, compact, first, last)
    if name == "wearoff":
        return _wear_off(patient, compact)
    return _lab(patient, name.removeprefix("lab-"), compact, first, last, typical)


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


@login_required
@require_GET
def chart(request, patient_id, name):
    patient = patient_or_404(request.user, patient_id)
    if not _known(name):
        raise Http404("No such chart")
    compact = request.GET.get("compact") == "1"
    days = RangeForm(request.GET)
    first, last = (
        (days.cleaned_data["first"], days.cleaned_data["last"]) if days.is_valid() else (None, None)
    )
    log_view(request, patient, "charts")
    typical = typical_range(name) if name.startswith("lab-") else None
    etag = _etag(patient, name, compact, first, last, typical)
    response = get_conditional_response(request, etag=etag)
    if response is None:
        key = f"chart:{etag}"
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
