"""The reminder email: one per patient and run, listing what the run claimed for them, in the
patient's language (reminders/sending.py sets it), each kind worded by its own template
(templates/reminders/email/reminder/<kind>.txt)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import one_line
from doses.when import in_days

from .models import ReminderSent

if TYPE_CHECKING:
    from .sending import Batch, Reminder

Kind = ReminderSent.Kind


def day_text(day: date, today: date) -> str:
    """ "Tuesday 24 November", with the year when it is not this year's."""
    return date_format(day, "l j F" if day.year == today.year else "l j F Y")


def subject_for(reminder: Reminder, today: date) -> str:
    when = in_days(reminder.on, today)
    if reminder.kind == Kind.PLAN_CHANGED:
        return _("Your B12 injection plan has changed")
    if reminder.kind in (Kind.DUE_SOON, Kind.DUE_TODAY):
        return _("B12 injection due %(when)s") % {"when": when}
    if reminder.kind == Kind.OVERDUE:
        return _("Your B12 injection was due on %(day)s") % {"day": day_text(reminder.on, today)}
    if reminder.kind == Kind.RUNNING_OUT:
        if reminder.on < today:
            return _("Your B12 supplies did not cover your injection due on %(day)s") % {
                "day": day_text(reminder.on, today)
            }
        return _("Your B12 supplies will not last to your injection due %(when)s") % {"when": when}
    if reminder.kind == Kind.LAB_REVIEW:
        if reminder.on < today:
            return _("Your blood test was due on %(day)s") % {"day": day_text(reminder.on, today)}
        return _("Blood test due %(when)s") % {"when": when}
    return _("Time for your weekly check-in")


def carer_line(reminder: Reminder, today: date, name: str) -> str:
    """One reminder, worded for a carer of the patient `name`."""
    when, day = in_days(reminder.on, today), day_text(reminder.on, today)
    past = reminder.on < today
    names = {"name": name, "when": when, "day": day}
    if reminder.kind == Kind.PLAN_CHANGED:
        return _("%(name)s's injection plan has changed") % names
    if reminder.kind in (Kind.DUE_SOON, Kind.DUE_TODAY):
        return _("%(name)s's B12 injection is due %(when)s") % names
    if reminder.kind == Kind.OVERDUE:
        return _("%(name)s's B12 injection was due on %(day)s") % names
    if reminder.kind == Kind.RUNNING_OUT:
        if past:
            return _("%(name)s's supplies did not cover the injection due on %(day)s") % names
        return _("%(name)s's supplies will not last to the injection due %(when)s") % names
    if reminder.kind == Kind.LAB_REVIEW:
        if past:
            return _("%(name)s's blood test was due on %(day)s") % names
        return _("%(name)s's blood test is due %(when)s") % names
    return _("Time for %(name)s's weekly check-in") % names


def compose_for_carer(batch: Batch, reminders: list[Reminder], carer) -> EmailMessage:
    """The carer's copy of the patient's reminder email: what is due, for whom, and where to
    record it (the carer's home shows the person they last recorded for, and the switch)."""
    name = batch.patient.name
    lines = [carer_line(r, batch.today, name) for r in reminders]
    context = {
        "carer": carer.get_short_name(),
        "patient": name,
        "lines": lines,
        "home_url": absolute("home"),
        "settings_url": absolute("account_settings"),
    }
    return EmailMessage(
        subject=one_line(lines[0]),
        body=render_to_string("reminders/email/carer_reminder.txt", context),
        to=[carer.email],
        headers={"Auto-Submitted": "auto-generated"},
    )


def absolute(name: str, *args) -> str:
    """The page's address for an email: the site's public address (DJANGO_SITE_URL) + path."""
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def compose(batch: Batch, reminders: list[Reminder]) -> EmailMessage:
    today = batch.today
    subject = subject_for(reminders[0], today)
    if len(reminders) > 1:
        more = len(reminders) - 1
        subject += " " + ngettext(
            "(and %(more)d more reminder)", "(and %(more)d more reminders)", more
        ) % {"more": more}
    phase = batch.regimen.current_phase
    context = {
        "name": batch.patient.get_short_name(),
        "reminders": [
            {
                "kind": r.kind,
                "template": f"reminders/email/reminder/{r.kind}.txt",  # worded per kind
                "date": day_text(r.on, today),
                "when": in_days(r.on, today),
                "past": r.on < today,
                "what": r.what,
            }
            for r in reminders
        ],
        "first_checkin": batch.regimen.last_checkin is None,
        "dose": f"{phase.dose_mcg:,} mcg" if phase else "",
        "phase": phase.label if phase else "",
        "log_url": absolute("log_dose"),
        "home_url": absolute("home"),
        "checkin_url": absolute("checkin"),
        "labs_url": absolute("labs"),
        "supplies_url": absolute("supplies"),
        "settings_url": absolute("reminder_settings"),
    }
    body = render_to_string("reminders/email/reminder.txt", context)
    return EmailMessage(
        subject=one_line(subject),
        body=body,
        to=[batch.patient.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
