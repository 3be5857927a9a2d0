"""``manage.py audit_values_access EMAIL [--revoke]``: who reads the audit trail's values.

The admin site does not offer Django's model permissions (most of them mean nothing
here and some would mislead), so the one that shows sensitive old and new values in
the audit trail is given and taken back with this command.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User, email_key
from privacy.services import audit_values_access_set


class Command(BaseCommand):
    help = "Let a manager see sensitive values in the audit trail, or (--revoke) no longer."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The manager's e-mail address.")
        parser.add_argument("--revoke", action="store_true", help="Take the permission back.")

    def handle(self, *args, email, revoke, **options):
        user = User.objects.filter(email=email_key(email)).first()
        if user is None:
            raise CommandError(f"Nobody has the e-mail address {email!r}.")
        try:
            audit_values_access_set(user=user, allowed=not revoke)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        done = "no longer sees" if revoke else "now sees"
        self.stdout.write(self.style.SUCCESS(f"{user} {done} sensitive values in the audit trail."))
