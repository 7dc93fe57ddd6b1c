"""The clinician's triage queue: care-team patients, overdue first, in a fixed number of queries.

The order (next due date, nulls last, then name) is read from the care-team rows themselves,
which carry copies of the patient's active next due date and name (kept in step by the signals
below) under the index `triage_order`: the count and the page's patient ids come from that
index alone, however many patients the clinician has. A second query reads those patients:
each joined to their active regimen's stored schedule state, with the latest injection,
check-ins and serum B12 as correlated subqueries, for the rows of the page only.
"""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, Subquery
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import dates
from accounts.models import CareTeamMembership, User
from doses import alerts
from doses.models import Alert, DoseLog
from labs.models import LabRange, LabResult
from regimens import reference, schedule
from regimens.models import Regimen
from symptoms.models import SymptomEntry

STATUSES = [
    ("overdue", gettext_lazy("Overdue")),
    ("due_today", gettext_lazy("Due today")),
    ("upcoming", gettext_lazy("Upcoming")),
    ("none", gettext_lazy("Nothing due")),
]
TREND_POINTS = 3  # a change of total symptom score this large counts as a trend
QUIET_DAYS = 14  # no check-in for this long is flagged
ALERTS_SHOWN = 3  # open alerts shown on a patient's row; the record lists them all


def _score_total():
    return sum((F(key) for key in SymptomEntry.SYMPTOMS[1:]), F(SymptomEntry.SYMPTOMS[0]))


STATUS_LOOKUPS = {
    "overdue": lambda today: Q(next_due__lt=today),
    "due_today": lambda today: Q(next_due=today),
    "upcoming": lambda today: Q(next_due__gt=today),
}


def _patients(pks):
    checkins = SymptomEntry.objects.filter(patient=OuterRef("pk")).order_by("-recorded_at", "-pk")
    totals = checkins.annotate(total=_score_total()).values("total")
    b12 = LabResult.objects.filter(
        patient=OuterRef("pk"), analyte="b12", deleted_at__isnull=True
    ).order_by("-taken_on", "-pk")
    last_dose = DoseLog.objects.filter(
        patient=OuterRef("pk"), status=DoseLog.Status.GIVEN, deleted_at__isnull=True
    ).order_by("-administered_at")
    return (
        User.objects.filter(pk__in=pks)
        .annotate(
            active=FilteredRelation("regimens", condition=Q(regimens__status=Regimen.Status.ACTIVE))
        )
        .annotate(
            regimen_id=F("active__id"),
            next_due=F("active__next_due"),
            phase_kind=F("active__current_phase__kind"),
            phase_label=F("active__current_phase__label"),
            symptoms_return_early=F("active__symptoms_return_early"),
            next_lab_review=F("active__next_lab_review"),
            # A regimen the patient entered shows "needs confirmation" (plan_setup/plan.py).
            regimen_entered_by=F("active__entered_by"),
            regimen_confirmed_at=F("active__confirmed_at"),
            last_dose_at=Subquery(last_dose.values("administered_at")[:1]),
            last_checkin_at=Subquery(checkins.values("recorded_at")[:1]),
            last_total=Subquery(totals[:1]),
            previous_total=Subquery(totals[1:2]),
            b12_value=Subquery(b12.values("value_canonical")[:1]),
            b12_taken_on=Subquery(b12.values("taken_on")[:1]),
        )
    )


ANY_ALERT = "any"


def triage_order(clinician, *, now, search="", phase="", status="", alert=""):
    """The care-team patients' ids in triage order, filtered: a query on the care-team rows
    (joined to the patient or their regimen only for a search or a filter that needs it).
    Patients with an open alert come first, then by next due date, then by name."""
    # A row whose patient is no longer a patient is left out by an anti-join on the accounts
    # that are not patients (the partial index `user_not_patient`: a few), not by joining every
    # patient's row, which PostgreSQL did by reading the whole users table (docs/scale.md).
    not_patient = User.objects.filter(pk=OuterRef("patient_id")).exclude(role=User.Role.PATIENT)
    rows = CareTeamMembership.objects.filter(~Exists(not_patient), clinician=clinician)
    if search:
        rows = rows.filter(Q(patient_name__icontains=search) | Q(patient__email__icontains=search))
    if phase:
        rows = rows.filter(
            patient__regimens__status=Regimen.Status.ACTIVE,
            patient__regimens__current_phase__kind=phase,
        )
    if status:
        rows = rows.filter(_status_filter(clinician, status, now))
    if alert == ANY_ALERT:
        rows = rows.filter(needs_attention=True)
    elif alert:
        rows = rows.filter(
            Exists(Alert.objects.open().filter(patient_id=OuterRef("patient_id"), kind=alert))
        )
    return rows.order_by(
        F("needs_attention").desc(),
        F("next_due").asc(nulls_last=True),
        "patient_name",
        "patient_id",
    )


def _status_filter(clinician, status: str, now) -> Q:
    """Rule 8 judges a status on the patient's own day: one condition per time zone among
    the clinician's patients (one small query for the zones)."""
    if status == "none":
        return Q(next_due__isnull=True)
    condition = Q(pk__in=[])
    zones = (
        User.objects.filter(care_team__clinician=clinician)
        .order_by()
        .values_list("time_zone", flat=True)
    )
    for zone in zones.distinct():
        today = now.astimezone(ZoneInfo(zone)).date()
        condition |= Q(patient__time_zone=zone) & STATUS_LOOKUPS[status](today)
    return condition


@dataclass
class Row:
    patient: User
    status: tuple[str, int]
    trend: str
    flags: list[str]
    days_since_checkin: int | None
    alerts: list  # the first ALERTS_SHOWN open alerts, worded (doses/alerts.py), urgent first
    alerts_count: int = 0  # how many are open in all

    @property
    def needs_attention(self) -> bool:
        return bool(self.alerts_count)

    @property
    def alerts_not_shown(self) -> int:
        return self.alerts_count - len(self.alerts)


def b12_low():
    """The bottom of serum B12's typical range: the admin's LabRange (one query), or else the
    reference data's."""
    low = LabRange.objects.filter(analyte="b12").values_list("low", flat=True).first()
    return low if low is not None else reference.lab("b12")["typical_range"][0]


def _row(patient: User, now, b12_low, open_alerts: tuple[int, list]) -> Row:
    # The subqueries' dates are not clamped when loaded, as fields are: a stored date out of
    # bounds is shown at the bound.
    for name in ("last_dose_at", "last_checkin_at", "b12_taken_on", "next_due"):
        setattr(patient, name, dates.clamp(getattr(patient, name, None)))
    today = now.astimezone(patient.zone).date()
    status = schedule.status(patient.next_due, today)
    flags = []
    if patient.regimen_id is None:
        flags.append(_("No active regimen"))
    if status[0] == "overdue":
        flags.append(_("Overdue"))
    days = (now - patient.last_checkin_at).days if patient.last_checkin_at else None
    if days is None or days >= QUIET_DAYS:
        flags.append(_("No recent check-in"))
    trend = "–"
    if patient.last_total is not None and patient.previous_total is not None:
        change = patient.last_total - patient.previous_total
        if change >= TREND_POINTS:
            trend = _("worse (+%(change)s)") % {"change": change}
            flags.append(_("Symptoms worse"))
        elif change <= -TREND_POINTS:
            trend = _("better (%(change)s)") % {"change": change}
        else:
            trend = _("steady")
    if patient.next_lab_review is not None and patient.next_lab_review <= today:
        flags.append(_("Lab review due"))
    if patient.b12_value is not None and patient.b12_value < b12_low:
        flags.append(_("B12 below typical range"))
    count, shown = open_alerts
    return Row(patient, status, trend, flags, days, shown, count)


def triage_page(clinician, number, *, now, per_page: int = 25, **filters):
    """Queries: the count and the page's ids (the care-team rows), then those patients, their
    open alerts and the B12 range they are flagged against."""
    order = triage_order(clinician, now=now, **filters).values_list("patient_id", flat=True)
    page = Paginator(order, per_page).get_page(number)
    pks = list(page.object_list)
    found = {patient.pk: patient for patient in _patients(pks)} if pks else {}
    low = b12_low() if found else None
    # A row has room for a few alerts: the first ALERTS_SHOWN of each patient's, and how many
    # more the record lists, read in one query however many are open.
    shown = alerts.open_first_for(found, ALERTS_SHOWN) if found else {}
    page.rows = [_row(found[pk], now, low, shown.get(pk, (0, []))) for pk in pks if pk in found]
    return page


# Keeping the care-team rows' copies in step -------------------------------------------------


def sync_care_team_rows(patient_id) -> None:
    """Copy the patient's active next due date and name onto their care-team rows."""
    CareTeamMembership.objects.filter(patient_id=patient_id).update(
        next_due=Subquery(
            Regimen.objects.filter(patient_id=patient_id, status=Regimen.Status.ACTIVE).values(
                "next_due"
            )[:1]
        ),
        patient_name=Subquery(User.objects.filter(pk=patient_id).values("name")[:1]),
    )


def _regimen_changed(sender, instance, raw=False, signal=None, **kwargs):
    if raw:
        return
    if signal is post_save and instance.status == Regimen.Status.ACTIVE:
        # The patient's one active regimen (a constraint): its date is the copy, and the
        # name has not changed (a user's save keeps that copy).
        rows = CareTeamMembership.objects.filter(patient_id=instance.patient_id)
        rows.update(next_due=instance.next_due)
    else:
        sync_care_team_rows(instance.patient_id)


def _user_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if not raw and (update_fields is None or "name" in update_fields):
        CareTeamMembership.objects.filter(patient=instance).exclude(
            patient_name=instance.name
        ).update(patient_name=instance.name)


def _membership_added(sender, instance, raw=False, **kwargs):
    if not raw and instance._state.adding:
        active = Regimen.objects.filter(
            patient_id=instance.patient_id, status=Regimen.Status.ACTIVE
        ).values_list("next_due", flat=True)
        instance.next_due = next(iter(active), None)
        instance.patient_name = instance.patient.name


def connect() -> None:
    """Called once, from ClinicConfig.ready(). Why a signal: docs/signals.md."""
    post_save.connect(_regimen_changed, sender=Regimen, dispatch_uid="triage-regimen-saved")
    post_delete.connect(_regimen_changed, sender=Regimen, dispatch_uid="triage-regimen-gone")
    post_save.connect(_user_saved, sender=User, dispatch_uid="triage-user-saved")
    pre_save.connect(_membership_added, sender=CareTeamMembership, dispatch_uid="triage-new")
