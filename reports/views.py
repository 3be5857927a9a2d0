"""Report pages, their CSV exports, the quarterly return and the end-of-circle report.

Every page is for coordinators (their own caseload) and managers (everything,
or one coordinator's caseload). Every export writes an EXPORT row to the access log.
"""

from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.audit import log_access
from accounts.models import AccessLog, User
from circles.access import CHANGE, circle_for_user, circles_visible_to
from circles.models import Circle
from coreMembers.access import core_members_visible_to
from coreMembers.models import CoreMember
from cosa.views import csv_response, roles_required
from reports import anonymise, services
from reports.forms import QuarterForm, ReportFilterForm
from reports.queries import REPORTS, Period, Scope, activity, build, ended_in, safety
from sharing.access import records_visible_to
from sharing.models import InformationSharingRecord

# The outcomes page links to the end-of-circle report of at most this many ended circles.
ENDED_LISTED = 50
# The links between report pages: (slug, title) of every report.
REPORT_LINKS = tuple((slug, title) for slug, (title, _) in REPORTS.items())


def _scope_detail(form, period):
    coordinator = form.coordinator
    who = f" coordinator={coordinator.pk}" if coordinator is not None else ""
    return f"{period.start}..{period.end}{who}"


@require_GET
@roles_required(*User.STAFF_ROLES)
def index(request):
    """The at-a-glance figures for the user's caseload (managers: everything).

    A coordinator's caseload is counted live, in one UNION query. A manager's is the
    whole service: three full-table counts, so the page reads the summary a Celery task
    keeps (``reports.services.summary_refresh``) and says when it was counted.
    """
    user = request.user
    counted_at = None
    if user.is_manager:
        summary = services.summary_current()
        counts = [(row.kind, row.status, row.n) for row in summary]
        counted_at = summary[0].counted_at if summary else None
    else:
        counts = services.status_counts(
            circles_visible_to(user), core_members_visible_to(user), records_visible_to(user)
        )
    by_kind = {"circles": [], "core_members": [], "records": []}
    labels = {
        "circles": dict(Circle.Status.choices),
        "core_members": dict(CoreMember.Status.choices),
        "records": dict(InformationSharingRecord.Status.choices),
    }
    for kind, status, n in sorted(counts):
        by_kind[kind].append({"status": status, "label": labels[kind].get(status, status), "n": n})
    return render(
        request,
        "reports/index.html",
        {
            "circles_by_status": by_kind["circles"],
            "core_members_by_status": by_kind["core_members"],
            "records_by_status": by_kind["records"],
            "counted_at": counted_at,
            "reports": REPORT_LINKS,
        },
    )


def _report_page(slug):
    @require_GET
    @roles_required(*User.STAFF_ROLES)
    def view(request):
        form = ReportFilterForm(request.GET or None, user=request.user)
        report = ended_circles = None
        if not form.is_bound or form.is_valid():
            scope = Scope.for_user(request.user, form.coordinator)
            report = build(slug, scope, form.period)
            if slug == "outcomes":
                ended_circles = ended_in(scope, form.period)[:ENDED_LISTED]
        context = {
            "form": form,
            "report": report,
            "title": REPORTS[slug][0],
            "slug": slug,
            "reports": REPORT_LINKS,
            "period": form.period if report else None,
            "query": request.GET.urlencode(),
            "coordinator": form.coordinator if report else None,
            "ended_circles": ended_circles,
            "ended_listed": ENDED_LISTED,
        }
        return render(request, "reports/report.html", context)

    view.__name__ = f"{slug}_report"
    return view


caseload = _report_page("caseload")
activity_report = _report_page("activity")
safety_report = _report_page("safety")
volunteers_report = _report_page("volunteers")
outcomes_report = _report_page("outcomes")


@require_GET
@roles_required(*User.STAFF_ROLES)
def table_csv(request, report, table):
    if report not in REPORTS:
        raise Http404("No such report.")
    form = ReportFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest("Check the dates and the coordinator of the report.")
    period = form.period
    built = build(report, Scope.for_user(request.user, form.coordinator), period)
    chosen = built.table(table)
    if chosen is None:
        raise Http404("No such table.")
    log_access(
        request,
        AccessLog.Action.EXPORT,
        detail=f"report {report}/{table}.csv {_scope_detail(form, period)}",
    )
    filename = f"cosa-{report}-{table}-{period.start}-{period.end}.csv"
    return csv_response(filename, chosen.columns, chosen.all_rows())


def _quarterly(request):
    form = QuarterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return form, None
    scope = Scope.for_user(request.user, form.coordinator)
    return form, anonymise.quarterly_return(scope, form.period)


@require_GET
@roles_required(*User.STAFF_ROLES)
def quarterly(request):
    form, tables = _quarterly(request)
    if tables is not None:
        log_access(
            request,
            AccessLog.Action.EXPORT,
            detail=f"quarterly return page {_scope_detail(form, form.period)}",
        )
    context = {
        "form": form,
        "tables": tables,
        "label": form.label if tables is not None else "",
        "query": request.GET.urlencode(),
        "filtered": form.coordinator is not None if tables is not None else False,
        "threshold": anonymise.THRESHOLD,
    }
    return render(request, "reports/quarterly.html", context)


@require_GET
@roles_required(*User.STAFF_ROLES)
def quarterly_csv(request):
    form, tables = _quarterly(request)
    if tables is None:
        return HttpResponseBadRequest("Choose one of the quarters offered.")
    period = form.period
    log_access(
        request,
        AccessLog.Action.EXPORT,
        detail=f"quarterly return csv {_scope_detail(form, period)}",
    )
    year, quarter = form.year_quarter
    return csv_response(
        f"cosa-quarterly-return-{year}-Q{quarter}.csv",
        ["table", "row", "column", "value"],
        anonymise.long_rows(tables),
    )


def _circle_report(request, pk):
    # The circle first (404 to whoever does not see it), then the role: its volunteers
    # see the circle but not its report (403).
    circle = circle_for_user(request.user, pk, CHANGE, roles=User.STAFF_ROLES)
    today = timezone.localdate()
    start = circle.launched_on or timezone.localdate(circle.created_at)
    end = circle.ended_on or today
    period = Period(min(start, end), end)
    scope = Scope.for_circle(circle)
    tables = [*activity(scope, period).tables, *safety(scope, period).tables]
    memberships = circle.memberships.select_related("volunteer__user").order_by("joined_on", "pk")
    return circle, period, tables, memberships


@require_GET
def circle_end(request, pk):
    circle, period, tables, memberships = _circle_report(request, pk)
    log_access(request, AccessLog.Action.EXPORT, circle, detail="end-of-circle report (page)")
    context = {
        "circle": circle,
        "period": period,
        "tables": tables,
        "memberships": memberships,
        "milestones": circle.milestones.order_by("due_on"),
        "covenants": circle.covenants.order_by("version"),
    }
    return render(request, "reports/circle_end.html", context)


@require_GET
def circle_end_csv(request, pk):
    circle, period, tables, memberships = _circle_report(request, pk)
    log_access(request, AccessLog.Action.EXPORT, circle, detail="end-of-circle report csv")
    header = [
        ["Circle", "", "Name", circle.name],
        ["Circle", "", "Core Member", circle.core_member.reference],
        ["Circle", "", "Coordinator", circle.coordinator.get_full_name()],
        ["Circle", "", "Launched", circle.launched_on or ""],
        ["Circle", "", "Ended", circle.ended_on or ""],
        ["Circle", "", "End reason", circle.get_end_reason_display()],
        ["Circle", "", "Outcome notes", circle.outcome_notes],
    ]
    volunteers = []
    for membership in memberships:
        name = membership.volunteer.user.get_full_name()
        volunteers.append(["Volunteers", name, "Joined", membership.joined_on])
        volunteers.append(["Volunteers", name, "Left", membership.left_on or ""])
    return csv_response(
        f"cosa-circle-{circle.pk}-end-of-circle.csv",
        ["table", "row", "column", "value"],
        [*header, *volunteers, *anonymise.long_rows(tables)],
    )
