"""The clinicians' email digest: which patients of their care team need a look, claimed in the
DigestSent ledger, then sent (`manage.py send_digest`, from cron every 15 minutes).

A run works as `send_reminders` does (reminders/sending.py):

1. Raise the overdue alerts due by now (doses/alerts.py's `raise_overdue`), so that the digest
   lists them.
2. Find: one query reads the clinicians who chose a digest; each one's period (their local date,
   or ISO week for a weekly digest) is due once their local time has reached their hour (on
   their weekday, if weekly). A second query reads the ledger rows of those periods: one already
   sent, or found empty, is skipped.
3. For each clinician, two queries whatever the size of the care team: the open alerts of their
   patients, then their patients' active regimens that may be overdue or due a lab review,
   judged on each patient's own date (schedule rule 8).
4. Claim the period by inserting its ledger row (the unique (user, period) makes a second run's
   insert fail), or, for one that failed before, by moving it failed -> claimed in one UPDATE;
   send one email; mark the row sent, or failed with the error, for the next run to retry
   while the period lasts.

A period with nothing to list sends nothing and is recorded as empty: the digest is a look at the
care team at the chosen hour, not a watch over the rest of the day (an alert raised later comes
in the next digest, and is on the triage list at once).

The email names each patient, the kinds of their open alerts, "overdue" and "lab review due",
with a link to the record: no scores, notes, signs, doses or dates. Whoever reads the inbox
learns no more than that the clinician cares for the patient and what kind of look is due.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User, one_line
from doses.alerts import URGENT
from doses.models import Alert
from regimens import schedule
from regimens.models import Regimen

from .emails import absolute
from .models import DigestSent, DigestSettings
from .sending import STUCK_AFTER, RunTotals, deliver, raise_overdue_alerts

logger = logging.getLogger(__name__)

Status = DigestSent.Status


@dataclass
class Due:
    """A clinician whose digest period has come; `retry` is its ledger row if it failed before."""

    prefs: DigestSettings
    period: str
    retry: int | None = None

    @property
    def clinician(self) -> User:
        return self.prefs.user


@dataclass
class Entry:
    """One patient in a digest: what to look at, and where."""

    name: str
    url: str
    alerts: set[str] = field(default_factory=set)  # the open alerts' kinds
    overdue: bool = False
    lab_review: bool = False

    @property
    def items(self) -> list[str]:
        """What to look at, worded in the active language: the alerts' kinds (urgent first),
        then "overdue" and "lab review due"."""
        labels = sorted((kind not in URGENT, str(Alert.Kind(kind).label)) for kind in self.alerts)
        items = [label for _urgent, label in labels]
        if self.overdue:
            items.append(_("overdue"))
        if self.lab_review:
            items.append(_("lab review due"))
        return items


@dataclass
class DigestRun(RunTotals):
    empty: int = 0

    def head(self) -> str:
        return (
            f"{self.verb} {self.sent} digest{'s' * (self.sent != 1)}; {self.empty} with "
            f"nothing to list; {self.already} already sent"
        )


def due_digests(now: datetime, result: DigestRun) -> list[Due]:
    """Two queries: the clinicians who chose a digest, then the ledger rows of their periods."""
    chosen = (
        DigestSettings.objects.exclude(frequency=DigestSettings.Frequency.OFF)
        .filter(user__role=User.Role.CLINICIAN, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id")
    )
    found = []
    for prefs in chosen:
        period = prefs.period(now)
        if period is not None:
            found.append(Due(prefs, period))
    if not found:
        return []
    ledger = {
        (row.user_id, row.period): row
        for row in DigestSent.objects.filter(
            user_id__in=[due.prefs.user_id for due in found],
            period__in={due.period for due in found},
        ).only("pk", "user_id", "period", "status", "claimed_at")
    }
    pending = []
    for due in found:
        row = ledger.get((due.prefs.user_id, due.period))
        if row is None:
            pending.append(due)
        elif row.status == Status.FAILED:
            due.retry = row.pk
            pending.append(due)
        elif row.status == Status.CLAIMED and row.claimed_at < now - STUCK_AFTER:
            result.stuck += 1
        else:
            result.already += 1
    return pending


def entries_for(clinician: User, now: datetime) -> list[Entry]:
    """The care-team patients to look at, in two queries whatever their number: open alerts,
    then active regimens overdue or due a lab review on the patient's own date. Patients with
    an alert come first, then by name."""
    cared_for = Q(patient__care_team__clinician=clinician, patient__is_active=True)
    entries: dict[int, Entry] = {}

    def entry(patient_id: int, name: str) -> Entry:
        if patient_id not in entries:
            entries[patient_id] = Entry(name, absolute("patient_record", patient_id))
        return entries[patient_id]

    open_alerts = (
        Alert.objects.open()
        .filter(cared_for)
        .values_list("patient_id", "patient__name", "kind")
        .order_by("patient_id", "kind")
        .distinct()
    )
    for patient_id, name, kind in open_alerts:
        entry(patient_id, name).alerts.add(kind)

    # Any zone's date is at most a day after UTC's: this only narrows, the dates decide.
    horizon = now.astimezone(UTC).date() + timedelta(days=1)
    regimens = (
        Regimen.objects.filter(cared_for, status=Regimen.Status.ACTIVE)
        .filter(Q(next_due__lt=horizon) | Q(next_lab_review__lte=horizon))
        .select_related("patient")
        .only("next_due", "next_lab_review", "patient__name", "patient__time_zone")
        .order_by("patient_id")
    )
    for regimen in regimens:
        patient = regimen.patient
        today = now.astimezone(patient.zone).date()
        overdue = schedule.status(regimen.next_due, today)[0] == "overdue"
        review = regimen.next_lab_review is not None and regimen.next_lab_review <= today
        if overdue or review:
            found = entry(patient.pk, patient.name)
            found.overdue |= overdue
            found.lab_review |= review
    return sorted(entries.values(), key=lambda e: (not e.alerts, e.name.casefold(), e.url))


def claim(due: Due, status: str, listed: int) -> int | None:
    """Claim the period in its own transaction; its ledger pk, or None if another run has it.
    Two runs may both read "not sent yet": the unique constraint lets one insert win, and the
    failed -> claimed UPDATE changes the row for one of them only."""
    now = timezone.now()
    if due.retry is not None:
        taken = DigestSent.objects.filter(pk=due.retry, status=Status.FAILED).update(
            status=status, claimed_at=now, patients=listed, error=""
        )
        return due.retry if taken else None
    try:
        with transaction.atomic():
            row = DigestSent.objects.create(
                user=due.clinician,
                period=due.period,
                status=status,
                claimed_at=now,
                patients=listed,
            )
    except IntegrityError:
        return None
    return row.pk


def send_digests(*, now: datetime | None = None, dry_run: bool = False) -> DigestRun:
    """Raise overdue alerts, then find, claim and send the digests due at `now`. A dry run
    finds and reports, and changes nothing (it raises no alert either)."""
    now = now or timezone.now()
    result = DigestRun(dry_run=dry_run)
    if not dry_run:
        raise_overdue_alerts(now, result)
    pending = due_digests(now, result)
    if not pending:
        return result
    if dry_run:
        for due in pending:
            listed = len(entries_for(due.clinician, now))
            if listed:
                result.sent += 1
                result.lines.append(
                    f"Would email {due.clinician.email} the {due.period} digest: "
                    f"{listed} patient{'s' * (listed != 1)}"
                )
            else:
                result.empty += 1
        return result
    # Opened once for the run (an unreachable server stops it here, before any claim).
    with get_connection() as connection:
        for due in pending:
            send_one(connection, due, now, result)
    return result


def send_one(connection, due: Due, now: datetime, result: DigestRun) -> None:
    """List this clinician's patients; claim the period; send the email; record it."""
    clinician = due.clinician
    entries = entries_for(clinician, now)
    if not entries:
        if claim(due, Status.EMPTY, 0) is None:
            result.already += 1
        else:
            result.empty += 1
        return
    pk = claim(due, Status.CLAIMED, len(entries))
    if pk is None:
        result.already += 1
        return
    error = deliver(connection, compose(due, entries))
    row = DigestSent.objects.filter(pk=pk, status=Status.CLAIMED)
    if error:
        row.update(status=Status.FAILED, error=error[:300])
        result.failed += 1
        result.lines.append(f"Failed to email {clinician.email} the {due.period} digest: {error}")
        logger.warning("Digest email to user %s failed: %s", clinician.pk, error)
    else:
        row.update(status=Status.SENT, sent_at=timezone.now(), error="")
        result.sent += 1
        result.lines.append(
            f"Emailed {clinician.email} the {due.period} digest: {len(entries)} "
            f"patient{'s' * (len(entries) != 1)}"
        )


def compose(due: Due, entries: list[Entry]) -> EmailMultiAlternatives:
    """The email, in text and HTML, in the clinician's language (My account), or else the
    site's."""
    with due.clinician.in_own_language():
        count = len(entries)
        if due.prefs.frequency == DigestSettings.Frequency.WEEKLY:
            subject = ngettext(
                "Your weekly B12 digest: %(count)d patient to look at",
                "Your weekly B12 digest: %(count)d patients to look at",
                count,
            )
        else:
            subject = ngettext(
                "Your daily B12 digest: %(count)d patient to look at",
                "Your daily B12 digest: %(count)d patients to look at",
                count,
            )
        context = {
            "name": due.clinician.get_full_name() or due.clinician.email,
            "entries": [{"name": e.name, "items": e.items, "url": e.url} for e in entries],
            "weekly": due.prefs.frequency == DigestSettings.Frequency.WEEKLY,
            "language": translation.get_language(),
            "home_url": absolute("home"),
            "settings_url": absolute("account_settings") + "#digest",
        }
        message = EmailMultiAlternatives(
            subject=one_line(subject % {"count": count}),
            body=render_to_string("reminders/email/digest.txt", context),
            to=[due.clinician.email],
            headers={"Auto-Submitted": "auto-generated"},
        )
        message.attach_alternative(
            render_to_string("reminders/email/digest.html", context), "text/html"
        )
    return message
