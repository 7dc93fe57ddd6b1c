import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from records.backup import import_patient


class Command(BaseCommand):
    help = "Restore one patient's record from a file written by export_patient."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path, **options):
        try:
            patient = import_patient(json.loads(path.read_text()))
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored the record of {patient.email}.")
