"""Text messages through a backend chosen by a setting, as Django chooses its e-mail one.

``COSA_SMS_BACKEND`` names a class with ``send(to, text)``. The console backend writes
each message to the log (``make run``), the file backend one file per message, and the
locmem backend keeps them in ``outbox`` for tests. A real provider is a small class in
the deployment's own code wrapping its library (for example ``twilio``'s
``Client(...).messages.create(to=..., from_=..., body=...)``); none is installed here.
"""

import datetime
import logging
import os
import uuid

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# The locmem backend's messages: (to, text) pairs, emptied by the tests.
outbox: list[tuple[str, str]] = []


class BaseSmsBackend:
    def send(self, to: str, text: str) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    def send(self, to, text):
        logger.warning("SMS to %s: %s", to, text)


class FileBackend(BaseSmsBackend):
    """One file per message in ``COSA_SMS_FILE_PATH``."""

    def send(self, to, text):
        folder = settings.COSA_SMS_FILE_PATH
        os.makedirs(folder, exist_ok=True)
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
        path = os.path.join(folder, f"{stamp}-{uuid.uuid4().hex[:8]}.txt")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(f"To: {to}\n\n{text}\n")


class LocmemBackend(BaseSmsBackend):
    def send(self, to, text):
        outbox.append((to, text))


def get_backend() -> BaseSmsBackend:
    return import_string(settings.COSA_SMS_BACKEND)()


def send_sms(to: str, text: str) -> None:
    get_backend().send(to, text)
