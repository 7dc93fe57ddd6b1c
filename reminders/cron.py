"""What the cron commands `send_reminders` and `send_digest` share: a dry run, output quiet
with `-v 0` unless an email fails, and a failing exit (so cron mails someone) only then."""

from django.core.management.base import BaseCommand, CommandError


class SendCommand(BaseCommand):
    """A subclass names `what` it sends (singular, for the failure message) and `send`, a
    function of (dry_run=) returning a result with `lines`, `summary()` and `failed`."""

    what = "email"

    @staticmethod
    def send(*, dry_run: bool):
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would be sent; raise, claim and send nothing.",
        )

    def handle(self, *args, dry_run=False, verbosity=1, **options):
        try:
            result = self.send(dry_run=dry_run)
        except OSError as exc:  # the mail server is unreachable: nothing was claimed
            raise CommandError(f"Could not reach the mail server: {exc}") from exc
        if dry_run or verbosity >= 2:
            for line in result.lines:
                self.stdout.write(line)
        if verbosity >= 1:
            self.stdout.write(result.summary())
        if result.failed:
            raise CommandError(
                f"{result.failed} {self.what}{'s' * (result.failed != 1)} could not be sent; "
                "the next run tries again."
            )
