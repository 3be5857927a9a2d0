"""The manager's dashboard (circles) offers a place for the work waiting across the
service; this app fills it from the service summary, so circles never imports reports."""

from django import template

from accounts.models import User
from reports import services, workload
from reports.access import may_see_service_workload

register = template.Library()


@register.inclusion_tag("reports/_service_workload.html", takes_context=True)
def service_workload(context):
    """The stored counts across the service, when they were counted, and the busiest
    coordinators by name (one query for the summary, one for the names); nothing for
    anyone but a manager, whatever page includes it."""
    if not may_see_service_workload(context["request"].user):
        return {"hidden": True}
    summary = services.summary_current()
    shaped = workload.read(summary)
    names = (
        User.objects.filter(pk__in=[pk for pk, _load in shaped["busiest"]])
        .only("first_name", "last_name", "email")
        .in_bulk()
    )
    return {
        **shaped,
        "busiest": [
            (names[pk], [load.get(field, 0) for field in workload.LOAD_FIELDS])
            for pk, load in shaped["busiest"]
            if pk in names
        ],
        "fields": list(workload.LOAD_FIELDS.items()),
        "shown": workload.BUSIEST_SHOWN,
        "counted_at": summary[0].counted_at if summary else None,
    }
