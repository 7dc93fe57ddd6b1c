"""Alerts: what happened to a patient that a clinician must see, kept until one acknowledges it.

Raised from what is recorded, never from a guess:
- a check-in or an injection with allergy signs ticked, or side effects;
- a check-in whose numbness or balance score rose (the same-day signs, symptoms/checkin_alerts.py);
- an injection the patient confirmed as early or as a second one that day (doses/timing.py);
- the wear-off flag turning on (symptoms/wearoff.py);
- a clinician finding that a photo of a vial label does not match the prescription;
- a dose overdue by more than one interval of its phase (found by `raise_overdue`, which the
  `send_reminders` and `send_digest` commands run).

Each alert has a key naming the thing it tells of, unique per patient: raising it twice (a
repeated form, two servers running the same command) keeps one. The care-team rows' copy of
"has an open alert" (`needs_attention`, which the triage list sorts on) is updated with it.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import CareTeamMembership
from regimens import reference, schedule
from regimens.models import Regimen
from symptoms import checkin_alerts
from symptoms.models import SymptomEntry

from . import freshness
from .models import Alert, DoseLog

# The kinds that name an urgent sign: shown in red, above the others.
URGENT = (Alert.Kind.ALLERGY, Alert.Kind.SAME_DAY)


def sync_attention(patient_id) -> None:
    """Copy "has an open alert" onto the patient's care-team rows (one UPDATE)."""
    CareTeamMembership.objects.filter(patient_id=patient_id).update(
        needs_attention=Exists(Alert.objects.open().filter(patient_id=OuterRef("patient_id")))
    )


def _raise(patient_id, kind, key, *, at, checkin=None, dose=None, details=None) -> Alert | None:
    """Create the alert unless one with this key exists. Returns the new alert, or None."""
    if Alert.objects.filter(patient_id=patient_id, key=key).exists():
        return None
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin leaves the caller's work
            alert = Alert.objects.create(
                patient_id=patient_id,
                kind=kind,
                key=key,
                raised_at=at,
                checkin=checkin,
                dose=dose,
                details=details or {},
            )
    except IntegrityError:
        return None
    return alert


def _digest(values) -> str:
    """A short name for a set of ticked items: a correction that ticks another raises anew."""
    return hashlib.sha256(",".join(sorted(map(str, values))).encode()).hexdigest()[:12]


def _reaction_alerts(patient_id, source: str, record, at, *, checkin=None, dose=None) -> list:
    raised = []
    if record.allergy_signs:
        raised.append(
            _raise(
                patient_id,
                Alert.Kind.ALLERGY,
                f"{source}-{record.pk}-allergy-{_digest(record.allergy_signs)}",
                at=at,
                checkin=checkin,
                dose=dose,
                details={"signs": list(record.allergy_signs)},
            )
        )
    if record.side_effects:
        raised.append(
            _raise(
                patient_id,
                Alert.Kind.SIDE_EFFECTS,
                f"{source}-{record.pk}-effects-{_digest(record.side_effects)}",
                at=at,
                checkin=checkin,
                dose=dose,
                details={"effects": list(record.side_effects)},
            )
        )
    return raised


def for_checkin(entry: SymptomEntry, previous: SymptomEntry | None) -> None:
    """Alerts for a new check-in: allergy signs, side effects, a rise in a same-day symptom."""
    raised = _reaction_alerts(entry.patient_id, "checkin", entry, entry.recorded_at, checkin=entry)
    rises = checkin_alerts.rises(entry, previous)
    if rises:
        raised.append(
            _raise(
                entry.patient_id,
                Alert.Kind.SAME_DAY,
                f"checkin-{entry.pk}-rise",
                at=entry.recorded_at,
                checkin=entry,
                details={"rises": [[r.key, r.before, r.after] for r in rises]},
            )
        )
    if any(raised):
        sync_attention(entry.patient_id)


def for_dose(dose: DoseLog) -> None:
    """Alerts for an injection as logged or corrected: its reaction checklist, and a
    confirmed early or second dose."""
    if dose.deleted_at is not None or not dose.is_given:
        return
    raised = _reaction_alerts(dose.patient_id, "dose", dose, dose.administered_at, dose=dose)
    due = {"due": dose.due_when_logged.isoformat()} if dose.due_when_logged else {}
    if dose.confirmed_early:
        raised.append(
            _raise(
                dose.patient_id,
                Alert.Kind.EARLY_DOSE,
                f"dose-{dose.pk}-early",
                at=dose.administered_at,
                dose=dose,
                details=due,
            )
        )
    if dose.confirmed_second:
        raised.append(
            _raise(
                dose.patient_id,
                Alert.Kind.SECOND_DOSE,
                f"dose-{dose.pk}-second",
                at=dose.administered_at,
                dose=dose,
            )
        )
    if any(raised):
        sync_attention(dose.patient_id)


def for_wear_off(regimen: Regimen, was_flagged: bool) -> None:
    """An alert when the wear-off flag turns on (not while it stays on)."""
    if was_flagged or not regimen.symptoms_return_early:
        return
    now = timezone.now()
    key = f"wear-off-{regimen.pk}-{now:%Y%m%d%H%M%S%f}"
    if _raise(regimen.patient_id, Alert.Kind.WEAR_OFF, key, at=now):
        sync_attention(regimen.patient_id)


def for_label_mismatch(patient_id, photo_id, at, *, supply: str, note: str) -> None:
    """An alert when a clinician finds a vial label photo does not match the prescription
    (supplies/labels.py): one per photo, however often the verdict is given."""
    details = {"supply": supply, "note": note}
    if _raise(
        patient_id, Alert.Kind.LABEL_MISMATCH, f"label-{photo_id}-mismatch", at=at, details=details
    ):
        sync_attention(patient_id)


def overdue_since(regimen: Regimen, today) -> bool:
    """Whether the regimen's next dose is overdue by more than one interval of its phase."""
    phase = regimen.current_phase
    if regimen.next_due is None or phase is None:
        return False
    return (today - regimen.next_due).days > schedule.interval_days(phase.rule.schedule)


def raise_overdue(now: datetime) -> int:
    """Raise an alert for each active regimen overdue by more than one interval (one per
    missed due date). Safe to run often and from several servers. Returns how many were new.
    Queries: the regimens overdue at all (with their patient and phase), then two per new one."""
    candidates = (
        Regimen.objects.filter(
            status=Regimen.Status.ACTIVE, next_due__lt=(now + timedelta(days=1)).date()
        )
        .select_related("patient", "current_phase")
        .order_by("pk")
    )
    new = 0
    for regimen in candidates.iterator(chunk_size=500):
        if not overdue_since(regimen, now.astimezone(regimen.patient.zone).date()):
            continue
        due = regimen.next_due
        at = timezone.make_aware(datetime.combine(due, time(12)), regimen.patient.zone)
        key = f"overdue-{regimen.pk}-{due.isoformat()}"
        if _raise(regimen.patient_id, Alert.Kind.OVERDUE, key, at=at, details={"due": str(due)}):
            sync_attention(regimen.patient_id)
            new += 1
    return new


def acknowledge(alert: Alert, clinician, note: str = "") -> bool:
    """Mark the alert as seen by `clinician`. False when someone acknowledged it already."""
    with transaction.atomic():
        updated = (
            Alert.objects.open()
            .filter(pk=alert.pk)
            .update(
                acknowledged_at=timezone.now(),
                acknowledged_by=clinician,
                acknowledgement_note=note.strip(),
            )
        )
        sync_attention(alert.patient_id)
        if updated:
            # The record's timeline shows acknowledged alerts, and parts of the record are kept
            # under the version (clinic/record_history.py): a new version, shown at once.
            freshness.bump(pk=alert.patient_id)
    return bool(updated)


# Wording ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """An alert as a reader sees it: what, when, the patient's own words."""

    alert: Alert
    title: str
    when: str
    text: str
    note: str
    urgent: bool


def _day(moment) -> str:
    return date_format(timezone.localtime(moment), "j M Y")


def describe(alert: Alert) -> Shown:
    """Words for the alert (no query: its check-in and injection come with it)."""
    details = alert.details or {}
    kind = Alert.Kind
    text = ""
    if alert.kind == kind.ALLERGY:
        text = ", ".join(checkin_alerts.sign_names(details.get("signs", [])))
    elif alert.kind == kind.SIDE_EFFECTS:
        text = ", ".join(details.get("effects", []))
    elif alert.kind == kind.SAME_DAY:
        names = {item["key"]: item["name"] for item in reference.symptoms()}
        text = "; ".join(
            _("%(name)s rose from %(before)s to %(after)s")
            % {
                "name": names.get(key, key),
                "before": before,
                "after": after,
            }
            for key, before, after in details.get("rises", [])
        )
    elif alert.kind in (kind.EARLY_DOSE, kind.OVERDUE) and details.get("due"):
        due = date_format(datetime.fromisoformat(details["due"]).date(), "j M Y")
        text = _("it was due %(day)s") % {"day": due}
    elif alert.kind == kind.LABEL_MISMATCH:
        text = _("%(supply)s: %(note)s") % {
            "supply": details.get("supply", ""),
            "note": details.get("note", ""),
        }
    note = ""
    if alert.checkin_id and alert.checkin is not None:
        note = alert.checkin.note
    elif alert.dose_id and alert.dose is not None:
        note = alert.dose.reaction_notes
    if alert.checkin_id:
        source = _("check-in of %(day)s")
    elif alert.dose_id:
        source = _("injection of %(day)s")
    elif alert.kind == kind.WEAR_OFF:
        source = _("since %(day)s")
    else:
        source = "%(day)s"
    when = source % {"day": _day(alert.raised_at)}
    return Shown(
        alert, str(alert.get_kind_display()), when, text, note.strip(), alert.kind in URGENT
    )


def open_for(patient_ids) -> dict[int, list[Shown]]:
    """The open alerts of these patients, worded, urgent first then newest (one query)."""
    alerts = (
        Alert.objects.open()
        .filter(patient_id__in=list(patient_ids))
        .select_related("checkin", "dose")
        .order_by("-raised_at", "-pk")
    )
    found: dict[int, list[Shown]] = {}
    for alert in alerts:
        found.setdefault(alert.patient_id, []).append(describe(alert))
    for shown in found.values():
        shown.sort(key=lambda item: not item.urgent)  # stable: newest first within each
    return found


def _not_urgent() -> Case:
    """0 for an urgent alert, 1 for any other: the first key of the order the record and the
    triage list show open alerts in (urgent first, then the newest)."""
    return Case(When(kind__in=URGENT, then=Value(0)), default=Value(1))


def open_first_for(patient_ids, limit: int) -> dict[int, tuple[int, list[Shown]]]:
    """For each of these patients with open alerts: how many are open (exact), and the first
    `limit` of them in the order of `open_for` (urgent first, then newest), worded. One query,
    however many are open: each patient's count and each alert's place among them are windows
    over the open rows, and only the first `limit` places are read back."""
    by_patient = F("patient_id")
    alerts = (
        Alert.objects.open()
        .filter(patient_id__in=list(patient_ids))
        .select_related("checkin", "dose")
        .annotate(not_urgent=_not_urgent())
        .annotate(
            open_count=Window(Count("pk"), partition_by=[by_patient]),
            place=Window(
                RowNumber(),
                partition_by=[by_patient],
                order_by=[F("not_urgent").asc(), F("raised_at").desc(), F("pk").desc()],
            ),
        )
        .filter(place__lte=limit)
        .order_by("patient_id", "place")
    )
    found: dict[int, tuple[int, list[Shown]]] = {}
    for alert in alerts:
        count, shown = found.setdefault(alert.patient_id, (alert.open_count, []))
        shown.append(describe(alert))
    return found


def open_first(patient_id, limit: int) -> tuple[int, list[Shown]]:
    """How many alerts of the patient are open (exact), and the first `limit` of them in the
    order of `open_for`, worded: one query. For one patient the count is a window over all
    their open rows, which SQL works out before the LIMIT, so no row needs numbering and the
    query is not wrapped in another, as open_first_for's must be: in process, the record's
    alerts went from 3.2 to 1.8 ms (docs/performance.md, round five)."""
    alerts = list(
        Alert.objects.open()
        .filter(patient_id=patient_id)
        .select_related("checkin", "dose")
        .annotate(
            not_urgent=_not_urgent(),
            open_count=Window(Count("pk")),
        )
        .order_by("not_urgent", "-raised_at", "-pk")[:limit]
    )
    return (alerts[0].open_count if alerts else 0), [describe(alert) for alert in alerts]
