"""Report pages, their CSV exports, the quarterly return and the end-of-circle report.

Every page is for coordinators (their own caseload) and managers (everything,
or one coordinator's caseload). Every export writes an EXPORT row to the access log.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import log_access
from accounts.models import AccessLog, User
from circles.access import CHANGE, circle_for_user, circles_visible_to
from circles.models import Circle
from coreMembers.access import core_members_visible_to
from coreMembers.models import CoreMember
from cosa import documents
from cosa.views import csv_response, posted, roles_required
from formpages.pages import form_page
from reports import anonymise, services
from reports import documents as report_documents
from reports.access import (
    may_manage_templates,
    may_write_summary,
    report_core_member_for_user,
    summary_core_member_for_user,
)
from reports.forms import (
    MeetingReportForm,
    MeetingReportShareForm,
    MeetingSummaryForm,
    QuarterForm,
    ReportFilterForm,
    ReportTemplateForm,
)
from reports.meeting_report import as_text as meeting_report_text
from reports.meeting_report import build as meeting_report_build
from reports.models import MeetingReportKind, MeetingReportSummary, ReportTemplate
from reports.queries import REPORTS, Period, Scope, activity, build, ended_in, safety
from sharing import services as sharing_services
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
        if kind not in by_kind:
            continue  # the workload's rows: the manager's dashboard reads them
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


# Meeting reports: MAPPA meeting preparation and offender manager update ------------------

KIND_SLUGS = {"mappa": MeetingReportKind.MAPPA, "om-update": MeetingReportKind.OFFENDER_MANAGER}


def _kind(slug):
    if slug not in KIND_SLUGS:
        raise Http404("No such report.")
    return KIND_SLUGS[slug]


def _meeting_report(request, pk, slug):
    """The Core Member (404 unseen, 403 seen but not his staff), the kind, the period form."""
    core_member = report_core_member_for_user(request.user, pk)
    kind = _kind(slug)
    form = MeetingReportForm(request.GET or None)
    return core_member, kind, form


def _report_detail(kind, core_member, period):
    return f"{MeetingReportKind(kind).label} {period.start}..{period.end}"


@require_GET
def meeting_report(request, pk, slug):
    core_member, kind, form = _meeting_report(request, pk, slug)
    report = None
    if not form.is_bound or form.is_valid():
        report = meeting_report_build(core_member, form.period, kind)
        log_access(
            request,
            AccessLog.Action.EXPORT,
            core_member,
            detail=f"{_report_detail(kind, core_member, form.period)} (page)",
        )
    writer = report is not None and may_write_summary(request.user, core_member)
    context = {
        "core_member": core_member,
        "slug": slug,
        "kind": kind,
        "form": form,
        "report": report,
        "query": form.query() if report else "",
        "writer": writer,
        "chart": _chart_geometry(),
    }
    return render(request, "reports/meeting_report.html", context)


def _chart_geometry():
    from circles import risk

    return {
        "width": risk.CHART_WIDTH,
        "height": risk.CHART_HEIGHT,
        "pad_left": risk.CHART_PAD_LEFT,
        "right": risk.CHART_WIDTH - risk.CHART_PAD_RIGHT,
    }


def _download(request, pk, slug, fmt):
    core_member, kind, form = _meeting_report(request, pk, slug)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest("Check the report's dates: " + _form_errors(form))
    period = form.period
    report = meeting_report_build(core_member, period, kind)
    log_access(
        request,
        AccessLog.Action.EXPORT,
        core_member,
        detail=f"{_report_detail(kind, core_member, period)} ({fmt})",
    )
    filename = f"{slug}-{core_member.reference}-{period.start}-{period.end}.{fmt}"
    if fmt == "pdf":
        content = report_documents.render_pdf(
            "reports/meeting_report_pdf.html", {"report": report, "chart": _chart_geometry()}
        )
        return documents.download_response(content, documents.PDF_MIME, filename)
    return _docx_response(kind, report, filename)


def _docx_response(kind, report, filename):
    try:
        content = report_documents.render_docx(kind, report)
    except ValidationError as error:
        # The organisation's template was accepted on a sample but fails on this report.
        return HttpResponseBadRequest(
            " ".join(error.messages) + " A manager can check the template on the report "
            "templates page, or use the built-in one again."
        )
    return documents.download_response(content, documents.DOCX_MIME, filename)


def _form_errors(form):
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@require_GET
def meeting_report_pdf(request, pk, slug):
    return _download(request, pk, slug, "pdf")


@require_GET
def meeting_report_docx(request, pk, slug):
    return _download(request, pk, slug, "docx")


@require_http_methods(["GET", "POST"])
def meeting_report_summary(request, pk, slug):
    """The coordinator's summary of one report and period: written, then the report again."""
    core_member = summary_core_member_for_user(request.user, pk)
    kind = _kind(slug)
    # The period of the page it was opened from (a POST carries its own, hidden).
    period_form = MeetingReportForm(request.GET or None)
    if period_form.is_bound and not period_form.is_valid():
        return HttpResponseBadRequest("Check the report's dates: " + _form_errors(period_form))
    period = period_form.period
    stored = MeetingReportSummary.objects.filter(
        core_member=core_member, kind=kind, date_from=period.start, date_to=period.end
    ).first()
    form = MeetingSummaryForm(
        posted(request),
        initial={
            "date_from": period.start,
            "date_to": period.end,
            "text": stored.text if stored else "",
        },
    )

    def save(form):
        return services.meeting_summary_save(
            core_member=core_member,
            kind=kind,
            period=form.period,
            text=form.cleaned_data["text"],
            acting_user=request.user,
            version=form.cleaned_data.get("version"),
        )

    def back(summary):
        url = reverse("reports:meeting_report", args=[core_member.pk, slug])
        return f"{url}?date_from={summary.date_from}&date_to={summary.date_to}"

    label = MeetingReportKind(kind).label
    return form_page(
        request,
        form,
        save=save,
        success_url=back,
        message="Summary saved.",
        template="form_page.html",
        about=core_member,
        # On a POST the form's own hidden version decides.
        version=stored.version if stored else 0,
        title=f"Coordinator's summary: {label}",
        back_url=reverse("reports:meeting_report", args=[core_member.pk, slug]),
        back_label=f"{label}, {core_member.reference}",
        intro="It opens the report. Volunteers are never named in a report: a name of one "
        "of the circle's volunteers is shown as Volunteer A, B, ...",
        submit_label="Save the summary",
    )


@require_http_methods(["GET", "POST"])
def meeting_report_share(request, pk, slug):
    """Send the report to liaisons: a shared record through the sharing service."""
    core_member = summary_core_member_for_user(request.user, pk)
    kind = _kind(slug)
    period_form = MeetingReportForm(request.GET or request.POST or None)
    if period_form.is_bound and not period_form.is_valid():
        return HttpResponseBadRequest("Check the report's dates: " + _form_errors(period_form))
    period = period_form.period
    eligible, _assigned = sharing_services.eligible_recipients(core_member)
    form = MeetingReportShareForm(
        posted(request),
        eligible=eligible,
        initial={"date_from": period.start, "date_to": period.end},
    )
    report = meeting_report_build(core_member, period, kind)

    def save(form):
        shared = services.meeting_report_share(
            core_member=core_member,
            report=meeting_report_build(core_member, form.period, kind),
            recipients=form.cleaned_data["recipients"],
            acting_user=request.user,
        )
        log_access(request, AccessLog.Action.SHARE, shared, detail=MeetingReportKind(kind).label)
        return shared

    return form_page(
        request,
        form,
        save=save,
        success_url=lambda record: reverse("sharing:record_detail", args=[record.pk]),
        message="Shared. The recipients have been told it is waiting.",
        template="reports/meeting_report_share.html",
        about=core_member,
        core_member=core_member,
        slug=slug,
        report=report,
        text=meeting_report_text(report),
        no_consent=not eligible.exists(),
    )


# The end-of-circle report as PDF and Word --------------------------------------------------


def _circle_end_document(request, pk, fmt):
    circle, period, tables, memberships = _circle_report(request, pk)
    log_access(request, AccessLog.Action.EXPORT, circle, detail=f"end-of-circle report {fmt}")
    report = report_documents.circle_end_report(
        circle,
        period,
        tables,
        list(memberships),
        circle.milestones.order_by("due_on"),
        circle.covenants.order_by("version"),
        timezone.localtime(),
    )
    filename = f"cosa-circle-{circle.pk}-end-of-circle.{fmt}"
    if fmt == "pdf":
        content = report_documents.render_pdf("reports/circle_end_pdf.html", {"report": report})
        return documents.download_response(content, documents.PDF_MIME, filename)
    return _docx_response(ReportTemplate.Kind.CIRCLE_END, report, filename)


@require_GET
def circle_end_pdf(request, pk):
    return _circle_end_document(request, pk, "pdf")


@require_GET
def circle_end_docx(request, pk):
    return _circle_end_document(request, pk, "docx")


# The organisation's Word templates (managers) -------------------------------------------------


def _require_template_manager(request):
    if not may_manage_templates(request.user):
        raise Http404("No such page.")


@require_http_methods(["GET", "POST"])
def report_templates(request):
    _require_template_manager(request)

    def save(form):
        upload = form.cleaned_data["file"]
        kind = form.cleaned_data["kind"]
        content = upload.read()
        template = services.report_template_upload(
            kind=kind,
            name=upload.name,
            content=content,
            acting_user=request.user,
        )
        return template

    current = {t.kind: t for t in ReportTemplate.objects.filter(retired_at__isnull=True)}
    kinds = [
        {"value": value, "label": label, "current": current.get(value)}
        for value, label in ReportTemplate.Kind.choices
    ]
    return form_page(
        request,
        ReportTemplateForm(posted(request), posted(request, files=True)),
        save=save,
        success_url=reverse("reports:templates"),
        message=lambda t: (
            "Template uploaded and in use."
            + (
                f" {t.stripped_relationships} link(s) to outside files or active fields"
                " were removed."
                if t.stripped_relationships
                else ""
            )
        ),
        template="reports/templates.html",
        kinds=kinds,
    )


@require_POST
def report_template_retire(request, kind):
    _require_template_manager(request)
    if kind not in ReportTemplate.Kind.values:
        raise Http404("No such report.")
    services.report_template_retire(kind=kind, acting_user=request.user)
    messages.success(request, "The built-in template is in use again.")
    return redirect("reports:templates")


@require_GET
def report_template_builtin(request, kind):
    """The built-in template of a kind, to start an organisation's own from."""
    _require_template_manager(request)
    if kind not in ReportTemplate.Kind.values:
        raise Http404("No such report.")
    return documents.download_response(
        report_documents.builtin_template(kind), documents.DOCX_MIME, f"cosa-{kind}-template.docx"
    )
