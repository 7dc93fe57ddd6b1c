"""A patient's injections, check-ins or labs over a range of days, as a CSV file that opens
cleanly in a spreadsheet.

Days are the patient's own (inclusive at both ends, in the patient's zone), dates and times are
separate columns (ISO dates, 24-hour times), units are in the headers, numbers are plain numbers
and text that a spreadsheet would read as a formula is defused with a leading apostrophe. The
file is UTF-8 with a byte order mark and CRLF line ends. Each kind costs a fixed number of
queries: one for injections or check-ins, two for labs (results and typical ranges).
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy

from accounts import dates
from accounts.dates import day_bounds
from accounts.language import in_source_language
from accounts.models import User
from doses.models import DoseLog
from labs.models import LabRange, LabResult
from labs.rows import LabRow
from regimens import reference
from regimens.history import attach_phases_then
from regimens.models import Medication, Route
from symptoms.models import SymptomEntry

INJECTIONS, CHECKINS, LABS = "injections", "checkins", "labs"
# The labels are the download form's choices (records/forms.py), read by a person.
KINDS = (
    (INJECTIONS, gettext_lazy("Injections")),
    (CHECKINS, gettext_lazy("Check-ins")),
    (LABS, gettext_lazy("Lab results")),
)

# A cell starting with one of these is read as a formula (or a formula's start) by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    header: list[str]
    rows: list[list]


def guard(value) -> str:
    """A cell's text: numbers as plain numbers, text defused if it would start a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, Decimal)):
        # Fixed-point, without trailing zeros: 350.000 -> 350, 1.50 -> 1.5, 1E+3 -> 1000.
        text = format(Decimal(str(value)).normalize(), "f")
        return "0" if text == "-0" else text
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([guard(cell) for cell in table.header])
    writer.writerows([guard(cell) for cell in row] for row in table.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _when(moment, zone) -> list[str]:
    local = moment.astimezone(zone)
    return [local.date().isoformat(), local.strftime("%H:%M")]


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def injections(patient, first: date, last: date) -> Table:
    since, until = day_bounds(patient, first, last)
    doses = (
        DoseLog.objects.filter(
            patient=patient,
            deleted_at__isnull=True,
            administered_at__gte=since,
            administered_at__lt=until,
        )
        .select_related("regimen", "phase")
        .order_by("administered_at", "pk")
    )
    zone = patient.zone
    header = [
        "Date",
        f"Time ({patient.time_zone})",
        "Status",
        "Dose (mcg)",
        "Volume (mL)",
        "Product",
        "Strength (mcg/mL)",
        "Route",
        "Site",
        "Lot",
        "Given by",
        "Phase",
        "Notes or reason skipped",
        "Confirmed as",
        "Prescribed dose then (mcg)",
        "On time within (± days)",
    ]
    rows = []
    doses = list(doses)
    attach_phases_then(doses)  # the phase as it was when each dose was given or skipped
    for dose in doses:
        then = dose.phase_then
        phase = then.label if then else ""
        if dose.is_given:
            medication = dose.medication or dose.regimen.medication
            strength = dose.concentration_mcg_per_ml or dose.regimen.concentration_mcg_per_ml
            details = [
                dose.dose_mcg,
                dose.volume_ml,
                _label(Medication, medication),
                strength,
                _label(Route, dose.route),
                reference.site_name(dose.site),
                dose.lot_number,
                dose.get_administered_by_display(),
                phase,
                dose.reaction_notes,
            ]
        else:
            details = [None] * 8 + [phase, dose.skip_reason_text]
        details.append("; ".join(dose.timing_notes))
        details += [then.dose_mcg, then.window_days] if then else [None, None]
        rows.append([*_when(dose.administered_at, zone), dose.get_status_display(), *details])
    return Table(header, rows)


def _short_name(key: str) -> str:
    return key.replace("_", " ").capitalize()


def checkins(patient, first: date, last: date) -> Table:
    since, until = day_bounds(patient, first, last)
    entries = list(
        SymptomEntry.objects.filter(patient=patient, recorded_at__gte=since, recorded_at__lt=until)
        .select_related("phase")
        .order_by("recorded_at", "pk")
    )
    attach_phases_then([], checkins=entries)  # the phase the patient was in at each
    zone = patient.zone
    keys = SymptomEntry.SYMPTOMS
    header = [
        "Date",
        f"Time ({patient.time_zone})",
        *(f"{_short_name(key)} (0-10)" for key in keys),
        f"Total (0-{10 * len(keys)})",
        "Side effects",
        "Allergy signs",
        "Note",
        "Phase",
    ]
    signs = dict(SymptomEntry.ALLERGY_SIGNS)
    rows = [
        [
            *_when(entry.recorded_at, zone),
            *(getattr(entry, key) for key in keys),
            entry.total,
            "; ".join(entry.side_effects),
            "; ".join(str(signs.get(sign, sign)) for sign in entry.allergy_signs),
            entry.note,
            entry.phase_then.label if entry.phase_then else "",
        ]
        for entry in entries
    ]
    return Table(header, rows)


POSITIONS = {"low": "Low", "high": "High", "": "No"}


def labs(patient, first: date, last: date) -> Table:
    results = LabResult.objects.filter(
        patient=patient, taken_on__gte=first, taken_on__lte=last, deleted_at__isnull=True
    ).order_by("taken_on", "pk")
    ranges = {r.analyte: r for r in LabRange.objects.all()}
    header = [
        "Date taken",
        "Test",
        "Value",
        "Unit",
        "Standard value",
        "Standard unit",
        "Typical low",
        "Typical high",
        "Outside typical range",
        "Note",
    ]
    rows = []
    for lab in results:
        typical = ranges.get(lab.analyte)
        rows.append(
            [
                lab.taken_on.isoformat(),
                lab.get_analyte_display(),
                lab.value,
                lab.unit,
                lab.value_canonical,
                lab.canonical_unit,
                typical.low if typical else None,
                typical.high if typical else None,
                POSITIONS[LabRow(lab, typical, None).position] if typical else "",
                lab.note,
            ]
        )
    return Table(header, rows)


BUILDERS = {INJECTIONS: injections, CHECKINS: checkins, LABS: labs}


@in_source_language
def table(patient, kind: str, first: date, last: date) -> Table:
    """The file's rows. Its headers are not marked for translation, so its values (choice
    labels such as a dose's status) are in the same source language, whatever the page's."""
    return BUILDERS[kind](patient, first, last)


def year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day - timedelta(days=366)


def first_day(patient) -> date | None:
    """The patient's local date of their earliest injection, check-in or lab (one query)."""
    earliest = {
        "dose": DoseLog.objects.filter(patient=OuterRef("pk"), deleted_at__isnull=True)
        .order_by("administered_at")
        .values("administered_at")[:1],
        "checkin": SymptomEntry.objects.filter(patient=OuterRef("pk"))
        .order_by("recorded_at")
        .values("recorded_at")[:1],
        "lab": LabResult.objects.filter(patient=OuterRef("pk"), deleted_at__isnull=True)
        .order_by("taken_on")
        .values("taken_on")[:1],
    }
    found = (
        User.objects.filter(pk=patient.pk)
        .annotate(**{name: Subquery(query) for name, query in earliest.items()})
        .values(*earliest)
        .get()
    )
    zone = patient.zone
    days = [
        dates.clamp(found[name]).astimezone(zone).date()
        for name in ("dose", "checkin")
        if found[name]
    ]
    if found["lab"]:
        days.append(found["lab"])
    return min(days, default=None)
