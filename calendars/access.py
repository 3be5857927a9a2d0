"""Whose meetings a calendar shows: exactly the circles ``circles_visible_to`` gives."""

from django.http import Http404

from calendars.models import FeedToken
from circles.access import VIEW, circle_for_user, circles_visible_to
from circles.models import Meeting


def meetings_visible_to(user):
    """Meetings of the circles the user may see now (a left circle drops out at once)."""
    return Meeting.objects.filter(circle__in=circles_visible_to(user))


def calendar_circle_for_user(user, pk):
    return circle_for_user(user, pk, VIEW)


def feed_token_for_raw(raw: str) -> FeedToken:
    """The feed token: 404 for a wrong, revoked or deactivated user's token alike."""
    token = FeedToken.objects.for_raw(raw).select_related("user").first()
    if token is None:
        raise Http404("No such feed.")
    return token
