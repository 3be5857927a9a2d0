"""``manage.py generate_scale``: national-scale fictional data (devtools/scale.py).

python manage.py generate_scale              # 60,000 Core Members, 1.5M meetings ...
python manage.py generate_scale --scale 0.1  # a tenth of that
python manage.py generate_scale --reset      # delete an earlier run's data first
"""

import time

from django.core.management.base import BaseCommand, CommandError

from devtools import scale


class Command(BaseCommand):
    help = "Generate national-scale fictional data (bulk inserts, COPY on PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1 = national scale.")
        parser.add_argument("--seed", type=int, default=10)
        parser.add_argument(
            "--reset", action="store_true", help="Delete an earlier run's data first."
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        if options["scale"] <= 0:
            raise CommandError("--scale must be more than 0.")
        self._run(options["scale"], options["seed"], options["reset"], options["no_progress"])

    def _run(self, factor, seed, reset, no_progress):
        started = time.perf_counter()
        if scale.already_generated():
            if not reset:
                raise CommandError(
                    "Scale data is already here (users @scale.example.org): use --reset."
                )
            scale.reset()
            self.stderr.write(f"reset in {time.perf_counter() - started:.1f} s")
        began = time.perf_counter()
        written = scale.generate(
            factor, seed=seed, progress=scale.Progress(self.stderr, enabled=not no_progress)
        )
        seconds = time.perf_counter() - began
        total = sum(written.values())
        for label, rows in written.items():
            self.stdout.write(f"{label:<28} {rows:>10,}")
        self.stdout.write(f"generate_scale: scale={factor:g} rows={total} seconds={seconds:.1f}")
