"""A patient's whole record as JSON, and back: for the patient's own download and for moving or
restoring one patient without touching anyone else (the whole database is backed up with
pg_dump; see the README).

The export holds the patient's account and every row that belongs to them, with their ids, so
that an import after a wipe restores exactly what was there. Other people (clinicians, who
recorded what) are referred to by id and must exist where the record is imported.
"""

import datetime
import json

from django.core import serializers
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from accounts import dates
from accounts.models import CareTeamMembership, RecordView, User
from doses.models import ClinicalNote, DoseLog, DoseLogVersion
from labs.models import LabResult, LabResultVersion
from regimens.models import Phase, Regimen, RegimenChange
from reminders.models import CalendarEntry, CalendarFeed, ReminderSent, ReminderSettings
from supplies import label_backup, labels
from supplies.models import LabelPhoto, Supply, SupplyVersion
from symptoms.models import SymptomEntry

FORMAT = "b12-log-patient/1"
# Models that moved to another app since the format began, by their label in older files: an
# export made before the move still imports.
MOVED = {
    "doses.supply": "supplies.supply",
    "doses.supplyversion": "supplies.supplyversion",
    "doses.symptomentry": "symptoms.symptomentry",
    "doses.labresult": "labs.labresult",
    "doses.labresultversion": "labs.labresultversion",
}


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder rounds times to the millisecond; a backup keeps every microsecond, so
    that what is imported is exactly what was exported."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        return super().default(o)


def _querysets(patient):
    """Every table's rows for the patient, parents before children."""
    return [
        User.objects.filter(pk=patient.pk),
        CareTeamMembership.objects.filter(patient=patient),
        Regimen.objects.filter(patient=patient),
        Phase.objects.filter(regimen__patient=patient),
        RegimenChange.objects.filter(patient=patient),
        DoseLog.objects.filter(patient=patient),
        DoseLogVersion.objects.filter(dose__patient=patient),
        SymptomEntry.objects.filter(patient=patient),
        LabResult.objects.filter(patient=patient),
        LabResultVersion.objects.filter(lab__patient=patient),
        ClinicalNote.objects.filter(patient=patient),
        RecordView.objects.filter(patient=patient),
        Supply.objects.filter(patient=patient),
        SupplyVersion.objects.filter(supply__patient=patient),
        LabelPhoto.objects.filter(patient=patient),
        ReminderSettings.objects.filter(user=patient),
        ReminderSent.objects.filter(user=patient),
        CalendarFeed.objects.filter(user=patient),
        CalendarEntry.objects.filter(regimen__patient=patient),
    ]


# What the patient's own download leaves out: credentials (the password hash, the calendar
# address's secret token, the session bookkeeping) are no part of anyone's record, and clinical
# notes the clinician did not share are shown to the patient nowhere else either.
SECRET_FIELDS = {"accounts.user": ("password",), "reminders.calendarfeed": ("token",)}


def _patients_copy(queryset):
    if queryset.model is ClinicalNote:
        return queryset.filter(shared_with_patient=True)
    return queryset


def export_patient(patient, *, for_the_patient: bool = False) -> dict:
    """Every row of the patient's record. The operator's backup (the export_patient command)
    keeps everything, so that an import restores exactly what was there; the patient's own
    download (`for_the_patient`) holds no credential and only the notes shared with them."""
    objects = []
    for queryset in _querysets(patient):
        if for_the_patient:
            queryset = _patients_copy(queryset)
        rows = serializers.serialize("python", queryset.order_by("pk"))
        objects += json.loads(json.dumps(rows, cls=_ExactEncoder))
    label_backup.add_pictures(objects)  # the photos of vial labels, as base64
    if for_the_patient:
        for row in objects:
            for name in SECRET_FIELDS.get(row["model"], ()):
                row["fields"].pop(name, None)
    return {"format": FORMAT, "exported_at": timezone.now().isoformat(), "objects": objects}


def _relabelled(row):
    if isinstance(row, dict) and row.get("model") in MOVED:
        return {**row, "model": MOVED[row["model"]]}
    return row


def import_patient(data: dict) -> User:
    """Restore an export. The patient must not exist here already."""
    if data.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} export")
    try:
        objects = [_relabelled(row) for row in data["objects"]]
        pictures = label_backup.take_pictures(objects)
        rows = list(serializers.deserialize("json", json.dumps(objects)))
    except DeserializationError as exc:
        raise ValueError(f"the file has a value that cannot be read: {exc}") from exc
    for row in rows:
        # Nothing is restored with a date the forms would refuse (pages clamp such dates).
        if wrong := dates.fields_out_of_bounds(row.object):
            raise ValueError(
                f"{row.object._meta.label_lower} {row.object.pk}: {', '.join(wrong)} "
                f"must be between {dates.EARLIEST} and {dates.LATEST}; nothing was imported"
            )
    photos = [row.object for row in rows if isinstance(row.object, LabelPhoto)]
    if {photo.pk for photo in photos} != set(pictures):
        raise ValueError("a label photo's row and picture do not match; nothing was imported")
    written = []
    try:
        with transaction.atomic():
            written = label_backup.write_pictures(photos, pictures)
            # A regimen points at its current phase and the phase at its regimen: check the
            # references once everything is in.
            with connection.constraint_checks_disabled():
                saved = [row.save() or row.object for row in rows]
            connection.check_constraints()
    except BaseException:
        for name in written:  # no picture without its row
            LabelPhoto._meta.get_field("image").storage.delete(name)
        raise
    return next(obj for obj in saved if isinstance(obj, User))


def wipe_patient(patient) -> None:
    """Delete the patient and every row of their record, children first."""
    with transaction.atomic():
        # The photos' files go once the rows have (labels.delete_files waits for the commit).
        labels.delete_files(LabelPhoto.objects.filter(patient=patient).only("image"))
        for queryset in reversed(_querysets(patient)):
            queryset.delete()
