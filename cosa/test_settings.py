"""Settings for the test suite: the production module with a fast hasher.

The database still comes from DATABASE_URL, so `.ci/run` runs the same tests
on PostgreSQL.
"""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-0123456789abcdefghijkl")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_EMAIL_URL", "locmem://")
# The test client speaks plain HTTP; production redirects to HTTPS.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
# The demo, scale and benchmark tests need the development tools installed.
os.environ.setdefault("COSA_DEVTOOLS", "true")
os.environ.setdefault("COSA_SMS_BACKEND", "loneworking.sms.LocmemBackend")

from cosa.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _broker_of_this_test_process(url):
    """REDIS_URL, with a Redis database of its own for each pytest-xdist worker.

    `make test` runs the suite in parallel processes (gw0, gw1, ...). The tests that
    start a real Celery worker purge the broker and wait for their own deliveries: on
    one shared database a worker started by one process could take another's tasks.
    gw0 uses database 1, gw1 database 2, ... (Redis has 16 by default); a run without
    xdist keeps the database REDIS_URL names. Processes the tests start themselves
    get the chosen URL in REDIS_URL and no PYTEST_XDIST_WORKER, so they use it as is.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker.startswith("gw"):
        return url
    database = 1 + int(worker.removeprefix("gw")) % 15
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


CELERY_BROKER_URL = _broker_of_this_test_process(os.environ.get("REDIS_URL")) or "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}

# Each test process counts in memory of its own: parallel processes never share a rate
# limit, and tests that count clear the cache first (calendars/tests).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "cosa-tests",
        "KEY_PREFIX": "cosa",
    }
}
# The suite's circles are never supervised: supervision reminders would join every count
# of reminders the other tests make. The supervision tests turn them on.
COSA_SUPERVISION_REMINDERS = False
