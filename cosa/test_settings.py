"""Settings for the test suite: the production module with a fast hasher.

The database still comes from DATABASE_URL, so `.ci/run` runs the same tests
on PostgreSQL.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-0123456789abcdefghijkl")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_EMAIL_URL", "locmem://")
# The test client speaks plain HTTP; production redirects to HTTPS.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
# The demo, scale and benchmark tests need the development tools installed.
os.environ.setdefault("COSA_DEVTOOLS", "true")

from cosa.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_BROKER_URL = os.environ.get("REDIS_URL") or "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
