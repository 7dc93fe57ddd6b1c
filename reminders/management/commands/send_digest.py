"""`manage.py send_digest`: raise the overdue alerts, then email the clinicians' digests due
now. Made for cron (every 15 minutes): idempotent, safe when two runs overlap, quiet with
`-v 0` unless an email fails (reminders/cron.py)."""

from reminders.cron import SendCommand
from reminders.digest import send_digests


class Command(SendCommand):
    help = (
        "Email each clinician who chose a digest the care-team patients with open alerts, "
        "overdue injections or lab reviews due, once a day or week from their hour. Each "
        "digest is sent once, however often this runs. Raises the overdue alerts first."
    )
    what = "digest"
    send = staticmethod(send_digests)
