import json

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from records.backup import export_patient


class Command(BaseCommand):
    help = "Write one patient's whole record as JSON to standard output."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        try:
            patient = User.objects.get(email=email.lower(), role=User.Role.PATIENT)
        except User.DoesNotExist:
            raise CommandError(f"No patient with the email {email}") from None
        self.stdout.write(json.dumps(export_patient(patient), indent=1))
