"""A second fence around the commands that make or print known demo credentials.

The first fence is that the development tools are installed only with
COSA_DEVTOOLS=true. These commands also refuse to run with DJANGO_DEBUG=false, the
production setting, unless told in so many words that this is not production.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

NOT_PRODUCTION_FLAG = "--i-know-this-is-not-production"


class DemoCommand(BaseCommand):
    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            NOT_PRODUCTION_FLAG,
            action="store_true",
            dest="not_production",
            help="Run even though DJANGO_DEBUG is false (demo accounts have a published "
            "password: never on a production database).",
        )
        return parser

    def execute(self, *args, **options):
        if not settings.DEBUG and not options.get("not_production"):
            raise CommandError(
                f"DJANGO_DEBUG is false, as in production: this command makes or prints "
                f"demo accounts with a published password. Use `make run` / `make "
                f"demo-logins`, or add {NOT_PRODUCTION_FLAG} if this is not production."
            )
        return super().execute(*args, **options)
