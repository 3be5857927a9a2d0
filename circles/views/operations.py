"""The managers' operations page for the reminder sweep: when it last ran, what is due,
what keeps failing. It reads the circles app's reminder tables, so it lives here."""

import datetime

from django.conf import settings
from django.db.models import Count, Max, Min
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import Notification, User
from circles.models import Reminder, SweepRun
from cosa.celery import SWEEP_INTERVAL_SECONDS
from cosa.views import roles_required


@require_GET
@roles_required(User.Role.MANAGER)
def operations(request):
    """When the sweep last ran, the backlog of due reminders, and what keeps failing."""
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
    return render(request, "circles/reminders_operations.html", context)
