"""Reading settings from the environment, failing loudly on bad values.

Each reader raises ``ImproperlyConfigured`` naming the variable, so a typo in a
deployment stops the process at start-up instead of running with a default.
"""

import os
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off"}


def env_str(name, default=None, *, required=False, environ=None):
    environ = os.environ if environ is None else environ
    value = environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"The environment variable {name} is required.")
        return default
    return value


def env_bool(name, default=False, *, environ=None):
    value = env_str(name, environ=environ)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in TRUE_VALUES:
        return True
    if lowered in FALSE_VALUES:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean; use one of true/false, 1/0, yes/no, on/off."
    )


def env_int(name, default, *, minimum=None, environ=None):
    value = env_str(name, environ=environ)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    return number


def env_list(name, default=(), *, environ=None):
    value = env_str(name, environ=environ)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} is set but lists nothing.")
    return items


EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "submission": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    # file:// (a folder under COSA_VAR_DIR) or file:///absolute/folder: one file per e-mail.
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}


def parse_email_url(name, url):
    """Turn ``smtp://user:password@host:587?tls=true`` into e-mail settings."""
    parsed = urlparse(url)
    if parsed.scheme not in EMAIL_BACKENDS:
        raise ImproperlyConfigured(
            f"{name} has scheme {parsed.scheme!r}; use one of {', '.join(sorted(EMAIL_BACKENDS))}."
        )
    query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    for flag in ("tls", "ssl"):
        if flag in query:
            env_bool(f"{name} ?{flag}", environ={f"{name} ?{flag}": query[flag]})
    try:
        port = parsed.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has an invalid port.") from None
    settings = {
        "EMAIL_BACKEND": EMAIL_BACKENDS[parsed.scheme],
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": port or (587 if parsed.scheme == "submission" else 25),
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_TLS": query.get("tls", "").lower() in TRUE_VALUES
        or parsed.scheme == "submission",
        "EMAIL_USE_SSL": query.get("ssl", "").lower() in TRUE_VALUES,
    }
    if parsed.scheme == "file":
        settings["EMAIL_FILE_PATH"] = unquote(parsed.path) or None
    return settings


CACHE_BACKENDS = {
    "redis": "django.core.cache.backends.redis.RedisCache",
    "rediss": "django.core.cache.backends.redis.RedisCache",
    # file://cache (a folder under COSA_VAR_DIR) or file:///absolute/folder.
    "file": "django.core.cache.backends.filebased.FileBasedCache",
    # One process only: each process counts alone (tests, a single runserver).
    "locmem": "django.core.cache.backends.locmem.LocMemCache",
}


def parse_cache_url(name, url, *, var_dir):
    """Turn ``redis://host:6379/2``, ``file://cache`` or ``locmem://`` into CACHES.

    No ``dummy://``: the cache counts the calendar feed's rate limit, and a cache that
    forgets everything would switch the limit off without a word.
    """
    parsed = urlparse(url)
    if parsed.scheme not in CACHE_BACKENDS:
        raise ImproperlyConfigured(
            f"{name} has scheme {parsed.scheme!r}; use one of {', '.join(sorted(CACHE_BACKENDS))}."
        )
    default = {"BACKEND": CACHE_BACKENDS[parsed.scheme], "KEY_PREFIX": "cosa"}
    if parsed.scheme in ("redis", "rediss"):
        default["LOCATION"] = url
    elif parsed.scheme == "file":
        # file://cache names a folder under var/ (file:// is var/cache/); file:///srv/cache
        # an absolute one.
        if parsed.netloc or not parsed.path:
            default["LOCATION"] = str(var_dir / unquote(parsed.netloc + parsed.path or "cache"))
        else:
            default["LOCATION"] = unquote(parsed.path)
    else:
        default["LOCATION"] = parsed.netloc or "cosa"
    return {"default": default}
