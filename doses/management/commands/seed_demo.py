from django.core.management.base import BaseCommand

from doses.demo import PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo accounts and data once; running it again adds nothing."

    def handle(self, *args, **options):
        report = load_demo()
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {PASSWORD})")
        for email, role, created in report:
            note = "created" if created else "already present"
            self.stdout.write(f"  {role:<10} {email:<26} {note}")
        self.stdout.write("Open http://127.0.0.1:8000/ and sign in.")
        self.stdout.write("")
