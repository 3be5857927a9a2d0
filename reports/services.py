"""Writes of the reports app: the service-wide summary the overview reads."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, Value
from django.utils import timezone

from circles.models import Circle
from coreMembers.models import CoreMember
from reports.models import ServiceSummary
from sharing.models import InformationSharingRecord

# A summary older than this is recounted on read: beat refreshes it every five minutes
# (cosa/celery.py), so only a stopped beat makes a reader pay for the count.
SUMMARY_MAX_AGE = datetime.timedelta(minutes=15)


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
    """Count every circle, Core Member and shared record by status and store the counts.

    Replaces the previous summary in one transaction, so a reader sees the old counts
    or the new ones, never a mix. Returns the new rows.
    """
    counted_at = now or timezone.now()
    counts = status_counts(
        Circle.objects.all(), CoreMember.objects.all(), InformationSharingRecord.objects.all()
    )
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
