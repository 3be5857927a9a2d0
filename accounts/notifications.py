"""Tell a user that something needs them: one call for every alert in the system.

The contract other apps rely on: ``notify(recipient=, subject=, link=, ...)``. The
subject and body must hold nothing the recipient's role may not see, and never case
details: the e-mail carries only a link to the page, which checks access on its own.
Nor a volunteer's (or anyone else's) name: the row outlives that person's erasure,
which cannot find a name in free text, while the page the link opens shows the name
as it stands. An alert that must say whose account it is (the lockout alert below)
links to that person's own page, and erasure finds and rewords it by that link.

Each call leaves a ``Notification`` row for the recipient's bell, written in the
caller's transaction (a rolled-back request alerts nobody). The e-mail goes through
a Celery task enqueued after commit; the row remembers whether it was sent, so a
task delivered twice sends once and an enqueue lost with the broker is picked up by
the reminder sweep (DESIGN §5).
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Notification, User
from cosa.services import service

logger = logging.getLogger(__name__)


def email_text(body, link):
    """The text of every alert e-mail: a detail-free sentence and a link."""
    url = f"{settings.SITE_URL}{link}"
    return f"{body}\n\nOpen it here (you will be asked to log in): {url}\n".lstrip()


def notification_create(
    *, recipient: User, subject: str, link: str, body: str = "", email_wanted: bool = False
) -> Notification:
    notification = Notification(
        recipient=recipient,
        subject=subject[:200],
        body=body[:500],
        link=link,
        email_wanted=email_wanted,
    )
    if email_wanted:
        # notify() enqueues the e-mail itself; the sweep steps in only if that is lost.
        notification.email_claimed_at = notification.created_at
    notification.full_clean()
    notification.save()
    return notification


def notify(*, recipient, subject, link, body="", email=True):
    """Alert ``recipient``: a bell entry now, an e-mail after the transaction commits.

    ``link`` is a path on this site (``/circles/3/concerns/9/``); ``body`` is a short,
    detail-free sentence. Returns the Notification, or None for an inactive user.
    """
    if not recipient.is_active:
        return None
    notification = notification_create(
        recipient=recipient,
        subject=subject,
        link=link,
        body=body,
        email_wanted=bool(email and recipient.email),
    )
    if notification.email_wanted:
        transaction.on_commit(lambda: _enqueue_email(notification.pk))
    return notification


def _enqueue_email(notification_id):
    from accounts.tasks import send_notification_email

    try:
        send_notification_email.delay(notification_id)
    except Exception:
        # The broker is down: the row is committed, and the sweep re-enqueues it.
        logger.warning("Could not enqueue e-mail for notification %s", notification_id)


def message_id(kind: str, pk: int) -> str:
    """A Message-ID made from the row (``<notification-7.cosa@domain>``): an e-mail sent
    again after a crash carries the same one, so mail systems can drop the copy."""
    return f"<{kind}-{pk}.cosa@{settings.COSA_MESSAGE_ID_DOMAIN}>"


def notification_email_send(*, notification_id: int) -> bool:
    """Send a notification's e-mail unless it has been sent: True when this call sent it.

    The worker first renews its claim (committed, so the sweep leaves the row alone),
    then the row stays locked while the e-mail goes out, so a duplicate task waits,
    then finds ``emailed_at`` set and sends nothing.
    """
    Notification.objects.email_pending().filter(pk=notification_id).update(
        email_claimed_at=timezone.now()
    )
    return _notification_email_send_locked(notification_id=notification_id)


@transaction.atomic
def _notification_email_send_locked(*, notification_id: int) -> bool:
    notification = (
        Notification.objects.select_for_update()
        .select_related("recipient")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or not notification.email_wanted or notification.emailed_at:
        return False
    recipient = notification.recipient
    if not recipient.is_active:
        notification.email_wanted = False
        notification.save(update_fields=["email_wanted"])
        return False
    EmailMessage(
        notification.subject,
        email_text(notification.body, notification.link),
        settings.DEFAULT_FROM_EMAIL,
        [recipient.email],
        headers={"Message-ID": message_id("notification", notification.pk)},
    ).send()
    notification.emailed_at = timezone.now()
    notification.email_attempts += 1
    notification.save(update_fields=["emailed_at", "email_attempts"])
    return True


def notification_email_failed(
    *, notification_id: int, error: BaseException | str, failures: int = 1
) -> None:
    """Count failed attempts; ``failures`` > 1 records, once the database is back, the
    attempts that failed while it was down."""
    Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        email_attempts=F("email_attempts") + failures,
        email_error=(error if isinstance(error, str) else repr(error))[:500],
    )


@transaction.atomic
def notification_emails_claim(*, now=None, limit=None) -> list[int]:
    """Claim e-mails whose enqueue was lost or whose worker died (the sweep calls this)."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.COSA_REMINDER_CLAIM_TIMEOUT_SECONDS)
    ids = list(
        Notification.objects.email_pending()
        .filter(Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=stale))
        .filter(email_attempts__lt=settings.COSA_REMINDER_MAX_ATTEMPTS)
        .order_by("created_at")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[: limit or settings.COSA_SWEEP_BATCH]
    )
    if ids:
        Notification.objects.filter(pk__in=ids).update(email_claimed_at=now)
        transaction.on_commit(lambda: [_enqueue_email(pk) for pk in ids])
    return ids


# The bell ------------------------------------------------------------------------------


def unread_count(user) -> int:
    """The bell's number. The session's user arrives with it (``accounts.backends``);
    the services below that mark the acting user's notifications read drop that loaded
    figure, so a page rendered after them counts afresh."""
    if not getattr(user, "is_authenticated", False):
        return 0
    loaded = getattr(user, LOADED_UNREAD, None)
    if loaded is not None:
        return loaded
    return Notification.objects.for_user(user).unread().count()


LOADED_UNREAD = "unread_notifications_loaded"


def _forget_loaded_unread(user) -> None:
    user.__dict__.pop(LOADED_UNREAD, None)


@service
@transaction.atomic
def notification_mark_read(*, notification: Notification, acting_user: User) -> Notification:
    if notification.recipient_id != acting_user.pk:
        raise PermissionError("Only the recipient can mark a notification read.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        _forget_loaded_unread(acting_user)
    return notification


@service
@transaction.atomic
def notifications_mark_all_read(*, acting_user: User) -> int:
    _forget_loaded_unread(acting_user)
    return Notification.objects.for_user(acting_user).unread().update(read_at=timezone.now())


@service
@transaction.atomic
def notifications_about_read(*, link: str, acting_user: User) -> int:
    """Everyone's unread notifications linking to ``link`` are read (a concern once it
    has been triaged: its alerts have done their work)."""
    _forget_loaded_unread(acting_user)
    return Notification.objects.unread().filter(link=link).update(read_at=timezone.now())


# Security alerts ------------------------------------------------------------------------


def account_locked_notify(*, locked_user: User, addresses: int, link: str) -> list[Notification]:
    """Tell every active manager that an account's logins are locked from everywhere.

    Says whose account and from how many client addresses, never a password tried
    and never the addresses themselves (the access log has them for whoever may look).
    """
    minutes = settings.COSA_LOCKOUT_MINUTES
    body = (
        f"Logins to the account {locked_user.email} are paused from every address after "
        f"{settings.COSA_LOGIN_ACCOUNT_FAILURE_LIMIT} failed attempts from {addresses} "
        f"client address(es) in {minutes} minutes; they resume as those failures become "
        f"{minutes} minutes old. The access log lists the attempts."
    )
    managers = User.objects.filter(role=User.Role.MANAGER, is_active=True)
    sent = []
    for manager in managers:
        notification = notify(
            recipient=manager, subject="An account's logins are locked", link=link, body=body
        )
        if notification is not None:
            sent.append(notification)
    return sent
