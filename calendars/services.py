import secrets

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from calendars.models import FeedToken, token_digest
from cosa.services import service


@service
@transaction.atomic
def feed_token_create(*, user: User, acting_user: User, include_venue: bool = False) -> str:
    """A new feed token for ``user``, replacing any old one; returns the raw token,
    which is shown once and never stored."""
    if acting_user.pk != user.pk or not user.is_active:
        raise PermissionError("A feed is made by its own, active user.")
    raw = secrets.token_urlsafe(32)
    FeedToken.objects.filter(user=user).delete()
    token = FeedToken(user=user, token_hash=token_digest(raw), include_venue=include_venue)
    token.full_clean()
    token.save()
    return raw


@service
@transaction.atomic
def feed_token_revoke(*, user: User, acting_user: User) -> int:
    """Switch the feed off (deactivation and role changes delete it without a service)."""
    if acting_user.pk != user.pk:
        raise PermissionError("Only the feed's own user switches it off.")
    deleted, _ = FeedToken.objects.filter(user=user).delete()
    return deleted


@service
@transaction.atomic
def feed_venue_set(*, user: User, acting_user: User, include_venue: bool) -> int:
    if acting_user.pk != user.pk:
        raise PermissionError("Only the feed's own user changes it.")
    return FeedToken.objects.filter(user=user).update(include_venue=include_venue)


def feed_token_touch(*, token: FeedToken) -> None:
    """When the feed was last read (one UPDATE, no history)."""
    FeedToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
