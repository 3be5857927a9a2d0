"""``manage.py demo_logins``: the demo accounts to log in with, read from the database."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from devtools import demo

COLUMNS = (
    ("role", "Role"),
    ("name", "Name"),
    ("email", "E-mail"),
    ("password", "Password"),
    ("code", "2FA code"),
)


class Command(BaseCommand):
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
            raise CommandError("No demo accounts found; run `manage.py seed_demo` first.")
        with transaction.atomic():
            for row in rows:
                row["code"] = demo.demo_two_factor_code(row["user"])
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
            "\nAfter the password, enter the 2FA code: each works once. For fresh codes run "
            "`.venv/bin/python manage.py demo_logins` (or set up an authenticator app)."
        )
