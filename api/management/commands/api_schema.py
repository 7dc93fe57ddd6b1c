from django.core.management.base import BaseCommand

from api import schema_file


class Command(BaseCommand):
    help = "Write the API's OpenAPI schema to docs/api/openapi.json."

    def handle(self, *args, **options):
        schema_file.PATH.parent.mkdir(parents=True, exist_ok=True)
        schema_file.PATH.write_text(schema_file.schema_text())
        self.stdout.write(f"Wrote {schema_file.PATH}")
