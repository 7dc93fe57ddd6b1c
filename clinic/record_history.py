"""The parts of a patient's record drawn from their whole history, kept until the record changes.

The record page (clinic/views/clinician.py) shows, beside what it reads for itself (the regimen
card, the labs, a page of the timeline, the open alerts), three parts that replay every event of
the current regimen: the adherence card, the wear-off flag, and the symptoms, intervals and
wear-off charts with their data tables. Working them out reads the regimen's doses and changes,
every check-in and injection, and the phase changes behind the adherence labels (five queries),
replays the schedule and renders tables of hundreds of rows: most of the page's time.

They are rendered once and kept in the cache under a key naming what they are drawn from: the
patient's record version (raised by every change to a row they show, doses/freshness.py), the
patient's day and zone (the last interval runs to today; dates are shown in that zone), the
language, whether the reader is a clinician, the templates' generation and the code that works
them out (HISTORY_CODE). A repeat view reads none of the history; any change to the record, a
new day, another language or a release makes a new key, so nothing stale is ever shown. The
version is the one read with the patient at the start of the request: parts worked out while a
change commits are stored under the old version, which nothing asks for again.
"""

import dataclasses
import functools
import hashlib
import sys
from pathlib import Path

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from doses import freshness
from doses.freshness import template_generation
from labs import rows as lab_rows
from labs.models import LabRange
from regimens import adherence, history, reference, schedule
from symptoms import wearoff
from timeline import page as timeline_pages
from timeline import series

KEPT_SECONDS = 60 * 60 * 24
# The whole record page (page_key): an hour, as the home, since each reader has their own copy.
PAGE_SECONDS = 60 * 60
TEMPLATES = {
    "adherence": "clinic/_adherence.html",
    "flag": "clinic/_wear_off_flag.html",
    "charts": "clinic/_history_charts.html",
}
# The modules that work the parts out: a release that changes any of them makes new keys.
HISTORY_CODE = (
    sys.modules[__name__],
    adherence,
    history,
    wearoff,
    series,
    timeline_pages,
    lab_rows,
    reference,
)


@functools.cache
def code_generation() -> str:
    stamp = hashlib.blake2b(digest_size=8)
    for module in HISTORY_CODE:
        stamp.update(Path(module.__file__).read_bytes())
    # The reference data: the labs' names, units and typical ranges, the symptoms' names.
    stamp.update(Path(reference.__file__).with_name("clinical.json").read_bytes())
    return stamp.hexdigest()


def key(patient, today, is_clinician: bool) -> str:
    return (
        f"record-history:{patient.pk}:{patient.record_version}:{patient.time_zone}:{today}"
        f":{translation.get_language()}:{int(is_clinician)}:{template_generation()}"
        f":{code_generation()}"
    )


def page_key(viewer, patient, query) -> str:
    """The whole record page (clinic/views/clinician.py) as `viewer` is shown it: what the
    parts' keys name (the record version, the patient's day and zone, the language), plus the
    reader and what the page around it shows of them (name, zone, role, the admin link), the
    query (the timeline's page and range, all alerts or the first few), the lab ranges (an
    admin may change one, which raises no version: one query, the table's few rows) and the
    release (the templates, the code and the reference data)."""
    ranges = list(LabRange.objects.order_by("pk").values_list())
    shown = repr((sorted(query.lists()), ranges))
    digest = hashlib.blake2b(shown.encode(), digest_size=16).hexdigest()
    return (
        f"record-page:{patient.pk}:{patient.record_version}:{patient.time_zone}"
        f":{patient.today()}:{translation.get_language()}:{viewer.pk}"
        f":{freshness.frame_of(viewer)}:{digest}"
        f":{template_generation()}:{freshness.release_generation()}"
    )


def _adherence(regimen, today, inputs, annotated):
    if regimen is None:
        return None
    initial, events = inputs
    result = adherence.adherence(regimen.start_date, initial, events, today, annotated=annotated)
    history.label_adherence(regimen, result)
    return result


def work_out(patient, regimen, today) -> dict:
    """The parts' context: the whole history read and replayed (five queries with a regimen:
    its doses and changes, the check-ins and injections, the phase changes for the labels)."""
    inputs = regimen.schedule_inputs() if regimen else None  # read once, used thrice
    # The schedule replayed once for the three (adherence, the wear-off analysis, intervals).
    annotated = schedule.annotate(regimen.start_date, *inputs) if regimen else None
    # The symptoms chart's check-ins (each with the last injection before it) and injections,
    # which the wear-off analysis (behind the flag and the wear-off chart's table) reuses.
    symptoms = series.symptoms_data(patient, regimen=regimen)
    wear_off = (
        wearoff.for_regimen(regimen, inputs, symptoms.timed, annotated=annotated)
        if regimen
        else None
    )
    names = {item["key"]: item["name"] for item in reference.symptoms()}
    intervals = series.intervals_data(patient, regimen=regimen, inputs=inputs, annotated=annotated)
    wear_off_data = series.wear_off_data(patient, regimen=regimen, inputs=inputs, analysis=wear_off)
    return {
        "patient": patient,
        "regimen": regimen,
        "adherence": _adherence(regimen, today, inputs, annotated),
        "tolerance_share": int(adherence.TOLERANCE_SHARE * 100),
        "wear_off": wear_off,
        "wear_off_flagged": [
            (names[key], wear_off.difference[key])
            for key in (wear_off.flagged if wear_off and regimen.symptoms_return_early else [])
        ],
        "chart_tables": {
            "symptoms": symptoms.tables(),
            "intervals": intervals.tables(),
            "wearoff": wear_off_data.tables(),
        },
        # What the three charts are drawn from, for their images (chart_data).
        "chart_data": {
            "symptoms": dataclasses.replace(symptoms, timed=[]),
            "intervals": intervals,
            "wearoff": wear_off_data,
        },
    }


def parts(patient, regimen, today, is_clinician: bool) -> dict[str, str]:
    """The adherence card, the wear-off flag and the history's charts as HTML ("adherence",
    "flag", "charts"), from the cache or worked out and stored. Call inside the patient's
    zone (timezone.override), as the page is drawn."""
    kept = key(patient, today, is_clinician)
    stored = cache.get(kept)
    if stored is None:
        context = work_out(patient, regimen, today)
        stored = {part: render_to_string(name, context) for part, name in TEMPLATES.items()}
        cache.set_many(
            {kept: stored, chart_data_key(patient, today): context["chart_data"]},
            KEPT_SECONDS,
        )
    # Drawn by our own templates, which escape what they show (as {% cache %} keeps HTML too).
    return {part: mark_safe(text) for part, text in stored.items()}  # noqa: S308  # nosec B308 B703


def chart_data_key(patient, today) -> str:
    return (
        f"record-chart-data:{patient.pk}:{patient.record_version}:{patient.time_zone}:{today}"
        f":{translation.get_language()}:{code_generation()}"
    )


def chart_data(patient) -> dict | None:
    """What the record's symptoms, intervals and wear-off charts are drawn from (whole, not
    compact), as the page worked it out for their tables under this record version, day, zone
    and language: their images (clinic/views/charts.py), asked for right after the page, are
    then drawn from the very data of the tables beside them, without reading the history a
    second time. None when the page has not worked it out (the chart reads it itself)."""
    return cache.get(chart_data_key(patient, patient.today()))


def timeline_key(patient, today, kinds, number, first, last, query: str) -> str:
    asked = hashlib.blake2b(
        f"{','.join(kinds)}|{number}|{first}|{last}|{query}".encode(), digest_size=8
    ).hexdigest()
    return (
        f"record-timeline:{patient.pk}:{patient.record_version}:{patient.time_zone}:{today}"
        f":{translation.get_language()}:{asked}:{template_generation()}:{code_generation()}"
    )


def timeline(patient, today, *, kinds, number, first, last, query: str) -> str:
    """A page of the record's timeline (timeline/page.py) with its page links, as HTML, from
    the cache or read (a count and a page of the history's union, then each kind's rows) and
    stored. Kept like the parts above, under the record version and the patient's day (each
    entry says "3 days ago"), and what was asked: the kinds the reader may see, the page, the
    days and the query the page links carry. Every row the timeline shows raises the version
    when it changes: injections (and their corrections, which save the injection), check-ins,
    labs, the regimen's changes and the clinical notes (watched: clinic/apps.py), and an
    alert's acknowledgement (doses/alerts.py acknowledge). Call inside the patient's zone."""
    number = number if number and number.isdigit() and len(number) < 7 else None
    kept = timeline_key(patient, today, kinds, number, first, last, query)
    stored = cache.get(kept)
    if stored is None:
        page = timeline_pages.timeline_page(patient, number, kinds=kinds, first=first, last=last)
        stored = render_to_string("clinic/_record_timeline.html", {"page": page, "query": query})
        cache.set(kept, stored, KEPT_SECONDS)
    return mark_safe(stored)  # noqa: S308  # nosec B308 B703  # our own template, escaped


LAB_TEMPLATES = {"card": "clinic/_lab_card.html", "charts": "clinic/_lab_charts.html"}


def labs_key(patient, rows, user) -> str:
    """Named by what the lab results card and the lab charts show, rather than by the record
    version: every row's values, its typical range (an admin may change one, which raises no
    version) and the days since the injection before it."""
    shown = hashlib.blake2b(digest_size=16)
    for row in rows:
        lab, typical = row.lab, row.range
        shown.update(
            repr(
                (
                    lab.pk,
                    lab.analyte,
                    lab.taken_on,
                    lab.value,
                    lab.unit,
                    lab.value_canonical,
                    lab.deleted_at,
                    (typical.pk, typical.low, typical.high, typical.unit) if typical else None,
                    row.days_after_injection,
                )
            ).encode()
        )
    return (
        f"record-labs:{patient.pk}:{shown.hexdigest()}:{translation.get_language()}"
        f":{int(user.is_patient)}:{template_generation()}:{code_generation()}"
    )


def labs(patient, rows, user) -> dict[str, str]:
    """The lab results card's table and the lab charts with their data tables, as HTML
    ("card", "charts"), from the rows read for the page (labs/rows.py, read anew on every
    view): rendered once for each state of them and kept."""
    kept = labs_key(patient, rows, user)
    stored = cache.get(kept)
    if stored is None:
        context = {
            "patient": patient,
            "user": user,
            "lab_rows": rows,
            "lab_charts": series.labs_from_rows(rows),
        }
        stored = {part: render_to_string(name, context) for part, name in LAB_TEMPLATES.items()}
        cache.set(kept, stored, KEPT_SECONDS)
    return {part: mark_safe(text) for part, text in stored.items()}  # noqa: S308  # nosec B308 B703
