"""``manage.py grant_app_role ROLE``: give the application's database role its privileges.

Run as the role that owns the tables (the one that runs ``migrate``), after each
migration (or set DATABASE_APP_ROLE and ``migrate`` does it). See accounts.db_roles
and the README's "Database roles".
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, transaction

from accounts.db_roles import RoleError, app_role_grant


class Command(BaseCommand):
    help = (
        "Grant a PostgreSQL role what the application needs and no more: SELECT, INSERT,"
        " UPDATE, DELETE on the tables, only SELECT, INSERT on the access log, no TRUNCATE."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="The role the web, worker and beat processes log in as.")
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database alias to grant on (default: %(default)s).",
        )

    def handle(self, *args, role, database, verbosity, **options):
        try:
            with transaction.atomic(using=database):
                granted = app_role_grant(role, using=database)
        except RoleError as error:
            raise CommandError(str(error)) from None
        if verbosity >= 2:
            for name, privileges in granted.items():
                self.stdout.write(f"{name}: {privileges}")
        self.stdout.write(
            self.style.SUCCESS(f"Granted {role!r} its privileges on {len(granted)} relations.")
        )
