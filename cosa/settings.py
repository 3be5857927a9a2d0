"""CoSA case management settings: one module, every value from the environment.

See the README's settings table. Bad values stop start-up with a message that
names the variable (``cosa.env``).
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from cosa.env import env_bool, env_int, env_list, env_str, parse_cache_url, parse_email_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("COSA_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", required=not DEBUG)
if SECRET_KEY is None:
    # Only reachable with DJANGO_DEBUG=true: a key for local development.
    SECRET_KEY = "insecure-development-key-never-used-in-production"  # noqa: S105
elif not DEBUG and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 32 characters.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "cosa.apps.CosaAdminConfig",  # django.contrib.admin, with the guarded site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # pg_trgm lookups for the search box (they do nothing on SQLite)
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "guardian",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "formpages",
    "volunteers",
    "coreMembers",
    "circles",
    "sharing",
    "outcomes",
    "calendars",
    "documents",
    "loneworking",
    "volunteering",
    "privacy",
    "reports",
    "search",
    "chronology",
]
# Development tools (demo data, national-scale generator, benchmark, /floor/): only
# where asked for (the Makefile's run, test, bench, scale and e2e), never by default.
COSA_DEVTOOLS = env_bool("COSA_DEVTOOLS", False)
if COSA_DEVTOOLS:
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cosa.middleware.SecurityHeadersMiddleware",
    # Before anything reads the body (CsrfViewMiddleware reads request.POST): a body
    # over the limit is refused (413) unread, and still gets the security headers above.
    "cosa.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so it is the first to see what a view raises: a database that is down gets a
    # 503 "try again in a moment" page (which keeps a POST's text), not the 500 page.
    "cosa.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "cosa.urls"
WSGI_APPLICATION = "cosa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cosa.context_processors.session_limits",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cosa.sqlite3'}"),
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
# PostgreSQL: the application connects (DATABASE_URL) as a role that does not own the
# tables; migrations run as the owner. Set DATABASE_APP_ROLE, where migrate runs as the
# owner, to the application's role: migrate then grants it its privileges
# (accounts.db_roles; `manage.py grant_app_role ROLE` does the same by hand). README
# "Database roles".
DATABASE_APP_ROLE = env_str("DATABASE_APP_ROLE")
# One transaction per request: a failing view writes nothing.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run` serves pages while the worker writes reminders. IMMEDIATE makes a
    # request take the write lock when its transaction starts, so it waits (timeout)
    # instead of failing with "database is locked" when a read turns into a write;
    # WAL lets pages read while the worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: PostgreSQL compiles a query once its estimated cost passes jit_above_cost,
    # and for a page's short queries the compiling is the cost (measured: the matching
    # pool's ranking over 50,000 volunteers ran 0.4 s and compiled for 0.9 s).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = (options.get("options", "") + " -c jit=off").strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so that a locked login is refused before its password is checked.
    "accounts.throttle.LoginLockoutBackend",
    # Django's model backend; the session's user comes with their unread count.
    "accounts.backends.AccountBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Guardian's anonymous user row is not needed: anonymous visitors see nothing.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

PASSWORD_HASHERS = [
    # Argon2id at OWASP's minimum (19 MiB, two passes, one lane): a burst of 50 logins
    # takes seconds on two cores, not half a minute (accounts/hashers.py). Hashes made
    # with Django's heavier defaults still verify and are re-hashed at the next login.
    "accounts.hashers.CosaArgon2PasswordHasher",
    # Older hashes still verify, and are upgraded to Argon2 at the next login.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_URL_PATH = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Sessions and cookies: short-lived, never readable by scripts. A session ends
# after 15 idle minutes (the page warns two minutes before) and 12 hours at most
# (accounts.middleware.SessionLimitsMiddleware).
SESSION_IDLE_SECONDS = env_int("DJANGO_SESSION_IDLE_SECONDS", 15 * 60, minimum=60)
SESSION_MAX_SECONDS = env_int("DJANGO_SESSION_MAX_SECONDS", 12 * 60 * 60, minimum=60)
SESSION_WARNING_SECONDS = min(120, SESSION_IDLE_SECONDS // 2)
# A page view restarts the idle clock when the last restart is at least this old: the
# session is written once a minute at most, not on every request (the page's own timer
# counts from the server's clock; typing's keep-alive always restarts it).
SESSION_TOUCH_SECONDS = max(1, min(60, SESSION_IDLE_SECONDS // 10))
# Drafts (formpages/drafts.py): what a user types on a long form is saved on the
# server every few seconds, kept for COSA_DRAFT_DAYS after its last save.
COSA_DRAFT_DAYS = env_int("COSA_DRAFT_DAYS", 30, minimum=1)
# Volunteers' mileage is paid at this rate (pence per mile; HMRC's approved rate is 45p).
COSA_MILEAGE_PENCE_PER_MILE = env_int("COSA_MILEAGE_PENCE_PER_MILE", 45, minimum=1)
# Each volunteer is supervised at least this often (weeks since the last session).
COSA_SUPERVISION_INTERVAL_WEEKS = env_int("COSA_SUPERVISION_INTERVAL_WEEKS", 8, minimum=1)
# The sweep reminds coordinators of supervision due (volunteering/reminders.py).
COSA_SUPERVISION_REMINDERS = env_bool("COSA_SUPERVISION_REMINDERS", True)
COSA_DRAFT_AUTOSAVE_SECONDS = env_int("COSA_DRAFT_AUTOSAVE_SECONDS", 5, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Flash messages live in the session (server-side), never in a cookie of their own:
# a message can name a person or a record.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SECURE_COOKIES = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Never a path (it can hold a record id), not even within the site.
# No referrer at all to other sites: not even the origin of a case-management page.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Production defaults are the safe ones; `make run` (debug) turns them off.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# Preloading commits the whole domain (every subdomain) to HTTPS in browsers for
# good: the operator opts in with DJANGO_HSTS_PRELOAD=true; Django's reminder is
# silenced for that reason only.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Served on every response by cosa.middleware.SecurityHeadersMiddleware. No
# inline script or style anywhere: JavaScript lives in static/js/.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)

# Two-factor login (django-otp: TOTP and single-use backup codes). Required for
# every role; COSA_2FA_VOLUNTEERS=false lets volunteers log in with a password only.
COSA_2FA_VOLUNTEERS = env_bool("COSA_2FA_VOLUNTEERS", True)
OTP_TOTP_ISSUER = env_str("COSA_OTP_ISSUER", "CoSA case management")

# Lockout (accounts/throttle.py), in three layers over the last COSA_LOCKOUT_MINUTES,
# counted in the database so every worker process sees the same numbers:
# - one e-mail address from one client address: 5 failures lock that pair;
# - one e-mail address from anywhere: 20 failures lock it everywhere and alert the
#   managers (more than one address can make, so no single address can lock a
#   coordinator out);
# - one client address, whatever it tries: 20 failures lock it (password spraying).
# Whether or not the account exists, so a lockout reveals nothing. A successful login
# clears only its own account's failures from its own address.
COSA_LOGIN_FAILURE_LIMIT = env_int("COSA_LOGIN_FAILURE_LIMIT", 5, minimum=1)
COSA_LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("COSA_LOGIN_ACCOUNT_FAILURE_LIMIT", 20, minimum=2)
COSA_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("COSA_LOGIN_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
COSA_LOCKOUT_MINUTES = env_int("COSA_LOCKOUT_MINUTES", 15, minimum=1)
if COSA_LOGIN_FAILURE_LIMIT >= COSA_LOGIN_ACCOUNT_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        "COSA_LOGIN_FAILURE_LIMIT must be below COSA_LOGIN_ACCOUNT_FAILURE_LIMIT, "
        "or one client address could lock an account out everywhere."
    )
# The client address: REMOTE_ADDR, or behind N reverse proxies that each append to
# X-Forwarded-For, the N-th entry from the right (the one the outermost trusted proxy
# saw). Entries further left are written by the client and never trusted.
COSA_TRUSTED_PROXY_COUNT = env_int("COSA_TRUSTED_PROXY_COUNT", 0, minimum=0)

# Password-reset mail: per e-mail address and per client address within the window;
# more requests get the same page and no mail. Links expire after a day for every
# role (a volunteer's account opens minutes too; a new link is one click away).
COSA_PASSWORD_RESET_PER_ADDRESS = env_int("COSA_PASSWORD_RESET_PER_ADDRESS", 3, minimum=1)
COSA_PASSWORD_RESET_PER_IP = env_int("COSA_PASSWORD_RESET_PER_IP", 10, minimum=1)
COSA_PASSWORD_RESET_WINDOW_MINUTES = env_int("COSA_PASSWORD_RESET_WINDOW_MINUTES", 60, minimum=1)
PASSWORD_RESET_TIMEOUT = 24 * 60 * 60
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_TLS_PROXY", False) else None
)

# E-mail: DJANGO_EMAIL_URL such as smtp://user:pass@mail.example.org:587?tls=true
# In debug (make run) each e-mail is written to a file under var/mail/, not to the
# server log.
_email = parse_email_url(
    "DJANGO_EMAIL_URL",
    env_str("DJANGO_EMAIL_URL", "file://" if DEBUG else "smtp://localhost:25"),
)
globals().update(_email)
if "EMAIL_FILE_PATH" in _email and not _email["EMAIL_FILE_PATH"]:
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
# A mail server that stops answering must not hold a worker until the task's time limit.
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "CoSA case management <cosa@localhost>")
# Calendar feed reads per token per minute (a client address gets four times this).
COSA_CALENDAR_FEED_PER_MINUTE = env_int("COSA_CALENDAR_FEED_PER_MINUTE", 10, minimum=1)
SITE_URL = env_str("COSA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Reminder and notification e-mails carry a Message-ID made from their row
# (<reminder-12.cosa@this-domain>): a copy sent again after a crash has the same one,
# so mail systems can drop it.
COSA_MESSAGE_ID_DOMAIN = env_str(
    "COSA_MESSAGE_ID_DOMAIN", SITE_URL.split("//")[-1].split("/")[0].split(":")[0] or "localhost"
)

# Celery. Production: REDIS_URL. Without it, the filesystem broker under var/
# lets `make run` start a worker and beat with no server at all.
REDIS_URL = env_str("REDIS_URL")
# The filesystem broker ignores the host, but kombu warns on every connection without
# one ("No hostname was supplied"), so the default names it.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
    }
else:
    # Redis: redeliver an unacknowledged task after an hour, not the default.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# Django's cache counts the calendar feed's rate limit, so it must be one store for
# every process (gunicorn workers, several hosts): Redis in production, by default the
# Redis the broker uses; without Redis a folder under var/ that `make run`'s processes
# share.
_broker_redis = (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else None
)
COSA_CACHE_URL = env_str("COSA_CACHE_URL", REDIS_URL or _broker_redis or "file://cache")
CACHES = parse_cache_url("COSA_CACHE_URL", COSA_CACHE_URL, var_dir=VAR_DIR)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}

# The 503 page served while the database is unavailable asks to retry after this.
COSA_RETRY_AFTER_SECONDS = env_int("COSA_RETRY_AFTER_SECONDS", 10, minimum=1)

# Product settings.
COSA_MINUTES_DUE_HOURS = 48
# The UK nation whose bank holidays close venues (the ``holidays`` package's subdivision):
# ENG England, WLS Wales, SCT Scotland, NIR Northern Ireland. One setting for the
# organisation: a CoSA provider works inside one criminal-justice jurisdiction.
COSA_BANK_HOLIDAY_REGION = env_str("COSA_BANK_HOLIDAY_REGION", "ENG").upper()
if COSA_BANK_HOLIDAY_REGION not in ("ENG", "WLS", "SCT", "NIR"):
    raise ImproperlyConfigured(
        f"COSA_BANK_HOLIDAY_REGION={COSA_BANK_HOLIDAY_REGION!r}: use ENG, WLS, SCT or NIR."
    )
# A liaison who made a referral sees it (never the decision note) until this many days
# after the decision, unless they are assigned to the Core Member.
COSA_REFERRER_SEES_DAYS = env_int("COSA_REFERRER_SEES_DAYS", 90, minimum=0)

# --- Reminders and notifications (DESIGN §5) --------------------------------
# The sweep runs every few minutes from the one beat entry in cosa/celery.py; these
# say when each kind of reminder comes due. Times are stored in UTC; a date-only
# reminder (reviews, DBS) comes due at COSA_REMINDER_DAY_TIME local time.
COSA_REMINDER_MEETING_LEAD_HOURS = env_int("COSA_REMINDER_MEETING_LEAD_HOURS", 24, minimum=1)
# Minutes overdue: to the minute-taker (or primary volunteer) at COSA_MINUTES_DUE_HOURS
# after the meeting ends, then to the coordinator this many hours later.
COSA_REMINDER_MINUTES_ESCALATE_HOURS = 24
COSA_REMINDER_REVIEW_AHEAD_DAYS = 14
COSA_REMINDER_DAY_TIME = "09:00"
# A shared record not acknowledged by RecordRecipient.acknowledge_due_at (COSA_ACK_DUE_*):
# the liaison is reminded then, the coordinator after the same time again (at most this).
COSA_RECORD_ESCALATION_MAX_DAYS = 7
COSA_RED_CONCERN_TRIAGE_HOURS = env_int("COSA_RED_CONCERN_TRIAGE_HOURS", 4, minimum=1)
# Safeguarding escalation: an untriaged imminent-risk concern goes to whoever covers the
# circle after this many minutes (a RED one after COSA_RED_CONCERN_TRIAGE_HOURS), then to
# the managers this many minutes later. Imminent risk runs 24/7 through the on-call rota;
# RED only in working hours unless COSA_ESCALATE_RED_OUT_OF_HOURS.
COSA_IMMINENT_CONCERN_ESCALATE_MINUTES = env_int(
    "COSA_IMMINENT_CONCERN_ESCALATE_MINUTES", 60, minimum=1
)
COSA_CONCERN_MANAGER_ESCALATE_MINUTES = env_int(
    "COSA_CONCERN_MANAGER_ESCALATE_MINUTES", 60, minimum=1
)
COSA_ESCALATE_RED_OUT_OF_HOURS = env_bool("COSA_ESCALATE_RED_OUT_OF_HOURS", False)
# Working hours, London time: [start, end) on these ISO weekdays (1 = Monday).
COSA_WORKING_HOURS_START = env_int("COSA_WORKING_HOURS_START", 9, minimum=0)
COSA_WORKING_HOURS_END = env_int("COSA_WORKING_HOURS_END", 17, minimum=1)
COSA_WORKING_DAYS = [int(d) for d in env_list("COSA_WORKING_DAYS", ["1", "2", "3", "4", "5"])]
COSA_OUT_OF_HOURS_PHONE = env_str("COSA_OUT_OF_HOURS_PHONE", "0300 000 0000")
COSA_DBS_RECHECK_AHEAD_DAYS = 60
# Reminders older than this when the sweep first finds them are not created (a meeting
# reminder is never sent after the meeting has started, whatever this says).
COSA_REMINDER_LOOKBACK_DAYS = 7
# Leases (README "What the workers guarantee"). A claimed send waiting in the queue is
# enqueued again only after this: long enough for a backlog to drain, so that a busy
# queue is not doubled. (A queued task is lost only if Redis loses its data.)
COSA_REMINDER_CLAIM_TIMEOUT_SECONDS = env_int(
    "COSA_REMINDER_CLAIM_TIMEOUT_SECONDS", 30 * 60, minimum=1
)
# Once a worker starts a send it renews the lease for this long: longer than the task's
# hard time limit (cosa/celery.py, 90 s), so only a dead worker's send is taken again.
COSA_REMINDER_SEND_LEASE_SECONDS = env_int("COSA_REMINDER_SEND_LEASE_SECONDS", 120, minimum=1)
COSA_REMINDER_MAX_ATTEMPTS = 8
# The sweep claims (and enqueues) this many at a time, for at most this many seconds.
COSA_SWEEP_BATCH = 500
COSA_SWEEP_MAX_SECONDS = 30
# The operations page warns when the last sweep finished longer ago than this.
COSA_SWEEP_LATE_AFTER_SECONDS = 15 * 60
# Sweep history kept for the operations page.
COSA_SWEEP_HISTORY_DAYS = 14
# --- end of reminders settings --------------------------------------------------------

# --- Lone working (loneworking) ------------------------------------------------------
# Whoever covers the circle is alerted this long after a check-in's expected end, the
# managers this much later again; an expected end is at most this many hours ahead, and
# the check-out and help link works until this many hours after it.
COSA_LONE_WORKING_GRACE_MINUTES = env_int("COSA_LONE_WORKING_GRACE_MINUTES", 30, minimum=1)
COSA_LONE_WORKING_MANAGERS_AFTER_MINUTES = env_int(
    "COSA_LONE_WORKING_MANAGERS_AFTER_MINUTES", 30, minimum=1
)
COSA_LONE_WORKING_MAX_HOURS = env_int("COSA_LONE_WORKING_MAX_HOURS", 12, minimum=1)
COSA_LONE_WORKING_LINK_HOURS = env_int("COSA_LONE_WORKING_LINK_HOURS", 4, minimum=1)
# Guessing at link tokens (loneworking/access.py): unknown tokens are counted per client
# address and over all addresses in the shared cache; past either limit the link pages
# answer 429 until the window of this many minutes is over.
COSA_LONE_WORKING_LINK_GUESS_MINUTES = env_int(
    "COSA_LONE_WORKING_LINK_GUESS_MINUTES", 15, minimum=1
)
COSA_LONE_WORKING_LINK_GUESSES_PER_ADDRESS = env_int(
    "COSA_LONE_WORKING_LINK_GUESSES_PER_ADDRESS", 20, minimum=1
)
COSA_LONE_WORKING_LINK_GUESSES_TOTAL = env_int(
    "COSA_LONE_WORKING_LINK_GUESSES_TOTAL", 500, minimum=1
)
# Text messages (loneworking/sms.py): a dotted path, like EMAIL_BACKEND. The console
# backend only logs, the file backend (make run) writes var/sms/: a deployment names its
# provider's backend here (README, "Text messages").
COSA_SMS_BACKEND = env_str(
    "COSA_SMS_BACKEND",
    "loneworking.sms.FileBackend" if DEBUG else "loneworking.sms.ConsoleBackend",
)
COSA_SMS_FILE_PATH = env_str("COSA_SMS_FILE_PATH", str(VAR_DIR / "sms"))
# --- end of lone-working settings -------------------------------------------------------

# --- Shared records: acknowledgement due times ------------------------------
# Set on each recipient (RecordRecipient.acknowledge_due_at) when a record is shared;
# RecordRecipient.objects.overdue() is what dashboards and reminders read.
# PRIORITY counts working days (Monday to Friday; bank holidays are not known here).
COSA_ACK_DUE_URGENT_HOURS = env_int("COSA_ACK_DUE_URGENT_HOURS", 4, minimum=1)
COSA_ACK_DUE_PRIORITY_WORKING_DAYS = env_int("COSA_ACK_DUE_PRIORITY_WORKING_DAYS", 2, minimum=1)
COSA_ACK_DUE_ROUTINE_DAYS = env_int("COSA_ACK_DUE_ROUTINE_DAYS", 7, minimum=1)
# --- end of shared-record settings ----------------------------------------------------

# Retention (privacy/retention.py): a closed Core Member record (last circle
# ended, or referral declined or withdrawn) is erased this many years after it
# closed, unless a manager has put it on legal hold. A daily task does it.
COSA_RETAIN_CORE_MEMBER_YEARS = env_int("COSA_RETAIN_CORE_MEMBER_YEARS", 7, minimum=1)
# A volunteer who left is anonymised this many months after their leaving date by the
# same daily task (privacy/volunteers.py): six years by default, the time within which
# a claim about their volunteering can still be brought.
COSA_VOLUNTEER_RETENTION_MONTHS = env_int("COSA_VOLUNTEER_RETENTION_MONTHS", 72, minimum=1)

# Oversized requests are refused (400) before any view runs. Uploads are limited per
# file by the forms that take them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500
# Referral documents: at most this many in one form, each at most this size
# (coreMembers.forms).
COSA_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
COSA_DOCUMENT_MAX_FILES = 5
# The whole request body: the most documents one form takes, plus the other fields
# (DATA_UPLOAD_MAX_MEMORY_SIZE, which also covers the multipart framing).
# cosa.middleware.RequestSizeLimitMiddleware answers 413 to a larger Content-Length
# before the body is read, and stops reading a chunked body once it passes this. The
# proxy in front should refuse the same (nginx: client_max_body_size 51m; README).
COSA_REQUEST_MAX_BYTES = (
    COSA_DOCUMENT_MAX_FILES * COSA_DOCUMENT_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE
)
