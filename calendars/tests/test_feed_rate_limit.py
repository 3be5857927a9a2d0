"""The feed's rate limit is counted in the shared cache: every process sees one count."""

import datetime
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from calendars import feed, services
from cosa.env import parse_cache_url

MOMENT = datetime.datetime(2026, 10, 5, 9, 0, 30, tzinfo=datetime.UTC)

# A second Python process: the project's own settings, its cache chosen by the
# environment as in production, counting one request in the window MOMENT falls in.
CHILD = """
import datetime, json, sys
import django
django.setup()
from django.conf import settings
from calendars import feed
moment = datetime.datetime.fromisoformat(sys.argv[1])
over = feed.over_limit(sys.argv[2], int(sys.argv[3]), now=moment) if sys.argv[2] else None
print(json.dumps({"backend": settings.CACHES["default"]["BACKEND"], "over": over}))
"""


def _child(tmp_path, key="", limit=0, **environ):
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("REDIS_URL", "CELERY_BROKER_URL", "COSA_CACHE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cosa.settings",
        DJANGO_DEBUG="true",
        COSA_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'child.sqlite3'}",
        **environ,
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHILD, MOMENT.isoformat(), key, str(limit)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _file_cache(folder):
    return FileBasedCache(str(folder), {"KEY_PREFIX": "cosa"})


def test_two_cache_clients_on_one_store_share_the_limit(tmp_path):
    # Two clients, as two gunicorn workers hold: nothing shared but the store.
    first, second = _file_cache(tmp_path), _file_cache(tmp_path)
    assert [feed.over_limit("token:abc", 3, store=s, now=MOMENT) for s in (first, second)] == [
        False,
        False,
    ]
    assert feed.over_limit("token:abc", 3, store=first, now=MOMENT) is False
    assert feed.over_limit("token:abc", 3, store=second, now=MOMENT) is True
    # Another token has its own count.
    assert feed.over_limit("token:other", 3, store=second, now=MOMENT) is False


def test_the_count_starts_again_in_the_next_window(tmp_path):
    store = _file_cache(tmp_path)
    for _ in range(2):
        feed.over_limit("ip:192.0.2.1", 2, store=store, now=MOMENT)
    assert feed.over_limit("ip:192.0.2.1", 2, store=store, now=MOMENT) is True
    # Still the same minute 29 seconds later: still over.
    later = MOMENT + datetime.timedelta(seconds=29)
    assert feed.over_limit("ip:192.0.2.1", 2, store=store, now=later) is True
    next_minute = MOMENT + datetime.timedelta(seconds=feed.WINDOW_SECONDS)
    assert feed.over_limit("ip:192.0.2.1", 2, store=store, now=next_minute) is False


def test_another_process_counts_in_the_same_limit(tmp_path):
    folder = tmp_path / "shared-cache"
    store = _file_cache(folder)
    assert feed.over_limit("token:shared", 2, store=store, now=MOMENT) is False
    assert feed.over_limit("token:shared", 2, store=store, now=MOMENT) is False
    # The other process reads its cache from COSA_CACHE_URL, as a deployment does.
    answer = _child(tmp_path, "token:shared", 2, COSA_CACHE_URL=f"file://{folder}")
    assert answer == {
        "backend": "django.core.cache.backends.filebased.FileBasedCache",
        "over": True,
    }
    assert feed.over_limit("token:shared", 2, store=store, now=MOMENT) is True


def test_with_redis_for_the_broker_the_cache_is_redis_too(tmp_path):
    # No connection is made: the settings only name the store.
    answer = _child(tmp_path, REDIS_URL="redis://127.0.0.1:1/3")
    assert answer["backend"] == "django.core.cache.backends.redis.RedisCache"
    answer = _child(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:1/4")
    assert answer["backend"] == "django.core.cache.backends.redis.RedisCache"
    # Without Redis, `make run` gets a folder under var/ its processes share.
    answer = _child(tmp_path)
    assert answer["backend"] == "django.core.cache.backends.filebased.FileBasedCache"


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("redis://redis:6379/2", "redis.RedisCache", "redis://redis:6379/2"),
        ("rediss://cache.example:6380/0", "redis.RedisCache", "rediss://cache.example:6380/0"),
        ("file://cache", "filebased.FileBasedCache", "/var-dir/cache"),
        ("file://", "filebased.FileBasedCache", "/var-dir/cache"),
        ("file:///srv/cosa-cache", "filebased.FileBasedCache", "/srv/cosa-cache"),
        ("locmem://", "locmem.LocMemCache", "cosa"),
    ],
)
def test_the_cache_url_names_the_backend(url, backend, location):
    from pathlib import Path

    default = parse_cache_url("COSA_CACHE_URL", url, var_dir=Path("/var-dir"))["default"]
    assert default["BACKEND"] == f"django.core.cache.backends.{backend}"
    assert default["LOCATION"] == location
    assert default["KEY_PREFIX"] == "cosa"


@pytest.mark.parametrize("url", ["dummy://", "memcached://host", "cache"])
def test_a_cache_url_that_would_not_count_is_refused(url):
    from pathlib import Path

    with pytest.raises(ImproperlyConfigured, match="COSA_CACHE_URL"):
        parse_cache_url("COSA_CACHE_URL", url, var_dir=Path("/var-dir"))


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (run by .ci/run)")
def test_two_redis_clients_share_the_limit():
    location = os.environ["REDIS_URL"]
    first = RedisCache(location, {"KEY_PREFIX": "cosa-rate-limit-test"})
    second = RedisCache(location, {"KEY_PREFIX": "cosa-rate-limit-test"})
    key = f"token:redis-{os.getpid()}"
    try:
        assert feed.over_limit(key, 1, store=first, now=MOMENT) is False
        assert feed.over_limit(key, 1, store=second, now=MOMENT) is True
    finally:
        first.clear()


@pytest.mark.django_db
def test_the_feed_answers_again_after_the_window(client, world, settings, freeze_time):
    settings.COSA_CALENDAR_FEED_PER_MINUTE = 1
    cache.clear()
    user = world.users["owner"]
    raw = services.feed_token_create(user=user, acting_user=user)
    url = reverse("calendars:feed", kwargs={"token": raw})
    freeze_time(datetime.datetime(2026, 10, 5, 9, 0, 5))
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 429
    freeze_time(datetime.datetime(2026, 10, 5, 9, 1, 5))
    assert client.get(url).status_code == 200
    cache.clear()
