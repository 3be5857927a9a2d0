"""``manage.py seed_demo``: the fictional demo organisation, made through the services."""

import time

from devtools import demo
from devtools.management.fence import DemoCommand


class Command(DemoCommand):
    help = (
        "Create a fictional CoSA organisation with a year of circle history for demos and "
        "local development. Does nothing if the demo data is already there."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        summary = demo.seed_demo()
        if summary is None:
            self.stdout.write("Demo data already present; nothing changed.")
            return
        counts = ", ".join(f"{count} {name}" for name, count in summary.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data created in {time.monotonic() - started:.1f} s: {counts}."
            )
        )
        self.stdout.write("Run `make demo-logins` to see who to log in as.")
