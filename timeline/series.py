"""The data behind each chart of a patient's record, read once and used twice: the chart drawn
from it (clinic/charts.py, served by clinic/views/charts.py) and, beside the chart on the page,
the same data as tables (dates, values and units) behind a "Show the data as a table"
disclosure (templates/timeline/_chart.html), for whoever cannot see the picture.

Each `*_data` function reads what its chart shows and returns plain values; `tables()` lays
them out. The pages pass in what they have already loaded (the regimen, its schedule inputs,
the wear-off analysis, the lab results card's rows), so the tables cost a page no more than the
queries named on each function.
"""

import dataclasses
import functools
import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import DateTimeField, Value
from django.utils import dateformat, formats
from django.utils.html import conditional_escape as escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from accounts import dates
from accounts.dates import day_bounds
from doses.models import DoseLog
from labs.models import LabRange, LabResult
from regimens import reference, schedule
from regimens.models import PhaseKind, current_regimen
from symptoms import wearoff
from symptoms.models import SymptomEntry

COMPACT_DAYS = 180  # the home page's small chart: the last six months


class Cell(NamedTuple):
    """A table's cell. A tuple rather than a dataclass: the record's history tables make
    thousands of them on the first view after a change, and a tuple is made in a fraction of
    the time (docs/performance.md)."""

    text: str
    label: str  # the column's heading, shown before the value when a phone stacks the table
    when: str = ""  # an ISO date, for <time datetime>


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    testid: str = ""
    language: str | None = field(default_factory=get_language)  # the dates' month names

    def add(self, *cells) -> None:
        """A row: each cell a text, or a date (shown as the charts date it)."""
        language = self.language
        self.rows.append(
            [
                Cell(_day_in(value, language), heading, value.isoformat())
                if isinstance(value, date)
                else Cell(str(value), heading)
                for heading, value in zip(self.headers, cells, strict=True)
            ]
        )

    @property
    def rows_html(self) -> str:
        """The body's rows as timeline/_chart.html shows them, written here rather than by
        the template's loops (tables of hundreds of rows: the record's history charts): each
        row on its own line, each cell with its column's heading (data-label) and a date in
        <time datetime>, every text escaped."""
        labels = [f'<td data-label="{escape(heading)}">' for heading in self.headers]
        written: dict = {}  # a table repeats its dates and scores: each cell's HTML once

        def td(i, cell):
            found = written.get((i, cell.text, cell.when))
            if found is None:
                text = escape(cell.text)
                found = written[(i, cell.text, cell.when)] = (
                    f'{labels[i]}<time datetime="{escape(cell.when)}">{text}</time></td>'
                    if cell.when
                    else f"{labels[i]}{text}</td>"
                )
            return found

        lines = [
            f"<tr>{''.join([td(i, cell) for i, cell in enumerate(row)])}</tr>\n          "
            for row in self.rows
        ]
        return mark_safe("".join(lines))  # noqa: S308  # nosec B308 B703  # escaped above


def _day(day: date) -> str:
    return _day_in(day, get_language())


@functools.lru_cache(maxsize=8192)
def _day_in(day: date, language) -> str:
    """A date as the tables show it, in the active language (named in the key: the months'
    names are translated). Kept: a table of hundreds of rows repeats its dates."""
    return dateformat.format(day, "j M Y")


def number(value, language=None) -> str:
    """A value as the tables show it: exact (a Decimal as stored), in the language's notation
    (the active one, unless named)."""
    return _number_in(type(value), value, language or get_language())


@functools.lru_cache(maxsize=8192)
def _number_in(kind, value, language) -> str:
    # `kind` in the key: 1, 1.0 and Decimal(1) are equal keys but may be written apart.
    if isinstance(value, Decimal):
        value = value.normalize()
        value = value.quantize(Decimal(1)) if value == value.to_integral() else value
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    return formats.number_format(value)


def _symptom_names():
    return [(item["key"], item["name"]) for item in reference.symptoms()]


# --- symptoms over time ----------------------------------------------------------------------


@dataclass
class SymptomsData:
    checkins: list  # [(date, {key: score})]
    given: list  # [(date, phase kind, phase label)] of each injection given
    today: date  # the last phase runs to this day
    symptoms: list  # [(key, name)]
    timed: list = field(default_factory=list)  # wearoff.Checkin of each, with a regimen

    @property
    def injections(self) -> list[date]:
        return [day for day, _kind, _label in self.given]

    def tables(self) -> list[Table]:
        scores = Table(
            gettext("Check-ins: each symptom's score, from 0 (none) to 10 (worst)"),
            [gettext("Date"), *(name for _key, name in self.symptoms)],
            testid="table-checkins",
        )
        for day, values in self.checkins:
            scores.add(day, *(values[key] for key, _name in self.symptoms))
        injections = Table(
            gettext("Injections given, with the phase of the plan"),
            [gettext("Date"), gettext("Phase")],
            testid="table-injections",
        )
        for day, _kind, label in self.given:
            injections.add(day, label)
        return [scores, injections]


def symptoms_data(patient, *, compact=False, first=None, last=None, regimen=None) -> SymptomsData:
    """Two queries: the check-ins and the injections given (with their phases); `compact`
    keeps the last COMPACT_DAYS, `first` and `last` (days in the patient's zone) those days.
    With a `regimen`, each check-in also carries the day of the last of its injections given
    before it (in the same query; `timed`), for the wear-off analysis (symptoms/wearoff.py)."""
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
    if regimen is not None:
        entries = entries.annotate(last_given=wearoff.last_given_before(regimen.doses))
    else:
        entries = entries.annotate(last_given=Value(None, output_field=DateTimeField()))
    checkins, timed = [], []
    for at, given, *scores in entries.values_list("recorded_at", "last_given", *keys):
        day, values = dates.clamp(at).astimezone(zone).date(), dict(zip(keys, scores, strict=True))
        checkins.append((day, values))
        after = dates.clamp(given).astimezone(zone).date() if given else None
        timed.append(wearoff.Checkin(day, values, after))
    given = [
        (dates.clamp(at).astimezone(zone).date(), kind or "", label or "")
        for at, kind, label in doses.values_list("administered_at", "phase__kind", "phase__label")
    ]
    today = min(patient.today(), last) if last else patient.today()
    return SymptomsData(checkins, given, today, _symptom_names(), timed)


# The home's small chart: its data read once for the page and its image ---------------------

COMPACT_KEPT_SECONDS = 60 * 60  # as long as the home that read it (doses/freshness.py)


@functools.cache
def _code_generation() -> str:
    """This module as deployed: data kept by an earlier release is not used by a later one."""
    return hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8).hexdigest()


def compact_key(patient) -> str:
    """Named by what the small chart's data is drawn from, as the chart's ETag is
    (clinic/views/charts.py): the record version, the zone, the patient's day, the language."""
    return (
        f"home-chart-data:{patient.pk}:{patient.record_version}:{patient.time_zone}"
        f":{patient.today()}:{get_language()}:{_code_generation()}"
    )


def compact_symptoms(patient) -> SymptomsData:
    """The home's small chart's data (two queries, symptoms_data), read for the tables beside
    the chart and kept for its image, which the browser asks for right after the page: the
    image is then drawn without reading again what the page has just read."""
    data = dataclasses.replace(symptoms_data(patient, compact=True), timed=[])
    cache.set(compact_key(patient), data, COMPACT_KEPT_SECONDS)
    return data


def kept_compact(patient) -> SymptomsData | None:
    """The small chart's data as the home read it under this version and day, or None."""
    return cache.get(compact_key(patient))


# --- days between injections -----------------------------------------------------------------


@dataclass
class IntervalsData:
    rows: list  # [(date of the injection, days since the one before, prescribed days)]

    def tables(self) -> list[Table]:
        table = Table(
            gettext("Days between injections, against the prescribed interval"),
            [
                gettext("Injection"),
                gettext("Days since the injection before"),
                gettext("Prescribed interval (days)"),
            ],
            testid="table-intervals",
        )
        for day, actual, prescribed in self.rows:
            table.add(day, number(actual, table.language), number(prescribed, table.language))
        return [table]


NOT_GIVEN = object()


def intervals_data(
    patient, first=None, last=None, *, regimen=NOT_GIVEN, inputs=None, annotated=None
):
    """The current regimen's replayed schedule: four queries (the regimen, its phases, changes
    and doses), none for what the caller passes (`annotated`: the replay itself)."""
    if regimen is NOT_GIVEN:
        regimen = current_regimen(patient)
    rows = []
    if regimen is not None:
        if annotated is None:
            initial, events = inputs or regimen.schedule_inputs()
            annotated = schedule.annotate(regimen.start_date, initial, events)
        given = [(e.on, rule) for e, _due, _i, rule in annotated[0] if e.kind == schedule.GIVEN]
        rows = [
            (on, (on - before).days, schedule.interval_days(rule.schedule))
            for (before, _), (on, rule) in zip(given, given[1:], strict=False)
            if (first is None or on >= first) and (last is None or on <= last)
        ]
    return IntervalsData(rows)


# --- symptoms by days since the injection ----------------------------------------------------


@dataclass
class WearOffData:
    points: list  # wearoff.Point
    symptoms: list  # [(key, name)]
    interval: float | None  # the maintenance interval in days, when in maintenance

    def tables(self) -> list[Table]:
        caption = gettext(
            "Check-ins in maintenance, by days since the injection before each; scores from "
            "0 (none) to 10 (worst)"
        )
        if self.interval:
            caption += ". " + gettext("The next injection is due after %(days)s days.") % {
                "days": number(self.interval)
            }
        table = Table(
            caption,
            [
                gettext("Date"),
                gettext("Days since the injection"),
                *(name for _key, name in self.symptoms),
            ],
            testid="table-wearoff",
        )
        for point in self.points:
            table.add(point.on, point.days, *(point.scores[key] for key, _ in self.symptoms))
        return [table]


def wear_off_data(patient, *, regimen=NOT_GIVEN, inputs=None, analysis=None) -> WearOffData:
    """The maintenance check-ins (wearoff.for_regimen: the schedule inputs unless given, and
    one query for the check-ins, unless the `analysis` is given)."""
    if regimen is NOT_GIVEN:
        regimen = current_regimen(patient)
    points, interval = [], None
    if regimen is not None:
        points = (analysis or wearoff.for_regimen(regimen, inputs)).points
        phase = regimen.current_phase
        if phase is not None and phase.kind == PhaseKind.MAINTENANCE:
            interval = schedule.interval_days(phase.rule.schedule)
    return WearOffData(points, _symptom_names(), interval)


# --- one lab test over time ------------------------------------------------------------------


@dataclass
class LabData:
    analyte: str
    name: str
    unit: str  # the canonical unit, in which every value is drawn
    results: list  # [(date, value in the canonical unit)]
    typical: tuple | None  # (low, high) as the admin set it

    def tables(self) -> list[Table]:
        caption = gettext("%(test)s results") % {"test": self.name}
        if self.typical:
            caption += "; " + gettext("typical range %(low)s to %(high)s %(unit)s") % {
                "low": number(self.typical[0]),
                "high": number(self.typical[1]),
                "unit": self.unit,
            }
        table = Table(
            caption,
            [gettext("Date"), gettext("Value (%(unit)s)") % {"unit": self.unit}],
            testid=f"table-lab-{self.analyte}",
        )
        for day, value in self.results:
            table.add(day, number(value))
        return [table]


def typical_range(analyte: str):
    """A lab chart's typical range as the admin set it (low, high), or None: one query."""
    return LabRange.objects.filter(analyte=analyte).values_list("low", "high").first()


def lab_data(patient, analyte, first=None, last=None, typical=None) -> LabData:
    """One query: the analyte's results (not deleted), in time order. Raises StopIteration for
    an analyte the reference data does not know."""
    info = reference.lab(analyte)
    results = LabResult.objects.filter(
        patient=patient, analyte=analyte, deleted_at__isnull=True
    ).order_by("taken_on", "pk")
    if first:
        results = results.filter(taken_on__gte=first)
    if last:
        results = results.filter(taken_on__lte=last)
    # A date stored out of bounds is drawn at the bound.
    results = [
        (dates.clamp(day), value)
        for day, value in results.values_list("taken_on", "value_canonical")
    ]
    return LabData(analyte, info["name"], info["canonical_unit"], results, typical)


def labs_from_rows(rows) -> list[LabData]:
    """Each analyte's data from the lab results card's rows (labs/rows.py, newest first), with
    no query: the typical range only where the admin set one, as the chart reads it."""
    by_analyte: dict[str, list] = {}
    ranges = {}
    for row in reversed(rows):  # oldest first; the card's ties are newest pk first
        lab = row.lab
        by_analyte.setdefault(lab.analyte, []).append(
            (dates.clamp(lab.taken_on), lab.value_canonical)
        )
        stored = row.range if row.range is not None and row.range.pk else None
        ranges[lab.analyte] = (stored.low, stored.high) if stored else None
    found = []
    for analyte in sorted(by_analyte):
        info = reference.lab(analyte)
        found.append(
            LabData(
                analyte, info["name"], info["canonical_unit"], by_analyte[analyte], ranges[analyte]
            )
        )
    return found
