"""The pieces of pages owned by apps below this one that list shared records.

The Core Member page (coreMembers) and the coordinator's dashboard (circles) offer a
place for the records; this app fills it, so neither app imports the records.
"""

from django import template
from django.utils import timezone
from django.utils.html import format_html

from coreMembers.access import FULL, core_member_ids_visible_to
from cosa.views import first_rows_and_count
from sharing.access import records_visible_to, shows_core_member_name
from sharing.models import RecordRecipient

register = template.Library()

# As many as the Core Member page showed before the records had an app of their own.
RECORDS_ON_CORE_MEMBER_PAGE = 50


@register.simple_tag(takes_context=True)
def core_member_label(context, obj, core_member=None):
    """How a page names the Core Member of ``obj`` (a record, or the Core Member himself).

    A covering liaison reads his reference, name and their own agency's reference
    ("CM-000006 Alfred Fictional, CRN X123456"); a liaison whose cover ended reads the
    CM- reference alone; staff read reference and name.
    """
    user = context["request"].user
    core_member = core_member or getattr(obj, "core_member", obj)
    if not shows_core_member_name(user, obj):
        return core_member.reference
    if not user.is_liaison:
        return f"{core_member.reference} {core_member.display_name}"
    label, value = core_member.agency_reference(obj.viewer_cover_role)
    if not label:
        return f"{core_member.reference} {core_member.display_name}"
    return format_html(
        "{} {}, {} {}",
        core_member.reference,
        core_member.display_name,
        label,
        value or "not recorded",
    )


@register.inclusion_tag("sharing/_records.html", takes_context=True)
def shared_records(context, core_member):
    """The records about ``core_member`` that the signed-in user may read."""
    user = context["request"].user
    records = records_visible_to(user).filter(core_member=core_member)
    return {
        "records": records[:RECORDS_ON_CORE_MEMBER_PAGE],
        "core_member": core_member,
        "user": user,
    }


@register.inclusion_tag("sharing/_overdue_acknowledgements.html", takes_context=True)
def overdue_acknowledgements(context, *, limit, now=None):
    """Recipients past their acknowledgement time, for Core Members the user fully sees."""
    user = context["request"].user
    unacknowledged = (
        RecordRecipient.objects.overdue(now or timezone.now())
        .filter(record__core_member__in=core_member_ids_visible_to(user, FULL))
        .for_list()
        .only(
            "acknowledge_due_at",
            "record_id",
            "record__urgency",
            "record__core_member_id",
            "record__core_member__reference",
            "liaison__first_name",
            "liaison__last_name",
            "liaison__agency__name",
        )
        .order_by("acknowledge_due_at", "pk")
    )
    rows, count = first_rows_and_count(unacknowledged, limit)
    return {
        "unacknowledged": rows,
        "unacknowledged_count": count,
        "limit": limit,
    }
