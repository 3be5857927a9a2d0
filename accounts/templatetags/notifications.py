"""``{% unread_notification_count as unread %}``: the bell's one query per page."""

from django import template

from accounts.notifications import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return unread_count(user)
