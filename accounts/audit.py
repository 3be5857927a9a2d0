"""Writing the access log: one call per read of sensitive data, export or refusal."""

import ipaddress

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist

from accounts.models import AccessLog


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind COSA_TRUSTED_PROXY_COUNT proxies the
    X-Forwarded-For entry the outermost of them wrote (entries to its left are the
    client's own words and never trusted)."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.COSA_TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        # Not through every trusted proxy: the address that reached us is all we know.
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return remote


def log_access(request, action, obj=None, *, core_member_id=None, detail=""):
    user = request.user if request.user.is_authenticated else None
    if core_member_id is None and obj is not None:
        core_member_id = _core_member_id(obj)
    return AccessLog.objects.create(
        user=user,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        core_member_id=core_member_id,
        detail=detail[:300],
        path=request.get_full_path()[:500],
        ip_address=client_ip(request),
    )


def _core_member_id(obj):
    if obj._meta.label_lower == "core_members.coremember":
        return obj.pk
    if hasattr(obj, "core_member_id"):
        return obj.core_member_id
    # Whichever of its circle or its meeting's circle is already loaded (minutes carry
    # both; the page loaded the meeting with its circle), else the circle.
    meeting = _loaded(obj, "meeting")
    circle = _loaded(obj, "circle") or (meeting.circle if meeting is not None else None)
    if circle is None:
        circle = getattr(obj, "circle", None)
    if circle is None and hasattr(obj, "meeting"):
        circle = obj.meeting.circle
    return circle.core_member_id if circle is not None else None


def _loaded(obj, name):
    """``obj.name`` if that relation is already loaded, else None (never a query)."""
    try:
        field = obj._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return getattr(obj, name) if field.is_relation and field.is_cached(obj) else None
