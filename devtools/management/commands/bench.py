"""``manage.py bench``: every role's everyday pages under gunicorn beside a floor page.

    DATABASE_URL=postgres://... python manage.py bench --clients 4 --seconds 60

Needs the generate_scale data (``--generate SCALE`` makes it first when absent).
Measures each page alone (service time), then under concurrent clients, then a burst of
real logins; the last line is ``bench: pages=N worst_service_page=... errors=E
logins_per_s=L`` (devtools/bench.py).
"""

import os

from django.core.management.base import BaseCommand, CommandError

from devtools import bench, scale


class Command(BaseCommand):
    help = (
        "Benchmark each role's everyday pages under gunicorn (alone, then under concurrent "
        "clients) and a burst of logins, as ratios to a floor page."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=4)
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--warmup", type=int, default=5)
        parser.add_argument(
            "--requests",
            type=int,
            default=20,
            help="Sequential requests per page for its service time (after a warm-up).",
        )
        parser.add_argument(
            "--logins", type=int, default=50, help="Users in the login burst (0: none)."
        )
        parser.add_argument(
            "--login-clients",
            type=int,
            default=None,
            help="Logins in flight at once (default: the whole burst, at most 64).",
        )
        # One sync worker per core: PostgreSQL runs on the same cores, and more workers
        # than cores only queue for CPU (measured: 3 workers on 2 cores raised the
        # dashboard's p95 from about 170 ms to 200-220 ms).
        parser.add_argument(
            "--workers", type=int, default=os.cpu_count() or 2, help="gunicorn sync workers"
        )
        parser.add_argument(
            "--generate",
            type=float,
            default=None,
            metavar="SCALE",
            help="Run generate_scale at this scale first when no scale data exists.",
        )

    def handle(self, *args, **options):
        if not 1 <= options["seconds"] <= 1800 or not 1 <= options["clients"] <= 64:
            raise CommandError("--seconds must be 1..1800 and --clients 1..64.")
        if not 1 <= options["requests"] <= 1000 or not 0 <= options["logins"] <= 1000:
            raise CommandError("--requests must be 1..1000 and --logins 0..1000.")
        if options["login_clients"] is not None and not 1 <= options["login_clients"] <= 64:
            raise CommandError("--login-clients must be 1..64.")
        if not scale.already_generated():
            if options["generate"] is None:
                raise CommandError("No scale data: run generate_scale (or pass --generate 1).")
            scale.generate(options["generate"], progress=scale.Progress(self.stderr))
        try:
            bench.run(
                clients=options["clients"],
                seconds=options["seconds"],
                warmup=options["warmup"],
                workers=options["workers"],
                requests=options["requests"],
                logins=options["logins"],
                login_clients=options["login_clients"],
                write=lambda line: (self.stdout.write(line), self.stdout.flush()),
            )
        except RuntimeError as error:
            raise CommandError(str(error)) from error
