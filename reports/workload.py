"""The work waiting across the whole service: what a coordinator's dashboard shows for
their caseload, counted for every circle (the manager's dashboard).

At national scale these counts scan the service's largest tables (every meeting whose
minutes could be outstanding, every unacknowledged record, every volunteer's last
supervision): seconds, not milliseconds. The service summary (``services.summary_refresh``,
every few minutes from beat) stores them, and the manager's dashboard reads them with the
time they were counted. What is urgent stays live on the page: concerns to triage and
emergency meeting requests.
"""

from django.utils import timezone

from circles import needs
from circles.access import CircleScope
from reports.models import ServiceSummary
from sharing.models import RecordRecipient
from volunteering.models import supervision_interval
from volunteers.models import Volunteer

# The lists the dashboard reads item by item, counted here across the service.
LISTS = {
    "minutes-to-review": "Minutes to review",
    "minutes-overdue": "Minutes overdue",
    "acknowledgements-overdue": "Shared records not acknowledged in time",
    "supervision-overdue": "Volunteers overdue for supervision",
}
# The by-coordinator table's columns (circles.needs.CoordinatorLoad's fields).
LOAD_FIELDS = {
    "concerns": "Concerns to triage",
    "to_review": "Minutes to review",
    "reviews_overdue": "Reviews overdue",
    "reviews_due": f"Reviews due in {needs.REVIEWS_AHEAD_DAYS} days",
    "referrals": "Referrals awaiting a decision",
}
# The dashboard's table names the busiest coordinators; each one's own figures are in
# the reports (filtered by coordinator).
BUSIEST_SHOWN = 20


def counts(now=None):
    """(kind, status, n) for the service summary: every line, every list's count, and
    the busiest coordinators' loads."""
    now = now or timezone.now()
    rows = [
        (ServiceSummary.Kind.WORKLOAD, need.key, need.count) for need in needs.service_needs(now)
    ]
    lists = needs.dashboard_lists(CircleScope.service_wide(), now)
    cutoff = timezone.localdate(now) - supervision_interval()
    listed = {
        "minutes-to-review": lists["minutes-to-review"],
        "minutes-overdue": lists["minutes-overdue"],
        "acknowledgements-overdue": RecordRecipient.objects.overdue(now),
        "supervision-overdue": Volunteer.objects.active().supervision_overdue(cutoff),
    }
    rows += [
        (ServiceSummary.Kind.WORKLOAD, key, queryset.order_by().count())
        for key, queryset in listed.items()
    ]
    for load in needs.by_coordinator(now)[:BUSIEST_SHOWN]:
        rows += [
            (
                ServiceSummary.Kind.BY_COORDINATOR,
                f"{load.coordinator.pk}:{field}",
                getattr(load, field),
            )
            for field in LOAD_FIELDS
        ]
    return rows


def read(summary):
    """The stored workload, shaped for the page: the lines (label, count), the lists
    (key, label, count) and the busiest coordinators as (coordinator id, {field: n})."""
    workload = {row.status: row.n for row in summary if row.kind == ServiceSummary.Kind.WORKLOAD}
    loads = {}
    for row in summary:
        if row.kind == ServiceSummary.Kind.BY_COORDINATOR:
            coordinator_id, field = row.status.split(":", 1)
            loads.setdefault(int(coordinator_id), {})[field] = row.n
    busiest = sorted(loads.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    return {
        "lines": [(label, workload.get(key, 0)) for key, label in needs.line_labels().items()],
        "lists": [(key, label, workload.get(key, 0)) for key, label in LISTS.items()],
        "busiest": busiest,
    }
