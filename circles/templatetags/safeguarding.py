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


@register.inclusion_tag("circles/_core_member_numbers.html")
def core_member_numbers(core_member):
    """Other numbers to call about a Core Member (a duty desk), and out of hours, on the
    Core Member page; only staff who hold the full record see that page."""
    from circles.models import SafeguardingContact

    return {
        "stored_contacts": list(SafeguardingContact.objects.for_core_member(core_member.pk)),
        "out_of_hours_phone": settings.COSA_OUT_OF_HOURS_PHONE,
    }
