"""Email reminders: which are due now, claimed in the ReminderSent ledger, then sent.

A run (`manage.py send_reminders`, from cron) first raises the overdue alerts due by now for the
clinicians (doses/alerts.py's `raise_overdue`: every 15 minutes, so the triage list shows them
within a quarter of an hour), then works in three steps:

1. Find: one query reads every active regimen of an active patient with an email, with the
   patient, their reminder settings, the current phase and the time of their last check-in;
   the rules below pick what is due for each patient at the run's instant, in their zone, once
   their local time has reached their send hour. A second query reads the ledger rows of those
   reminders, so that ones already sent are skipped without touching them.
2. Claim: each reminder is claimed in its own transaction, by inserting its ledger row (the
   unique (user, kind, key) makes a second inserter fail: another run has it) or, for one that
   failed before, by moving it failed -> claimed in one UPDATE (only one run sees it change).
3. Send: one email per patient listing what this run claimed for them; then the rows are
   marked sent, or failed with the error, to be claimed again by a later run.

Supplies running out is told from the supplies' forecast (supplies/forecast.py), once per
run-out date, to patients who recorded supplies: a new supply that moves the date makes a new
occasion. Three more queries read the supplies of all who may run out at once.

Each reminder goes by email, as a notification (Web Push, reminders/push.py) to the patient's
devices, or both, as the patient chose (ReminderSettings.delivery); each channel has its own
ledger row, claimed and sent as above. A patient who chose notifications but has no device
(or a site without VAPID keys) gets the email instead. A notification the patient snoozed is
claimed once more (sent -> claimed, in one UPDATE) by the first run after its snooze ends, if
the reminder is still due then.

A row left "claimed" by a run that died mid-way is never sent again: the email may have gone
out, and a reminder is never sent twice. It is counted as stuck in the summary.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import CareTeamMembership, User
from doses.alerts import raise_overdue
from doses.dashboard import CHECKIN_EVERY, plan_change_text
from regimens.models import Regimen, RegimenChange
from supplies import forecast
from supplies.models import Supply
from symptoms.models import SymptomEntry

from . import push
from .emails import compose, compose_for_carer
from .models import PushDevice, ReminderSent, ReminderSettings

logger = logging.getLogger(__name__)

Kind = ReminderSent.Kind
Status = ReminderSent.Status
Channel = ReminderSent.Channel

# The order reminders are listed in an email; the first names its subject.
PRIORITY = [
    Kind.PLAN_CHANGED,
    Kind.OVERDUE,
    Kind.DUE_TODAY,
    Kind.DUE_SOON,
    Kind.RUNNING_OUT,
    Kind.LAB_REVIEW,
    Kind.CHECKIN,
]
PLAN_CHANGE_DAYS = 7  # a change to the plan is emailed within this many days of it
MAX_LEAD_DAYS = 7
# A patient is told their supplies are running out when those they recorded will not cover
# the injections due within this many days (the run-out date, supplies/forecast.py). A fixed
# two weeks: time to get a prescription filled; the settings' help text says so.
RUN_OUT_DAYS = 14
STUCK_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Reminder:
    """One occasion to remind a patient of: `on` is the date it is about, `key` names it. A
    plan change is named by the change itself (`change_id`, `what`)."""

    kind: str
    on: date
    change_id: int | None = None
    what: str = ""

    @property
    def key(self) -> str:
        if self.change_id is not None:
            return f"change-{self.change_id}"
        return self.on.isoformat()


@dataclass
class Batch:
    """What is due for one patient in this run, and what the ledger already says of it."""

    regimen: Regimen
    today: date
    reminders: list[Reminder]
    # Failed before, or a snoozed notification: the ledger pk and the status it is taken from.
    retry: dict[Reminder, tuple[int, str]] = field(default_factory=dict)
    channel: str = Channel.EMAIL
    devices: list[PushDevice] = field(default_factory=list)  # a notification's
    carers: list = field(default_factory=list)  # who get a copy of the email (carers_of)

    @property
    def patient(self) -> User:
        return self.regimen.patient


@dataclass
class RunTotals:
    """What a run did, for its summary line: the reminders' and the digest's (digest.py)."""

    dry_run: bool = False
    sent: int = 0
    already: int = 0
    stuck: int = 0
    failed: int = 0
    alerts_raised: int = 0
    lines: list[str] = field(default_factory=list)

    @property
    def verb(self) -> str:
        return "Would send" if self.dry_run else "Sent"

    def head(self) -> str:
        raise NotImplementedError

    def summary(self) -> str:
        text = self.head()
        if self.stuck:
            text += f"; {self.stuck} left claimed by an unfinished run (not resent)"
        if self.failed:
            text += f"; {self.failed} failed (retried on the next run)"
        return text


@dataclass
class RunResult(RunTotals):
    patients: int = 0

    def head(self) -> str:
        return (
            f"{self.verb} {self.sent} reminder{'s' * (self.sent != 1)} to {self.patients} "
            f"patient{'s' * (self.patients != 1)}; {self.already} already sent"
        )


def due_reminders(
    regimen: Regimen, prefs: ReminderSettings, now: datetime, plan_changes=(), supplies=None
) -> list[Reminder]:
    """The rules: what is due for this regimen's patient at `now` (aware), before the ledger.
    `regimen.last_checkin` is the time of the patient's last check-in, or None;
    `plan_changes` the recent changes to their plan made by someone else; `supplies` the
    outlook of their supplies (supplies/forecast.py), or None when it was not looked at."""
    patient = regimen.patient
    local_now = now.astimezone(patient.zone)
    if local_now.hour < prefs.send_hour:
        return []
    today = local_now.date()
    lead = timedelta(days=prefs.lead_days)
    found = []
    if prefs.plan_changes:
        for change in plan_changes:
            day = change.at.astimezone(patient.zone).date()
            found.append(
                Reminder(Kind.PLAN_CHANGED, day, change.pk, _plan_change_line(change, day))
            )
    if not regimen.is_active:
        return found  # a regimen a clinician ended: only that news is sent
    due = regimen.next_due
    if due is not None:
        if prefs.due_soon and today < due <= today + lead:
            found.append(Reminder(Kind.DUE_SOON, due))
        elif prefs.due_today and due == today:
            found.append(Reminder(Kind.DUE_TODAY, due))
        elif prefs.overdue and due < today:
            found.append(Reminder(Kind.OVERDUE, due))
    if prefs.running_out and supplies is not None and supplies.recorded:
        # Named by the run-out date: a new supply that moves it makes a new occasion.
        runs_out = supplies.runs_out_on
        if runs_out is not None and runs_out <= today + timedelta(days=RUN_OUT_DAYS):
            found.append(Reminder(Kind.RUNNING_OUT, runs_out, what=supplies.running_out_text))
    review = regimen.next_lab_review
    if prefs.lab_review and review is not None and review <= today + lead:
        found.append(Reminder(Kind.LAB_REVIEW, review))
    if prefs.checkin:
        last = regimen.last_checkin
        if last is None:
            # Never checked in: the first check-in is asked for a week into the regimen.
            became_due = regimen.start_date + CHECKIN_EVERY
            if today >= became_due:
                found.append(Reminder(Kind.CHECKIN, became_due))
        elif last < now - CHECKIN_EVERY:
            became_due = (last + CHECKIN_EVERY).astimezone(patient.zone).date()
            found.append(Reminder(Kind.CHECKIN, became_due))
    return sorted(found, key=lambda r: PRIORITY.index(r.kind))


def candidate_regimens(now: datetime):
    """Query 1: active regimens of active patients with an email that may have something due,
    and the other regimens of patients whose plan someone changed lately (a clinician ending
    the only regimen is news too). The filter only narrows (any zone's date is at most a day
    after UTC's); the rules decide, and `find_due` keeps one regimen per patient."""
    horizon = now.astimezone(UTC).date() + timedelta(days=1 + MAX_LEAD_DAYS)
    run_out_horizon = now.astimezone(UTC).date() + timedelta(days=1 + RUN_OUT_DAYS)
    last_checkin = (
        SymptomEntry.objects.filter(patient=OuterRef("patient"))
        .order_by("-recorded_at")
        .values("recorded_at")[:1]
    )
    return (
        Regimen.objects.filter(patient__role=User.Role.PATIENT, patient__is_active=True)
        .exclude(patient__email="")
        .annotate(last_checkin=Subquery(last_checkin))
        .annotate(
            plan_changed=Exists(_recent_plan_changes(now).filter(patient=OuterRef("patient")))
        )
        .annotate(
            has_supplies=Exists(
                Supply.objects.filter(patient=OuterRef("patient"), deleted_at__isnull=True)
            )
        )
        .filter(
            Q(plan_changed=True)
            | Q(status=Regimen.Status.ACTIVE)
            & (
                Q(next_due__lte=horizon)
                | Q(next_lab_review__lte=horizon)
                | Q(last_checkin__isnull=True)
                | Q(last_checkin__lt=now - CHECKIN_EVERY)
                | Q(has_supplies=True, next_due__lte=run_out_horizon)
            )
        )
        .select_related("patient", "patient__reminder_settings", "current_phase")
        .order_by("patient_id", "-start_date", "-pk")
    )


def one_per_patient(regimens) -> list[Regimen]:
    """The regimen each patient's reminders are about: the active one, or else the latest."""
    chosen: dict[int, Regimen] = {}
    for regimen in regimens:
        kept = chosen.get(regimen.patient_id)
        if kept is None or (regimen.is_active and not kept.is_active):
            chosen[regimen.patient_id] = regimen
    return list(chosen.values())


def _recent_plan_changes(now: datetime):
    """Changes to a plan that its patient is told of, made by someone else lately."""
    return RegimenChange.objects.filter(
        kind__in=RegimenChange.TOLD_TO_PATIENT,
        at__gte=now - timedelta(days=PLAN_CHANGE_DAYS),
        at__lte=now,
    ).exclude(by=F("patient"))


def _plan_change_line(change, day: date) -> str:
    return _("On %(day)s %(name)s changed your plan: %(what)s.") % {
        "day": date_format(day, "l j F"),
        "name": change.by.name,
        "what": plan_change_text(change),
    }


def raise_overdue_alerts(now: datetime, result: RunTotals) -> None:
    """Raise the overdue alerts due by `now` (for the clinicians), counted in `result`."""
    result.alerts_raised = raise_overdue(now)
    if result.alerts_raised:
        result.lines.append(f"Raised {result.alerts_raised} overdue alerts")


def channels(prefs: ReminderSettings, devices: list[PushDevice]) -> list[str]:
    """How this patient's reminders go: as they chose, by email when no notification can."""
    chosen = []
    if prefs.by_email:
        chosen.append(Channel.EMAIL)
    if prefs.by_push and devices:
        chosen.append(Channel.PUSH)
    return chosen or [Channel.EMAIL]


def by_channel(batches: list[Batch]) -> list[Batch]:
    """Each patient's batch once per channel they get reminders on. One query for the devices
    of those who chose notifications, none when nobody did or push is off."""
    wanting = [b.patient.pk for b in batches if ReminderSettings.of(b.patient).by_push]
    devices: dict[int, list[PushDevice]] = {}
    if wanting and push.enabled():
        for device in PushDevice.objects.filter(user_id__in=wanting):
            devices.setdefault(device.user_id, []).append(device)
    split = []
    for batch in batches:
        own = devices.get(batch.patient.pk, [])
        for channel in channels(ReminderSettings.of(batch.patient), own):
            split.append(
                Batch(
                    batch.regimen,
                    batch.today,
                    list(batch.reminders),
                    channel=channel,
                    devices=own if channel == Channel.PUSH else [],
                )
            )
    return split


def supplies_of(candidates: list[Regimen], now: datetime) -> dict:
    """The supplies' outlook (by patient id) of the patients who may run out soon: an active
    regimen, supplies recorded, the reminder on and an injection due within RUN_OUT_DAYS.
    Three queries for them all (supplies/forecast.py's outlooks()), none when there are none."""
    watched = []
    for regimen in candidates:
        patient = regimen.patient
        soon = now.astimezone(patient.zone).date() + timedelta(days=RUN_OUT_DAYS)
        if (
            regimen.is_active
            and regimen.has_supplies
            and ReminderSettings.of(patient).running_out
            and regimen.next_due is not None
            and regimen.next_due <= soon
        ):
            watched.append(regimen)
    return forecast.outlooks(watched, lambda patient: now.astimezone(patient.zone).date())


def find_due(now: datetime, result: RunResult) -> list[Batch]:
    """Three queries: the candidates, their recent plan changes, then the ledger rows of their
    due reminders (and a fourth for the devices of patients who chose notifications, three
    more for the supplies of those who may run out)."""
    batches = []
    candidates = one_per_patient(candidate_regimens(now))
    supplies = supplies_of(candidates, now)
    changes: dict[int, list] = {}
    flagged = [regimen.patient_id for regimen in candidates if regimen.plan_changed]
    if flagged:
        recent = _recent_plan_changes(now).filter(patient_id__in=flagged)
        for change in recent.select_related("by", "regimen").order_by("at", "pk"):
            changes.setdefault(change.patient_id, []).append(change)
    for regimen in candidates:
        patient = regimen.patient
        with patient.in_own_language():  # the plan-change and supplies lines are worded here
            found = due_reminders(
                regimen,
                ReminderSettings.of(patient),
                now,
                changes.get(patient.pk, ()),
                supplies.get(patient.pk),
            )
        if found:
            today = now.astimezone(patient.zone).date()
            batches.append(Batch(regimen, today, found))
    if not batches:
        return []
    batches = by_channel(batches)
    carers = carers_of([b.patient.pk for b in batches if b.channel == Channel.EMAIL])
    for batch in batches:
        if batch.channel == Channel.EMAIL:
            batch.carers = carers.get(batch.patient.pk, [])
    ledger = {
        (row.user_id, row.kind, row.key, row.channel): row
        for row in ReminderSent.objects.filter(
            user_id__in=[b.patient.pk for b in batches],
            key__in={r.key for b in batches for r in b.reminders},
        ).only("pk", "user_id", "kind", "key", "channel", "status", "claimed_at", "snoozed_until")
    }
    pending = []
    for batch in batches:
        todo = []
        for reminder in batch.reminders:
            row = ledger.get((batch.patient.pk, reminder.kind, reminder.key, batch.channel))
            if row is None:
                todo.append(reminder)
            elif row.status == Status.FAILED:
                todo.append(reminder)
                batch.retry[reminder] = (row.pk, Status.FAILED)
            elif (
                row.status == Status.SENT
                and row.snoozed_until is not None
                and row.snoozed_until <= now
            ):
                todo.append(reminder)
                batch.retry[reminder] = (row.pk, Status.SENT)
            elif row.status == Status.CLAIMED and row.claimed_at < now - STUCK_AFTER:
                result.stuck += 1
            else:
                result.already += 1
        if todo:
            batch.reminders = todo
            pending.append(batch)
    return pending


def carers_of(patient_ids: list[int]) -> dict[int, list[User]]:
    """The carers who asked for a copy of each patient's reminder emails (one query, none
    without patients): the carers they let in and who did not turn the copies off."""
    if not patient_ids:
        return {}
    found: dict[int, list[User]] = {}
    rows = (
        CareTeamMembership.objects.filter(
            patient_id__in=patient_ids,
            clinician__role=User.Role.CARER,
            clinician__is_active=True,
            carer_reminders=True,
        )
        .select_related("clinician")
        .order_by("clinician__name", "pk")
    )
    for row in rows:
        found.setdefault(row.patient_id, []).append(row.clinician)
    return found


def send_carer_copies(connection, batch: Batch, reminders: list[Reminder], result) -> None:
    """After the patient's email went: a copy to each of their carers who asked for one, in
    the carer's language. A copy that fails is reported; the patient's ledger stands."""
    for carer in batch.carers:
        with carer.in_own_language():
            message = compose_for_carer(batch, reminders, carer)
        error = deliver(connection, message)
        if error:
            result.lines.append(f"Failed to copy {batch.patient.email}'s to {carer.email}: {error}")
            logger.warning("Reminder copy to carer %s failed: %s", carer.pk, error)
        else:
            result.lines.append(f"Copied to {carer.email}, their carer")


def claim(batch: Batch, reminder: Reminder) -> int | None:
    """Claim one reminder in its own transaction; its ledger pk, or None if another run has
    it. Two runs may both read "not sent yet"; the unique constraint lets one insert win, and
    the failed -> claimed (or snoozed sent -> claimed) UPDATE changes the row for one of them
    only."""
    now = timezone.now()
    if reminder in batch.retry:
        pk, status = batch.retry[reminder]
        rows = ReminderSent.objects.filter(pk=pk, status=status)
        if status == Status.SENT:
            rows = rows.filter(snoozed_until__isnull=False)
        taken = rows.update(status=Status.CLAIMED, claimed_at=now, error="", snoozed_until=None)
        return pk if taken else None
    try:
        with transaction.atomic():
            row = ReminderSent.objects.create(
                user=batch.patient,
                kind=reminder.kind,
                key=reminder.key,
                channel=batch.channel,
                claimed_at=now,
            )
    except IntegrityError:
        return None
    return row.pk


def send_due_reminders(*, now: datetime | None = None, dry_run: bool = False) -> RunResult:
    """Raise overdue alerts, then find, claim and send what is due now. A dry run finds and
    reports, and changes nothing (it raises no alert either)."""
    now = now or timezone.now()
    result = RunResult(dry_run=dry_run)
    if not dry_run:
        raise_overdue_alerts(now, result)
    batches = find_due(now, result)
    if not batches:
        return result
    if dry_run:
        for batch in batches:
            described = ", ".join(f"{r.kind} {r.key}" for r in batch.reminders)
            if batch.channel == Channel.PUSH:
                result.lines.append(f"Would notify {batch.patient.email}: {described}")
            else:
                result.lines.append(f"Would email {batch.patient.email}: {described}")
            result.sent += len(batch.reminders)
            result.patients += 1
        return result
    # Opened once for the run (an unreachable server stops it here, before any claim).
    with get_connection() as connection:
        for batch in batches:
            if batch.channel == Channel.PUSH:
                send_push_batch(batch, result)
            else:
                send_batch(connection, batch, result)
    return result


def claim_all(batch: Batch, result: RunResult) -> dict[Reminder, int]:
    claimed = {}
    for reminder in batch.reminders:
        pk = claim(batch, reminder)
        if pk is None:
            result.already += 1
        else:
            claimed[reminder] = pk
    return claimed


def send_push_batch(batch: Batch, result: RunResult) -> None:
    """Claim this patient's reminders, send one notification to each of their devices. Sent
    if any device took it (a retry would send it twice to that one); failed otherwise."""
    claimed = claim_all(batch, result)
    if not claimed:
        return
    reminders = list(claimed)
    described = ", ".join(f"{r.kind} {r.key}" for r in reminders)
    prefs = ReminderSettings.of(batch.patient)
    with batch.patient.in_own_language():
        data = push.payload(
            batch, reminders, list(claimed.values()), prefs.push_details, prefs.snooze_minutes
        )
    delivery = push.send(batch.devices, data)
    rows = ReminderSent.objects.filter(pk__in=list(claimed.values()), status=Status.CLAIMED)
    if delivery.delivered:
        rows.update(status=Status.SENT, sent_at=timezone.now(), error="")
        result.sent += len(reminders)
        result.patients += 1
        result.lines.append(
            f"Notified {batch.patient.email} on {delivery.delivered} devices: {described}"
        )
        return
    if not delivery.errors:  # every device's subscription had ended: none is left
        rows.update(status=Status.FAILED, error="no device left: every subscription had ended")
        result.lines.append(
            f"No device left to notify {batch.patient.email}: {described} (email from now on)"
        )
        return
    error = "; ".join(delivery.errors)
    rows.update(status=Status.FAILED, error=error[:300])
    result.failed += len(reminders)
    result.lines.append(f"Failed to notify {batch.patient.email}: {described}: {error}")
    logger.warning("Reminder notification to user %s failed: %s", batch.patient.pk, error)


def send_batch(connection, batch: Batch, result: RunResult) -> None:
    """Claim this patient's reminders, send one email listing those claimed, record it."""
    claimed = claim_all(batch, result)
    if not claimed:
        return
    reminders = list(claimed)
    described = ", ".join(f"{r.kind} {r.key}" for r in reminders)
    with batch.patient.in_own_language():
        message = compose(batch, reminders)
    error = deliver(connection, message)
    rows = ReminderSent.objects.filter(pk__in=list(claimed.values()), status=Status.CLAIMED)
    if error:
        rows.update(status=Status.FAILED, error=error[:300])
        result.failed += len(reminders)
        result.lines.append(f"Failed to email {batch.patient.email}: {described}: {error}")
        logger.warning("Reminder email to user %s failed: %s", batch.patient.pk, error)
    else:
        rows.update(status=Status.SENT, sent_at=timezone.now(), error="")
        result.sent += len(reminders)
        result.patients += 1
        result.lines.append(f"Emailed {batch.patient.email}: {described}")
        send_carer_copies(connection, batch, reminders, result)


def deliver(connection, message: EmailMessage) -> str:
    """Send one message; the error's text if it was not sent, else ""."""
    try:
        if connection.send_messages([message]) != 1:
            return "the email backend sent nothing"
    except Exception as exc:  # noqa: BLE001 - any backend error fails this email only
        connection.close()  # a broken SMTP session is reopened for the next email
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return ""
