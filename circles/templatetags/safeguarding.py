"""The escalation clock: how long an urgent concern has waited."""

from django import template
from django.conf import settings
from django.utils import timezone

register = template.Library()


@register.filter
def raised_ago(raised_at, now=None):
    """``raised 3 h 12 min ago`` (days too, once it is that old)."""
    if raised_at is None:
        return ""
    minutes = max(0, int(((now or timezone.now()) - raised_at).total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = ([f"{days} d"] if days else []) + ([f"{hours} h"] if hours or days else [])
    return "raised " + " ".join([*parts, f"{minutes} min"]) + " ago"


@register.simple_tag
def out_of_hours_phone():
    """The service's out-of-hours line (COSA_OUT_OF_HOURS_PHONE), which reaches whoever
    is on call: no query, so every page with the emergency panel costs the same."""
    return settings.COSA_OUT_OF_HOURS_PHONE
