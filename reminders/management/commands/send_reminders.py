"""`manage.py send_reminders`: raise the overdue alerts, then email the reminders due now. Made
for cron (every 15 minutes): idempotent, safe when two runs overlap, quiet with `-v 0` unless
an email fails (reminders/cron.py)."""

from reminders.cron import SendCommand
from reminders.sending import send_due_reminders


class Command(SendCommand):
    help = (
        "Email patients the reminders due now (injection due soon, due today or overdue, "
        "weekly check-in, lab review). Each reminder is sent once, however often this runs. "
        "Raises the clinicians' overdue alerts first."
    )
    what = "reminder"
    send = staticmethod(send_due_reminders)
