"""The notifications bell: every user, their own notifications only."""

from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts import notifications
from accounts.models import Notification
from cosa.views import paginate


@require_GET
def notification_list(request):
    """The user's own notifications, newest first; unread ones marked."""
    mine = Notification.objects.for_user(request.user)
    page = paginate(request, mine.only("pk", "subject", "body", "link", "created_at", "read_at"))
    return render(request, "accounts/notifications.html", {"page": page})


@require_POST
def notification_read(request, pk):
    """Mark one as read, then follow its link (``?next=list`` stays on the list)."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    notifications.notification_mark_read(notification=notification, acting_user=request.user)
    safe = url_has_allowed_host_and_scheme(
        notification.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if request.POST.get("next") == "list" or not safe:
        return redirect("accounts:notifications")
    return redirect(notification.link)


@require_POST
def notifications_read_all(request):
    notifications.notifications_mark_all_read(acting_user=request.user)
    return redirect("accounts:notifications")
