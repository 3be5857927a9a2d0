"""Login lockout and password-reset throttling, counted in the database.

Failed logins lock in three layers over the last ``COSA_LOCKOUT_MINUTES``:

- an (e-mail address, client address) pair after ``COSA_LOGIN_FAILURE_LIMIT``
  failures: one address cannot guess freely at one account;
- the e-mail address from everywhere after ``COSA_LOGIN_ACCOUNT_FAILURE_LIMIT``,
  with the managers alerted once per lock. The pair limit is lower, so locking an
  account out everywhere takes several client addresses, never one;
- the client address after ``COSA_LOGIN_ADDRESS_FAILURE_LIMIT`` failures whatever
  accounts it tries (password spraying).

A lock lasts until enough failures have aged out of the window. Refused attempts
are not counted (hammering a lock neither stretches it nor spills into another
layer), and a successful login clears only its own account's failures from its
own client address: an account holder's success wipes nobody else's count.
"""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from accounts.audit import client_ip
from accounts.models import AccessLog, ThrottleEvent, User, email_key

# Rows older than this are deleted as new ones are written: longer than any window.
KEEP_FOR = datetime.timedelta(days=1)
REFUSED_ATTRIBUTE = "cosa_login_refused"


def account_key(value) -> str:
    """One key per account, the form accounts are found by (``email_key``): case,
    spaces and Unicode variants of an address do not make a new one."""
    return email_key(value)[:254]


def _window_start(now=None):
    return (now or timezone.now()) - datetime.timedelta(minutes=settings.COSA_LOCKOUT_MINUTES)


def login_locked(*, account: str, ip_address: str | None, now=None) -> bool:
    """Whether a login for ``account`` from ``ip_address`` is refused right now."""
    failures = ThrottleEvent.objects.login_failures().since(_window_start(now))
    if ip_address:
        from_here = failures.filter(ip_address=ip_address)
        if from_here.count() >= settings.COSA_LOGIN_ADDRESS_FAILURE_LIMIT:
            return True
        if from_here.filter(account=account).count() >= settings.COSA_LOGIN_FAILURE_LIMIT:
            return True
    return failures.filter(account=account).count() >= settings.COSA_LOGIN_ACCOUNT_FAILURE_LIMIT


@transaction.atomic
def login_failure_record(*, account: str, ip_address: str | None) -> ThrottleEvent:
    now = timezone.now()
    failure = ThrottleEvent.objects.create(
        kind=ThrottleEvent.Kind.LOGIN_FAILED, account=account, ip_address=ip_address
    )
    ThrottleEvent.objects.filter(created_at__lt=now - KEEP_FOR).delete()
    in_window = ThrottleEvent.objects.login_failures().since(_window_start(now))
    if in_window.filter(account=account).count() >= settings.COSA_LOGIN_ACCOUNT_FAILURE_LIMIT:
        _alert_managers_once(failure, in_window)
    return failure


def _alert_managers_once(failure, in_window):
    """Tell every manager that an account is locked out everywhere, once per lock.

    Only for an account that exists (a made-up address locks, quietly). The account's
    row is locked first, so two workers recording failures at once alert once.
    """
    user = User.objects.select_for_update().filter(email=failure.account).first()
    if user is None:
        return
    if in_window.filter(account=failure.account, managers_alerted=True).exists():
        return
    failure.managers_alerted = True
    failure.save(update_fields=["managers_alerted"])
    from accounts.notifications import account_locked_notify

    account_locked_notify(
        locked_user=user,
        addresses=in_window.filter(account=failure.account).values("ip_address").distinct().count(),
        link=reverse("admin:accounts_user_change", args=[user.pk]),
    )


def login_failures_clear(*, account: str, ip_address: str | None) -> int:
    """A success clears the failures of its own account from its own client address."""
    deleted, _ = (
        ThrottleEvent.objects.login_failures()
        .filter(account=account, ip_address=ip_address)
        .delete()
    )
    return deleted


class LoginLockoutBackend:
    """First in AUTHENTICATION_BACKENDS: a locked login is refused before any password
    check, on every login form (the site's and the admin's alike).

    Only ``authenticate``: without ``get_user`` it never holds a session, and
    ``force_login`` passes over it to the model backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        account = account_key(username if username is not None else kwargs.get("email"))
        ip_address = client_ip(request)
        if login_locked(account=account, ip_address=ip_address):
            setattr(request, REFUSED_ATTRIBUTE, True)
            AccessLog.objects.create(
                action=AccessLog.Action.LOGIN_FAILED,
                detail=f"locked out: {account}"[:300],
                path=request.get_full_path()[:500],
                ip_address=ip_address,
            )
            # Django stops at PermissionDenied and tries no further backend.
            raise PermissionDenied
        return None


def login_refused(request) -> bool:
    """True when this request's login was refused by the lockout, or its failure locked it."""
    return getattr(request, REFUSED_ATTRIBUTE, False)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    if request is None or login_refused(request):
        return
    account = account_key(credentials.get("username") or credentials.get("email"))
    ip_address = client_ip(request)
    login_failure_record(account=account, ip_address=ip_address)
    # The failure that reaches a limit already gets the lockout page.
    if login_locked(account=account, ip_address=ip_address):
        setattr(request, REFUSED_ATTRIBUTE, True)


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    if request is not None:
        login_failures_clear(account=account_key(user.email), ip_address=client_ip(request))


# Password-reset requests ---------------------------------------------------------------


def password_reset_request(*, email: str, ip_address: str | None) -> ThrottleEvent | None:
    """Count a reset request; return it when its mail may go out, None when throttled.

    Looks up no account: the request path does the same work whether or not the
    address has one, and the task decides who (if anyone) gets a link.
    """
    now = timezone.now()
    window = now - datetime.timedelta(minutes=settings.COSA_PASSWORD_RESET_WINDOW_MINUTES)
    account = account_key(email)
    recent = ThrottleEvent.objects.password_resets().since(window)
    if recent.filter(account=account).count() >= settings.COSA_PASSWORD_RESET_PER_ADDRESS:
        return None
    if ip_address and (
        recent.filter(ip_address=ip_address).count() >= settings.COSA_PASSWORD_RESET_PER_IP
    ):
        return None
    ThrottleEvent.objects.filter(created_at__lt=now - KEEP_FOR).delete()
    return ThrottleEvent.objects.create(
        kind=ThrottleEvent.Kind.PASSWORD_RESET, account=account, ip_address=ip_address
    )


def password_reset_claim(*, request_id: int) -> ThrottleEvent | None:
    """Claim a reset request for sending: only one task run ever gets it."""
    claimed = (
        ThrottleEvent.objects.password_resets()
        .filter(pk=request_id, processed_at__isnull=True)
        .update(processed_at=timezone.now())
    )
    if not claimed:
        return None
    return ThrottleEvent.objects.get(pk=request_id)


def password_reset_release(*, request_id: int) -> None:
    """Give a claimed request back after a failed send, so the retry can send it."""
    ThrottleEvent.objects.filter(pk=request_id).update(processed_at=None)


def password_reset_mail_send(*, reset: ThrottleEvent) -> int:
    """E-mail a set-password link to every active account with the request's address.

    Runs in the worker, never in the request. Returns how many links went out (0 for
    an address without an account, which nobody outside can tell).
    """
    from accounts.views import PasswordResetView, PasswordSetOrResetForm

    form = PasswordSetOrResetForm({"email": reset.account})
    if not form.is_valid():
        return 0
    site = urlsplit(settings.SITE_URL)
    recipients = list(form.get_users(reset.account))
    form.save(
        domain_override=site.netloc,
        use_https=site.scheme == "https",
        subject_template_name=PasswordResetView.subject_template_name,
        email_template_name=PasswordResetView.email_template_name,
        extra_email_context={"valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
    )
    return len(recipients)
