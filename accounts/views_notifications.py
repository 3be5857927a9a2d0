"""The notifications bell (every user, own notifications only) and the managers'
operations page for the reminder sweep."""

import datetime

from django.conf import settings
from django.db.models import Count, Max, Min
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts import notifications
from accounts.models import Notification, User
from cosa.views import paginate, roles_required


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


@require_GET
@roles_required(User.Role.MANAGER)
def operations(request):
    """When the sweep last ran, the backlog of due reminders, and what keeps failing."""
    from circles.models import Reminder, SweepRun
    from cosa.celery import SWEEP_INTERVAL_SECONDS

    now = timezone.now()
    runs = list(SweepRun.objects.all()[:10])
    last = runs[0] if runs else None
    late_after = datetime.timedelta(seconds=settings.COSA_SWEEP_LATE_AFTER_SECONDS)
    last_finished = next((run.finished_at for run in runs if run.finished_at), None)
    backlog = Reminder.objects.due(now).aggregate(count=Count("pk"), oldest=Min("due_at"))
    failing = Reminder.objects.failing()
    exhausted = failing.filter(attempts__gte=settings.COSA_REMINDER_MAX_ATTEMPTS).count()
    by_kind = (
        Reminder.objects.due(now)
        .values("kind")
        .annotate(count=Count("pk"), oldest=Min("due_at"))
        .order_by("kind")
    )
    kinds = dict(Reminder.Kind.choices)
    context = {
        "now": now,
        "runs": runs,
        "last": last,
        "late": last_finished is None or now - last_finished > late_after,
        "last_finished": last_finished,
        "late_after_minutes": settings.COSA_SWEEP_LATE_AFTER_SECONDS // 60,
        "interval_minutes": SWEEP_INTERVAL_SECONDS // 60,
        "backlog": backlog,
        "backlog_by_kind": [{**row, "label": kinds.get(row["kind"])} for row in by_kind],
        "failures": failing.select_related("recipient").order_by("-attempts", "due_at")[:25],
        "failure_count": failing.count(),
        "exhausted": exhausted,
        "max_attempts": settings.COSA_REMINDER_MAX_ATTEMPTS,
        "email_backlog": Notification.objects.email_pending()
        .filter(created_at__lte=now)
        .aggregate(count=Count("pk"), oldest=Min("created_at"), attempts=Max("email_attempts")),
        "sent_today": Reminder.objects.filter(
            sent_at__gte=now - datetime.timedelta(days=1), skipped_reason=""
        ).count(),
    }
    return render(request, "accounts/notifications_operations.html", context)
