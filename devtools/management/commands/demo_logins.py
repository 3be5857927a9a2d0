"""``manage.py demo_logins``: the demo accounts to log in with, read from the database."""

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse

from devtools import demo
from devtools.management.fence import DemoCommand

# Backup codes printed per account; each account keeps ten (demo.DEMO_CODES_KEPT).
CODES_SHOWN = 3

COLUMNS = (
    ("role", "Role"),
    ("name", "Name"),
    ("email", "E-mail"),
    ("password", "Password"),
    ("codes", "2FA backup codes"),
)


class Command(DemoCommand):
    help = "Print the site address and a table of the demo logins made by seed_demo."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default=f"{settings.SITE_URL}/",
            help="The address the site is served at (default: COSA_SITE_URL).",
        )

    def handle(self, *args, **options):
        rows = demo.demo_logins()
        if not rows:
            raise CommandError("No demo accounts found; run `make seed` first.")
        with transaction.atomic():
            for row in rows:
                row["codes"] = " ".join(demo.demo_backup_codes(row["user"])[:CODES_SHOWN])
        url = options["url"].rstrip("/")
        self.stdout.write(f"CoSA demo (fictional data) at {url}/")
        self.stdout.write(f"Log in at {url}{reverse('accounts:login')} as any of:\n")
        widths = {key: max(len(title), *(len(row[key]) for row in rows)) for key, title in COLUMNS}
        header = "  ".join(title.ljust(widths[key]) for key, title in COLUMNS) + "  Notes"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for row in rows:
            cells = "  ".join(row[key].ljust(widths[key]) for key, _title in COLUMNS)
            self.stdout.write(f"{cells}  {row['note']}")
        self.stdout.write(
            "\nAfter the password, enter one of the account's backup codes: each works once, "
            f"and every demo account keeps {demo.DEMO_CODES_KEPT}. To print this table again, "
            "used codes replaced, run `make demo-logins`. To use an authenticator app, log in with "
            "a backup code, then choose 'Set up an authenticator app' in the account menu "
            "(your name, top right)."
        )
