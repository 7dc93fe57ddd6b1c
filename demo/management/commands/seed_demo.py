import time

from django.core.management.base import BaseCommand, CommandError

from demo.bulk import seed_bulk
from demo.people import PASSWORD, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo accounts and data once (running it again adds nothing). With --patients,"
        " add that many synthetic patients instead, for load and performance tests."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--patients",
            type=int,
            help="Add this many synthetic patients (bulk inserts), in care teams of 2,000.",
        )
        parser.add_argument(
            "--years", type=float, default=3, help="Up to this many years of history each."
        )
        parser.add_argument("--seed", type=int, default=0, help="Random seed (repeatable data).")

    def handle(self, *args, **options):
        if options["patients"] is not None:
            return self.bulk(options["patients"], options["years"], options["seed"])
        report = load_demo()
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {PASSWORD})")
        for email, role, created in report:
            note = "created" if created else "already present"
            self.stdout.write(f"  {role:<10} {email:<26} {note}")
        self.stdout.write("Open http://127.0.0.1:8000/ and sign in.")
        self.stdout.write("")

    def bulk(self, patients: int, years: float, seed: int):
        if patients < 1 or not 0 < years <= 30:
            raise CommandError("--patients must be 1 or more and --years between 0 and 30.")
        began = time.monotonic()

        def progress(summary):
            self.stdout.write(
                f"  {summary.patients:>7} patients, {summary.doses:>9} injections,"
                f" {summary.checkins:>9} check-ins, {summary.labs:>8} labs"
                f"  ({time.monotonic() - began:.0f} s)"
            )

        summary = seed_bulk(patients, years, seed=seed, progress=progress)
        self.stdout.write(
            f"Added {summary.patients} patients and {summary.clinicians} clinicians in"
            f" {time.monotonic() - began:.0f} s. They sign in with the demo password ({PASSWORD})."
        )
