"""`manage.py send_reminders`: email the reminders due now. Made for cron (every 15 minutes):
idempotent, safe when two runs overlap, quiet with `-v 0` unless an email fails."""

from django.core.management.base import BaseCommand, CommandError

from reminders.sending import send_due_reminders


class Command(BaseCommand):
    help = (
        "Email patients the reminders due now (injection due soon, due today or overdue, "
        "weekly check-in, lab review). Each reminder is sent once, however often this runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would be sent; claim nothing and send nothing.",
        )

    def handle(self, *args, dry_run=False, verbosity=1, **options):
        try:
            result = send_due_reminders(dry_run=dry_run)
        except OSError as exc:  # the mail server is unreachable: nothing was claimed
            raise CommandError(f"Could not reach the mail server: {exc}") from exc
        if dry_run or verbosity >= 2:
            for line in result.lines:
                self.stdout.write(line)
        if verbosity >= 1:
            self.stdout.write(result.summary())
        if result.failed:
            raise CommandError(
                f"{result.failed} reminder{'s' * (result.failed != 1)} could not be sent; "
                "the next run tries again."
            )
