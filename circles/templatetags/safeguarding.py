"""The escalation clock: how long an urgent concern has waited."""

from django import template
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
    """The number volunteers call out of hours: the on-call shift's, else the service's."""
    from circles.cover import out_of_hours_phone as phone

    return phone()
