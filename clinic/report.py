"""The report for a range of the patient's days, gathered once for the page to show.

What a clinician or the patient prints for an appointment: the plan and its phases, every
change to it in the range (who, when, why, before and after), each injection and skip, the
adherence of the range, the check-ins, the alerts with their acknowledgements, the lab results
and the clinical notes (the patient's copy holds only the notes shared with them).

`build_report` makes the same number of queries whatever the size of the record:
  1. the current regimen (with its phase and patient)
  2. its phases                                       (Regimen.ordered_phases)
  3-4. its changes and doses, replayed for adherence  (Regimen.schedule_inputs)
  5. the injections and skips in the range, with their regimen and who recorded them
  6. the regimen changes in the range, with who made them
  7. the check-ins in the range, with their phase
  8. the phase changes of the regimens of 5-7         (regimens/history.attach_phases_then)
  9. the alerts raised in the range, with their check-in, injection and acknowledger
  10-12. the lab results in the range, the typical ranges, the given doses (labs/rows.py)
  13. the clinical notes in the range, with their authors
  14. the regimen's phase changes, for the adherence table's labels (regimens/history.py)
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.dates import day_bounds
from doses.alerts import Shown, describe
from doses.dashboard import phase_progress
from doses.models import Alert, ClinicalNote, DoseLog
from labs.rows import LabRow, lab_rows
from regimens import adherence
from regimens.history import attach_phases_then, label_adherence
from regimens.models import Regimen, RegimenChange, current_regimen
from symptoms import checkin_alerts
from symptoms.models import SymptomEntry


@dataclass
class Report:
    patient: object
    viewer: object
    first: date | None
    last: date | None
    generated: datetime
    regimen: Regimen | None
    progress: object
    adherence: adherence.Adherence | None
    doses: list[DoseLog] = field(default_factory=list)
    changes: list[RegimenChange] = field(default_factory=list)
    checkins: list[SymptomEntry] = field(default_factory=list)
    alerts: list[Shown] = field(default_factory=list)
    labs: list[LabRow] = field(default_factory=list)
    notes: list[ClinicalNote] = field(default_factory=list)

    @property
    def for_clinician(self) -> bool:
        return self.viewer.is_clinician

    @property
    def lab_charts(self) -> list[tuple[str, str]]:
        """(analyte, name) of each test with a result in the range: one chart each."""
        names = {row.lab.analyte: row.lab.get_analyte_display() for row in self.labs}
        return sorted(names.items())


def range_adherence(regimen: Regimen | None, today: date, first, last):
    """The regimen's adherence counted over [first, last] only (regimens/adherence.py)."""
    if regimen is None:
        return None
    initial, events = regimen.schedule_inputs()
    result = adherence.adherence(regimen.start_date, initial, events, today, first, last)
    label_adherence(regimen, result)
    return result


def given_by(dose: DoseLog, patient) -> str:
    """Who gave the injection, as the report says it (the form's "Myself" is the patient's
    own word); and who recorded it, when that was someone else."""
    if dose.administered_by == DoseLog.AdministeredBy.SELF:
        who = _("Self-injected")
    else:
        who = str(dose.get_administered_by_display())
    if dose.recorded_by_id != patient.pk:
        who = _("%(who)s, recorded by %(name)s") % {"who": who, "name": dose.recorded_by.name}
    return who


def _word(report: Report) -> None:
    """Give the rows the words the page shows: product and strength (the regimen's when the
    dose names none), who gave the injection, allergy signs by name."""
    for dose in report.doses:
        regimen = dose.regimen
        product = dose.get_medication_display() or regimen.get_medication_display()
        strength = dose.concentration_mcg_per_ml or regimen.concentration_mcg_per_ml
        dose.product_text = f"{product}, {strength} mcg/mL" if strength else str(product)
        dose.given_by_text = given_by(dose, report.patient)
        dose.allergy_sign_names = checkin_alerts.sign_names(dose.allergy_signs)
    for entry in report.checkins:
        entry.allergy_sign_names = checkin_alerts.sign_names(entry.allergy_signs)


def _in_range(queryset, moment: str, since, until):
    if since:
        queryset = queryset.filter(**{f"{moment}__gte": since})
    if until:
        queryset = queryset.filter(**{f"{moment}__lt": until})
    return queryset.order_by(moment, "pk")


def build_report(patient, first: date | None, last: date | None, viewer) -> Report:
    """Everything the report shows for the patient's days `first` to `last` (either may be
    None: open-ended), as `viewer` may see it. A fixed number of queries (module docstring)."""
    today = patient.today()
    since, until = day_bounds(patient, first, last)
    regimen = current_regimen(patient)
    report = Report(
        patient=patient,
        viewer=viewer,
        first=first,
        last=last,
        generated=timezone.now(),
        regimen=regimen,
        progress=phase_progress(regimen, today) if regimen else None,
        adherence=range_adherence(regimen, today, first, last),
    )
    report.doses = list(
        _in_range(
            DoseLog.objects.filter(patient=patient, deleted_at__isnull=True).select_related(
                "phase", "recorded_by", "regimen"
            ),
            "administered_at",
            since,
            until,
        )
    )
    report.changes = list(
        _in_range(
            RegimenChange.objects.filter(patient=patient).select_related("by", "phase"),
            "at",
            since,
            until,
        )
    )
    report.checkins = list(
        _in_range(
            SymptomEntry.objects.filter(patient=patient).select_related("phase"),
            "recorded_at",
            since,
            until,
        )
    )
    attach_phases_then(report.doses, report.changes, report.checkins)
    report.alerts = [
        describe(alert)
        for alert in _in_range(
            Alert.objects.filter(patient=patient).select_related(
                "checkin", "dose", "acknowledged_by"
            ),
            "raised_at",
            since,
            until,
        )
    ]
    report.labs = lab_rows(patient, first=first, last=last)[::-1]  # oldest first, as the rest
    notes = ClinicalNote.objects.filter(patient=patient).select_related("author")
    if not viewer.is_clinician:
        notes = notes.filter(shared_with_patient=True)
    report.notes = list(_in_range(notes, "created_at", since, until))
    _word(report)
    return report
