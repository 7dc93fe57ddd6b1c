from django.core.management.base import BaseCommand

from regimens.loading import load_example_templates


class Command(BaseCommand):
    help = "Load the example regimen templates (each marked 'prescriber confirms'), once."

    def handle(self, *args, **options):
        created, present = load_example_templates()
        self.stdout.write(f"Regimen templates: {created} created, {present} already present.")
