"""One time-ordered list of everything recorded about a patient, paginated in the database.

A UNION of (kind, id, time) rows from each table is counted and sliced by the paginator; then
the rows of the page are loaded with one query per kind present. The page therefore costs the
same number of queries whatever the length of the history.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.paginator import Paginator
from django.db.models import CharField, Count, DateTimeField, ExpressionWrapper, F, Value
from django.db.models.functions import Cast

from accounts.dates import day_bounds
from doses import alerts
from doses.models import Alert, ClinicalNote, DoseLog, DoseLogVersion
from labs.models import LabResult
from regimens.history import attach_phases_then
from regimens.models import RegimenChange
from symptoms.models import SymptomEntry

DOSE, CHECKIN, LAB = "dose", "checkin", "lab"
CORRECTION, CHANGE, NOTE, ACKNOWLEDGED = "correction", "change", "note", "acknowledged"
# The clinical notes the author shared with the patient: what the patient's own pages show of
# the notes (shown as notes). The care team's pages show every note (NOTE).
SHARED_NOTE = "shared_note"
PATIENT_KINDS = (DOSE, CHECKIN, LAB, CHANGE, SHARED_NOTE)
# A carer's view of the person's history: their clinicians' notes stay the patient's own.
CARER_KINDS = (DOSE, CHECKIN, LAB, CHANGE)
RECORD_KINDS = (DOSE, CORRECTION, CHECKIN, LAB, CHANGE, NOTE, ACKNOWLEDGED)


@dataclass
class Item:
    kind: str
    at: object
    obj: object

    @property
    def template(self) -> str:
        """Each kind is drawn by its own partial (templates/timeline/kinds/<kind>.html)."""
        return f"timeline/kinds/{self.kind}.html"


def _sources(patient):
    """For each kind: its rows for the patient, with the column that orders them."""
    # A lab has a date but no time: place it at noon that day in the patient's zone, so that
    # it sorts among the events of the patient's own day.
    noon = timedelta(hours=12) - patient.local_now().utcoffset()
    lab_time = ExpressionWrapper(
        Cast("taken_on", output_field=DateTimeField()) + Value(noon),
        output_field=DateTimeField(),
    )
    return {
        DOSE: (DoseLog.objects.filter(patient=patient), F("administered_at")),
        CORRECTION: (DoseLogVersion.objects.filter(dose__patient=patient), F("changed_at")),
        CHECKIN: (SymptomEntry.objects.filter(patient=patient), F("recorded_at")),
        LAB: (LabResult.objects.filter(patient=patient), lab_time),
        CHANGE: (RegimenChange.objects.filter(patient=patient), F("at")),
        NOTE: (ClinicalNote.objects.filter(patient=patient), F("created_at")),
        SHARED_NOTE: (
            ClinicalNote.objects.filter(patient=patient, shared_with_patient=True),
            F("created_at"),
        ),
        # An alert enters the timeline when a clinician acknowledges it.
        ACKNOWLEDGED: (
            Alert.objects.filter(patient=patient, acknowledged_at__isnull=False),
            F("acknowledged_at"),
        ),
    }


def _rows(patient, kinds, since: datetime | None, until: datetime | None):
    parts = []
    for kind, (queryset, moment) in _sources(patient).items():
        if kind not in kinds:
            continue
        # Each part drops its model's default ordering: a UNION's parts cannot be ordered.
        # (Named entry_*: RegimenChange has fields called kind and at.)
        rows = queryset.order_by().annotate(
            entry_kind=Value(kind, output_field=CharField()), entry_at=moment
        )
        if since:
            rows = rows.filter(entry_at__gte=since)
        if until:
            rows = rows.filter(entry_at__lt=until)
        parts.append(rows.values_list("entry_kind", "pk", "entry_at"))
    return parts[0].union(*parts[1:], all=True).order_by("-entry_at", "-pk")


def _loaders():
    return {
        DOSE: DoseLog.objects.select_related("phase", "recorded_by").annotate(
            n_versions=Count("versions")
        ),
        CORRECTION: DoseLogVersion.objects.select_related("dose", "changed_by"),
        CHECKIN: SymptomEntry.objects.select_related("phase", "recorded_by"),
        # Deleted results stay in the history, marked, as deleted doses do.
        LAB: LabResult.objects.annotate(n_versions=Count("versions")),
        CHANGE: RegimenChange.objects.select_related("by", "phase"),
        NOTE: ClinicalNote.objects.select_related("author"),
        SHARED_NOTE: ClinicalNote.objects.select_related("author"),
        ACKNOWLEDGED: Alert.objects.select_related("acknowledged_by", "checkin", "dose"),
    }


def timeline_page(
    patient, number, per_page: int = 25, *, kinds=PATIENT_KINDS, first=None, last=None
):
    """The requested page (out-of-range numbers give the last page), with `page.items`;
    `first` and `last` limit it to those days (in the patient's zone)."""
    since, until = day_bounds(patient, first, last)
    page = Paginator(_rows(patient, kinds, since, until), per_page).get_page(number)
    wanted: dict[str, list] = {kind: [] for kind in kinds}
    for kind, pk, _at in page.object_list:
        wanted[kind].append(pk)
    loaders = _loaders()
    loaded = {kind: loaders[kind].in_bulk(pks) for kind, pks in wanted.items() if pks}
    page.items = [
        Item(NOTE if kind == SHARED_NOTE else kind, at, loaded[kind][pk])
        for kind, pk, at in page.object_list
    ]
    for item in page.items:
        if item.kind == ACKNOWLEDGED:
            item.obj.shown = alerts.describe(item.obj)
    attach_phases_then(
        [item.obj for item in page.items if item.kind == DOSE],
        [item.obj for item in page.items if item.kind == CHANGE],
        [item.obj for item in page.items if item.kind == CHECKIN],
    )
    return page
