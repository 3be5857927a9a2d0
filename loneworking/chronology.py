"""Lone working in a Core Member's chronology (cosa/chronology.py): each check-in and
each alert it raised, for coordinators and managers only; nothing for anyone else."""

from django.urls import reverse
from django.utils import timezone

from cosa.chronology import Entry
from loneworking.models import Alert, CheckIn

KINDS = (
    ("lone_working_checkin", "Lone-working check-ins"),
    ("lone_working_alert", "Lone-working alerts"),
)


def _time(moment):
    return f"{timezone.localtime(moment):%H:%M}"


def entries(core_member, user):
    if not user.is_active or not user.is_case_staff:
        return []
    checkins = CheckIn.objects.filter(circle__core_member=core_member)
    if not user.is_manager:
        from circles.access import CHANGE, circles_visible_to

        checkins = checkins.filter(circle__in=circles_visible_to(user, CHANGE))
    found = []
    for checkin in checkins.order_by("started_at", "pk"):
        ended = (
            f"checked out at {_time(checkin.checked_out_at)}"
            if checkin.checked_out_at
            else "not checked out"
        )
        found.append(
            Entry(
                at=checkin.started_at,
                kind="lone_working_checkin",
                title=f"Lone-working check-in: {checkin.get_kind_display().lower()}",
                detail=f"Expected end {_time(checkin.expected_end_at)}; {ended}.",
            )
        )
    alerts = Alert.objects.filter(checkin__in=checkins).order_by("raised_at", "pk")
    for alert in alerts:
        found.append(
            Entry(
                at=alert.raised_at,
                kind="lone_working_alert",
                title=f"Lone-working alert: {alert.get_step_display().lower()}",
                url=reverse("loneworking:alert", kwargs={"pk": alert.pk}),
            )
        )
    return found
