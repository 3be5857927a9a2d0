"""What a user has in flight on a form: drafts of what they type, and one-time submit tokens.

A draft is criminal-offence data like the record it is written for: it is read only
through the page that edits that record (which checks access first), only by its
author, and it carries the Core Member and circle it is about so that erasure, the
subject-access export and the loss of access find it. Those two are plain numbers,
not foreign keys: this app sits below the domain apps (README "Layout"), which
delete and list their drafts through ``formpages.drafts``.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class DraftQuerySet(models.QuerySet):
    def expired(self, now=None):
        return self.filter(expires_at__lte=now or timezone.now())

    def live(self, now=None):
        return self.filter(expires_at__gt=now or timezone.now())

    def about_core_member(self, core_member_id):
        return self.filter(core_member_ref=core_member_id)


class Draft(models.Model):
    """One author's unsent text for one form page (its path), kept on the server."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts"
    )
    path = models.CharField(max_length=300)
    data = models.JSONField(default=dict)
    core_member_ref = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    circle_ref = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(db_index=True)

    objects = DraftQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["author", "path"], name="draft_one_per_author_page"),
        ]

    def __str__(self):
        return f"Draft of {self.path} by user {self.author_id}"


class SubmitToken(models.Model):
    """A create form's one-time token, spent in the same transaction as the write.

    The primary key is the token: a second post of the same form (a double click,
    a resent request, a second tab) cannot insert it again, so it writes nothing and
    is answered with the first post's result.
    """

    token = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=300)
    result_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"{self.token} ({self.path})"
