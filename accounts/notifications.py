"""Tell a user that something needs them: one call for every alert in the system.

The contract other apps rely on: ``notify(recipient=, subject=, link=, ...)``. The
subject and body must hold nothing the recipient's role may not see, and never case
details: the e-mail carries only a link to the page, which checks access on its own.
The in-app bell (issue 7) builds on this same entry point.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction


def notify(*, recipient, subject, link, body="", email=True):
    """Alert ``recipient`` after the current transaction commits.

    ``link`` is a path on this site (``/circles/3/concerns/9/``); ``body`` is a short,
    detail-free sentence.
    """
    if not recipient.is_active or not email or not recipient.email:
        return
    url = f"{settings.SITE_URL}{link}"
    text = f"{body}\n\nOpen it here (you will be asked to log in): {url}\n".lstrip()

    def send():
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [recipient.email])

    transaction.on_commit(send)
