"""Writes of the reports app: the service-wide summary the overview reads, the
coordinator's summary of a meeting report, sending a report, the Word templates."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, Value
from django.utils import timezone

from accounts.models import User
from circles.models import Circle
from coreMembers.models import CoreMember
from cosa import documents
from cosa.services import service, validated_save
from formpages import versions
from reports import documents as report_documents
from reports import workload
from reports.access import may_manage_templates, may_write_summary
from reports.meeting_report import as_text
from reports.models import MeetingReportKind, MeetingReportSummary, ReportTemplate, ServiceSummary
from sharing import services as sharing_services
from sharing.models import InformationSharingRecord

# A summary older than this is recounted on read: beat refreshes it every five minutes
# (cosa/celery.py), so only a stopped beat makes a reader pay for the count.
SUMMARY_MAX_AGE = datetime.timedelta(minutes=15)
# The coordinator's summary at the top of a meeting report: a page at most.
SUMMARY_MAX_CHARS = 4000


def _status_counts(queryset, kind):
    return (
        queryset.order_by()
        .annotate(breakdown=Value(kind, output_field=CharField()))
        .values_list("breakdown", "status")
        .annotate(n=Count("pk"))
    )


def status_counts(circles, core_members, records):
    """(kind, status, n) for the three querysets, in one UNION query."""
    return list(
        _status_counts(circles, ServiceSummary.Kind.CIRCLES).union(
            _status_counts(core_members, ServiceSummary.Kind.CORE_MEMBERS),
            _status_counts(records, ServiceSummary.Kind.RECORDS),
            all=True,
        )
    )


@transaction.atomic
def summary_refresh(*, now=None):
    """Count every circle, Core Member and shared record by status, and the work waiting
    across the service (``reports.workload``), and store the counts.

    Replaces the previous summary in one transaction, so a reader sees the old counts
    or the new ones, never a mix. Returns the new rows.
    """
    counted_at = now or timezone.now()
    counts = status_counts(
        Circle.objects.all(), CoreMember.objects.all(), InformationSharingRecord.objects.all()
    )
    counts += workload.counts(counted_at)
    ServiceSummary.objects.all().delete()
    return ServiceSummary.objects.bulk_create(
        ServiceSummary(kind=kind, status=status, n=n, counted_at=counted_at)
        for kind, status, n in counts
    )


def summary_current(*, now=None):
    """The stored summary; counted now (and stored) when there is none yet, or when it
    is older than ``SUMMARY_MAX_AGE``."""
    now = now or timezone.now()
    rows = list(ServiceSummary.objects.order_by("kind", "status"))
    if rows and rows[0].counted_at >= now - SUMMARY_MAX_AGE:
        return rows
    try:
        with transaction.atomic():
            return summary_refresh(now=now)
    except IntegrityError:
        # Another worker (or the beat task) stored a summary at the same moment: the
        # unique (kind, status) refused ours, and theirs is just as fresh.
        return list(ServiceSummary.objects.order_by("kind", "status"))


# Meeting reports -------------------------------------------------------------------------


@service
@transaction.atomic
def meeting_summary_save(
    *,
    core_member,
    kind: str,
    period,
    text: str,
    acting_user: User,
    version: int | None = None,
) -> MeetingReportSummary:
    """Write (or rewrite) the coordinator's summary of one report.

    ``version`` is the one the edit began at: a summary saved by someone else since then
    raises ``versions.StaleEdit``. A summary that does not exist yet is created.
    """
    if not may_write_summary(acting_user, core_member):
        raise PermissionDenied("Only the Core Member's coordinator or a manager writes this.")
    if kind not in MeetingReportKind.values:
        raise ValidationError({"kind": "No such report."})
    text = (text or "").strip()
    if len(text) > SUMMARY_MAX_CHARS:
        raise ValidationError({"text": f"Keep the summary to {SUMMARY_MAX_CHARS} characters."})
    existing = (
        MeetingReportSummary.objects.select_for_update()
        .filter(core_member=core_member, kind=kind, date_from=period.start, date_to=period.end)
        .first()
    )
    if existing is None:
        if version not in (None, "", 0, "0"):
            # Begun at a version of a summary that is no longer there.
            raise ValidationError("This summary changed since you opened it: open it again.")
        # Two first saves at once: the unique constraint refuses the second, clearly.
        return validated_save(
            MeetingReportSummary(
                core_member=core_member,
                kind=kind,
                date_from=period.start,
                date_to=period.end,
                text=text,
                written_by=acting_user,
            )
        )
    versions.advance(existing, version)
    existing.refresh_from_db(fields=["version"])
    existing.text = text
    existing.written_by = acting_user
    existing.updated_at = timezone.now()
    validated_save(existing, update_fields=["text", "written_by", "updated_at"])
    return existing


@service
@transaction.atomic
def meeting_report_share(
    *,
    core_member,
    report: dict,
    recipients,
    acting_user: User,
    urgency: str = InformationSharingRecord.Urgency.ROUTINE,
):
    """Send a meeting report to liaisons: a disclosure like any other shared record.

    The report's text is frozen as the record's details (immutable once shared, like
    every record), through the sharing service: the consent check, the recipients the
    agreement allows, the acknowledgement due. The record's PDF and Word document are
    drawn from that frozen text whenever they are downloaded.
    """
    if report["core_member"]["pk"] != core_member.pk:
        raise ValidationError("That report is about another Core Member.")
    period = report["period"]
    summary = f"{report['title']}, {period['label']}"[:300]
    return sharing_services.record_compose(
        core_member=core_member,
        acting_user=acting_user,
        category=InformationSharingRecord.Category.OTHER,
        urgency=urgency,
        summary=summary,
        details=as_text(report),
        recipients=list(recipients),
    )


# Report templates ------------------------------------------------------------------------


@service
@transaction.atomic
def report_template_upload(
    *, kind: str, name: str, content: bytes, acting_user: User
) -> ReportTemplate:
    """Store an organisation's Word template for ``kind``; it replaces the previous one.

    The file is checked (a real .docx under the size limit whose placeholders parse)
    and stored with its external relationships removed.
    """
    if not may_manage_templates(acting_user):
        raise PermissionDenied("Only a manager uploads report templates.")
    if kind not in ReportTemplate.Kind.values:
        raise ValidationError({"kind": "Choose which report the template is for."})
    cleaned, stripped = documents.docx_clean_upload(content)
    sample = report_documents.sample_report(kind)
    documents.docx_check_template(
        cleaned, report_documents.docx_context(sample), report_documents.docx_pictures(sample)
    )
    now = timezone.now()
    ReportTemplate.objects.filter(kind=kind, retired_at__isnull=True).update(retired_at=now)
    return validated_save(
        ReportTemplate(
            kind=kind,
            name=(name or "template.docx")[:200],
            content=cleaned,
            size=len(cleaned),
            stripped_relationships=stripped,
            uploaded_by=acting_user,
            uploaded_at=now,
        )
    )


@service
@transaction.atomic
def report_template_retire(*, kind: str, acting_user: User) -> int:
    """Go back to the built-in template for ``kind``; returns how many were retired."""
    if not may_manage_templates(acting_user):
        raise PermissionDenied("Only a manager changes report templates.")
    return ReportTemplate.objects.filter(kind=kind, retired_at__isnull=True).update(
        retired_at=timezone.now()
    )
