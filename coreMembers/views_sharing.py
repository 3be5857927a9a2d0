"""Shared records (issue 6): compose, approve, inbox, acknowledge, print."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, OuterRef, Subquery, When
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import log_access
from accounts.models import AccessLog, User
from coreMembers import services
from coreMembers.access import record_for_user, records_visible_to
from coreMembers.models import InformationSharingRecord, RecordRecipient
from cosa.views import paginate, roles_required

STAFF = (User.Role.COORDINATOR, User.Role.MANAGER)
READERS = (User.Role.COORDINATOR, User.Role.MANAGER, User.Role.LIAISON)


@require_GET
@roles_required(*READERS)
def record_list(request):
    records = records_visible_to(request.user).select_related("core_member")
    if request.user.role == User.Role.LIAISON:
        # The inbox: unacknowledged first, URGENT before PRIORITY before ROUTINE.
        mine = RecordRecipient.objects.filter(record=OuterRef("pk"), liaison=request.user)
        records = records.annotate(
            my_acknowledged_at=Subquery(mine.values("acknowledged_at")[:1]),
            waiting=Case(When(my_acknowledged_at__isnull=True, then=0), default=1),
            urgency_rank=Case(
                When(urgency=InformationSharingRecord.Urgency.URGENT, then=0),
                When(urgency=InformationSharingRecord.Urgency.PRIORITY, then=1),
                default=2,
            ),
        ).order_by("waiting", "urgency_rank", "-shared_at", "-pk")
    else:
        records = records.order_by("-created_at")
    return render(request, "core_members/record_list.html", {"page": paginate(request, records)})


@require_GET
def record_detail(request, pk):
    record = record_for_user(request.user, pk)
    log_access(request, AccessLog.Action.VIEW, record)
    recipients = record.recipients.select_related("liaison__agency")
    mine = None
    if request.user.role == User.Role.LIAISON:
        mine = next((r for r in recipients if r.liaison_id == request.user.pk), None)
    addenda = records_visible_to(request.user).filter(addendum_to=record).order_by("created_at")
    return render(
        request,
        "core_members/record_detail.html",
        {"record": record, "recipients": recipients, "mine": mine, "addenda": addenda},
    )


@require_POST
def record_acknowledge(request, pk):
    record = record_for_user(request.user, pk, "acknowledge")
    try:
        services.record_acknowledge(
            record=record, acting_user=request.user, response=request.POST.get("response", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        log_access(request, AccessLog.Action.ACKNOWLEDGE, record)
        messages.success(request, "Acknowledged. The coordinator can see your response.")
    return redirect("core_members:record_detail", pk=record.pk)
