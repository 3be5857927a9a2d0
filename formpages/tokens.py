"""One-time submit tokens: a create form posted twice writes once.

The form page puts a fresh token in every form it renders. A valid post spends it
by inserting its row *first* inside the transaction that makes the write: a second
post of the same token (double click, resend, second tab) cannot insert it — on
PostgreSQL it waits for the first to commit, then fails the primary key — and is
answered with the first post's result. A failed write rolls the token back with it,
so the corrected form can be sent again.
"""

import datetime
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from formpages.models import SubmitToken

FIELD = "_once"
KEEP_DAYS = 2


def new() -> str:
    return uuid.uuid4().hex


def posted(request):
    """The token in this post as a UUID, or None (absent or not a token)."""
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:
        return None


class AlreadySent(Exception):
    """The token was spent by an earlier post; ``result_url`` is where it led."""

    def __init__(self, result_url):
        super().__init__(result_url)
        self.result_url = result_url


def spend(request, token) -> SubmitToken | None:
    """Spend the token inside the caller's transaction; AlreadySent if it was spent."""
    if token is None:
        return None
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("spend() belongs inside the write's transaction")
    try:
        with transaction.atomic():
            return SubmitToken.objects.create(token=token, user=request.user, path=request.path)
    except IntegrityError:
        first = SubmitToken.objects.filter(token=token, user=request.user).first()
        if first is None:
            # Someone else spent this value (a copied or forged token): it says nothing
            # about this user's post, which goes ahead, unguarded, rather than vanish.
            return None
        raise AlreadySent(first.result_url) from None


def record_result(spent, url):
    if spent is not None:
        spent.result_url = url[:500]
        spent.save(update_fields=["result_url"])


def purge_old(now=None) -> int:
    cutoff = (now or timezone.now()) - datetime.timedelta(days=KEEP_DAYS)
    return SubmitToken.objects.filter(created_at__lt=cutoff).delete()[0]
