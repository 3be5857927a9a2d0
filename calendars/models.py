import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone


def token_digest(raw: str) -> str:
    """The sha256 of a feed token: only this is stored, never the token itself."""
    return hashlib.sha256(raw.encode()).hexdigest()


class FeedTokenQuerySet(models.QuerySet):
    def for_raw(self, raw: str):
        return self.filter(token_hash=token_digest(raw), user__is_active=True)


class FeedToken(models.Model):
    """A user's private calendar feed: the one request authenticated by a secret URL."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    include_venue = models.BooleanField(
        default=False, help_text="Show each meeting's venue in the feed (off by default)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = FeedTokenQuerySet.as_manager()

    def __str__(self):
        return f"Calendar feed of user {self.user_id}"
