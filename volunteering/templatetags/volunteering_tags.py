"""The coordinator's dashboard (circles) offers a place for supervision due; this app
fills it, so the circles app never imports this one."""

from django import template
from django.utils import timezone

from cosa.views import first_rows_and_count
from volunteering.access import debriefs_visible_to, supervised_volunteers_for
from volunteering.models import supervision_interval

register = template.Library()


@register.inclusion_tag("volunteering/_supervision_overdue.html", takes_context=True)
def supervision_overdue(context, *, limit, scope=None):
    """The user's volunteers whose supervision is overdue, longest first; open debriefs.
    ``scope``: the page's CircleScope of the user's circles, when it has one."""
    user = context["request"].user
    cutoff = timezone.localdate() - supervision_interval()
    overdue = (
        supervised_volunteers_for(user, scope)
        .supervision_overdue(cutoff)
        .select_related("user")
        .only("pk", "started_on", "user__first_name", "user__last_name")
        .order_by("last_supervised_on", "pk")
    )
    rows, count = first_rows_and_count(overdue, limit)
    return {
        "overdue": rows,
        "overdue_count": count,
        "debriefs_open": debriefs_visible_to(user, scope).filter(held_on__isnull=True).count(),
        "limit": limit,
    }
