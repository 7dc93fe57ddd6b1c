"""Make a VAPID key pair for Web Push reminders and print it as environment variables."""

from django.core.management.base import BaseCommand

from reminders.push import new_key_pair


class Command(BaseCommand):
    help = (
        "Print a new VAPID key pair for push notifications, as DJANGO_VAPID_PUBLIC_KEY and "
        "DJANGO_VAPID_PRIVATE_KEY lines. Keep the private key secret; a new pair ends every "
        "device's subscription (patients turn notifications on again)."
    )

    def handle(self, *args, **options):
        public, private = new_key_pair()
        self.stdout.write(f"DJANGO_VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"DJANGO_VAPID_PRIVATE_KEY={private}")
        self.stdout.write(
            "DJANGO_VAPID_SUBJECT=mailto:you@example.org  # a contact for push services"
        )
