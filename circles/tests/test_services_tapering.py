"""Tapering (step-down), a future launch, one-off meetings, moving and cancelling one
meeting, and bank holidays: the services."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Notification
from circles import bank_holidays, scheduling, services
from circles.models import Circle, FrequencyChange, Meeting, ReviewMilestone, Weekday
from circles.tests.factories import MeetingNoteFactory, launchable_circle

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


@pytest.fixture
def circle(coordinator):
    return services.circle_launch(
        circle=launchable_circle(coordinator=coordinator), acting_user=coordinator
    )


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def group_days(circle, since):
    return [
        timezone.localdate(m.starts_at)
        for m in circle.meetings.filter(
            kind=Meeting.Kind.GROUP, status=Meeting.Status.SCHEDULED
        ).order_by("starts_at")
        if timezone.localdate(m.starts_at) >= since
    ]


def taper(circle, **kwargs):
    defaults = {
        "frequency": "FORTNIGHTLY",
        "from_date": today() + 14 * DAY,
        "next_review_on": today() + 90 * DAY,
        "acting_user": circle.coordinator,
    }
    return services.circle_taper(circle=circle, **{**defaults, **kwargs})


def volunteer_users(circle):
    return [
        m.volunteer.user for m in circle.memberships.current().select_related("volunteer__user")
    ]


def next_boxing_day():
    year = today().year if today() < datetime.date(today().year, 12, 26) else today().year + 1
    return datetime.date(year, 12, 26)


# Step-down: refusals first ----------------------------------------------------------------


@pytest.mark.parametrize("frequency", ["WEEKLY", "DAILY", ""])
def test_a_step_down_to_the_same_or_an_unknown_frequency_is_refused(circle, frequency):
    with pytest.raises(ValidationError) as caught:
        taper(circle, frequency=frequency)
    assert "a step-down meets less often" in caught.value.message_dict["frequency"][0]
    assert reload(circle).status == Circle.Status.ACTIVE
    assert circle.covenants.count() == 1
    assert not FrequencyChange.objects.filter(circle=circle, frequency="FORTNIGHTLY").exists()


def test_a_monthly_circle_cannot_step_up_to_fortnightly(circle):
    taper(circle, frequency="MONTHLY")
    with pytest.raises(ValidationError) as caught:
        taper(reload(circle), frequency="FORTNIGHTLY")
    assert "meets monthly now" in caught.value.message_dict["frequency"][0]
    assert reload(circle).frequency == "MONTHLY"


def test_a_step_down_from_a_past_date_is_refused_and_nothing_moves(circle):
    before = list(circle.meetings.values_list("pk", "starts_at"))
    with pytest.raises(ValidationError) as caught:
        taper(circle, from_date=today() - DAY)
    assert "from_date" in caught.value.message_dict
    assert list(circle.meetings.values_list("pk", "starts_at")) == before
    assert reload(circle).frequency == "WEEKLY"


def test_a_planned_end_before_the_step_down_is_refused(circle):
    with pytest.raises(ValidationError) as caught:
        taper(circle, planned_end_on=today() + 7 * DAY)
    assert "planned_end_on" in caught.value.message_dict
    assert reload(circle).planned_end_on == circle.planned_end_on


def test_a_next_review_after_the_planned_end_is_refused(circle):
    with pytest.raises(ValidationError) as caught:
        taper(circle, next_review_on=circle.planned_end_on + DAY)
    assert "next_review_on" in caught.value.message_dict


def test_a_forming_circle_cannot_step_down(coordinator):
    circle = launchable_circle(coordinator=coordinator)
    with pytest.raises(ValidationError):
        taper(circle)
    assert reload(circle).status == Circle.Status.FORMING


# Step-down: what it does -------------------------------------------------------------------


def test_a_step_down_regenerates_meetings_from_its_date_at_the_new_frequency(circle):
    from_date = today() + 14 * DAY
    weekly_before = [d for d in group_days(circle, today()) if d < from_date]

    change = taper(circle, from_date=from_date)

    circle = reload(circle)
    assert (circle.status, circle.frequency) == (Circle.Status.STEP_DOWN, "FORTNIGHTLY")
    assert [d for d in group_days(circle, today()) if d < from_date] == weekly_before
    after = group_days(circle, from_date)
    assert after, "meetings are generated after the step-down"
    assert after[0] == scheduling.first_on_or_after(from_date, circle.weekday)
    assert {(b - a).days for a, b in zip(after, after[1:], strict=False)} <= {14}
    assert (change.frequency, change.from_date, change.decided_by) == (
        "FORTNIGHTLY",
        from_date,
        circle.coordinator,
    )


def test_a_step_down_re_agrees_the_covenant_with_the_same_goals(circle):
    goals = circle.covenants.get().goals
    taper(circle)
    latest = circle.covenants.order_by("-version").first()
    assert (latest.version, latest.frequency, latest.goals) == (2, "FORTNIGHTLY", goals)
    assert latest.recorded_by == circle.coordinator


def test_a_meeting_with_minutes_after_the_step_down_date_is_never_deleted(circle):
    meeting = circle.meetings.order_by("starts_at").last()
    note = MeetingNoteFactory(meeting=meeting, author=volunteer_users(circle)[0])
    taper(circle, from_date=today())
    assert Meeting.objects.filter(pk=meeting.pk).exists()
    assert reload(note).meeting_id == meeting.pk


def test_a_step_down_keeps_or_moves_the_planned_end(circle):
    planned = circle.planned_end_on
    taper(circle)
    assert reload(circle).planned_end_on == planned
    later = planned + datetime.timedelta(days=120)
    taper(reload(circle), frequency="MONTHLY", planned_end_on=later)
    assert reload(circle).planned_end_on == later


def test_a_step_down_sets_the_next_reviews_date(circle):
    next_review = circle.milestones.filter(completed_on__isnull=True).order_by("due_on").first()
    taper(circle, next_review_on=today() + 60 * DAY)
    assert reload(next_review).due_on == today() + 60 * DAY


def test_with_no_review_left_a_step_down_schedules_the_end_of_circle_review(circle):
    circle.milestones.update(completed_on=today(), decision="CONTINUE")
    taper(circle, next_review_on=today() + 30 * DAY)
    end = circle.milestones.get(kind=ReviewMilestone.Kind.END)
    assert (end.due_on, end.completed_on) == (today() + 30 * DAY, None)


def test_the_frequency_history_reads_from_launch_through_each_step_down(circle):
    review = circle.milestones.get(kind="M3")
    services.review_conclude(
        milestone=review,
        decision=ReviewMilestone.Decision.STEP_DOWN,
        attendees="Coordinator, volunteers, Core Member",
        progress_notes="Settled.",
        acting_user=circle.coordinator,
        step_down={
            "frequency": "FORTNIGHTLY",
            "from_date": today() + 7 * DAY,
            "planned_end_on": None,
            "next_review_on": today() + 100 * DAY,
        },
    )
    history = list(
        circle.frequency_changes.order_by("from_date").values_list("frequency", "review__kind")
    )
    assert history == [("WEEKLY", None), ("FORTNIGHTLY", "M3")]
    assert reload(review).decision == ReviewMilestone.Decision.STEP_DOWN


def test_a_step_down_review_without_a_frequency_writes_nothing(circle):
    review = circle.milestones.get(kind="M3")
    with pytest.raises(ValidationError):
        services.review_conclude(
            milestone=review,
            decision=ReviewMilestone.Decision.STEP_DOWN,
            attendees="All",
            progress_notes="Settled.",
            acting_user=circle.coordinator,
        )
    assert reload(review).completed_on is None
    assert reload(circle).status == Circle.Status.ACTIVE


# A launch in the future ---------------------------------------------------------------------


def test_a_saturday_circle_launched_in_the_future_first_meets_the_saturday_after(coordinator):
    circle = launchable_circle(coordinator=coordinator, weekday=Weekday.SATURDAY)
    launch_on = today() + 10 * DAY
    services.circle_launch(circle=circle, acting_user=coordinator, launched_on=launch_on)
    circle = reload(circle)
    first = timezone.localdate(circle.meetings.order_by("starts_at").first().starts_at)
    assert circle.launched_on == launch_on
    assert first == scheduling.first_on_or_after(launch_on, Weekday.SATURDAY)
    assert first.weekday() == Weekday.SATURDAY
    assert circle.frequency_changes.get().from_date == first


def test_a_first_meeting_on_another_weekday_is_refused(coordinator):
    circle = launchable_circle(coordinator=coordinator, weekday=Weekday.SATURDAY)
    tuesday = scheduling.first_on_or_after(today() + DAY, Weekday.TUESDAY)
    with pytest.raises(ValidationError) as caught:
        services.circle_launch(circle=circle, acting_user=coordinator, first_meeting_on=tuesday)
    assert "Saturdays" in caught.value.message_dict["first_meeting_on"][0]
    assert reload(circle).status == Circle.Status.FORMING
    assert not circle.meetings.exists()


# One-off meetings ---------------------------------------------------------------------------


def test_a_one_off_group_meeting_or_one_in_the_past_is_refused(circle):
    soon = timezone.now() + 3 * DAY
    with pytest.raises(ValidationError):
        services.meeting_add(
            circle=circle, kind="GROUP", starts_at=soon, acting_user=circle.coordinator
        )
    with pytest.raises(ValidationError):
        services.meeting_add(
            circle=circle,
            kind="ONE_TO_ONE",
            starts_at=timezone.now() - DAY,
            acting_user=circle.coordinator,
        )
    assert not circle.meetings.exclude(kind="GROUP").exists()


def test_a_one_off_review_meeting_tells_each_volunteer_once(circle):
    soon = timezone.now().replace(second=0, microsecond=0) + 3 * DAY + datetime.timedelta(hours=1)
    meeting = services.meeting_add(
        circle=circle, kind="REVIEW", starts_at=soon, acting_user=circle.coordinator
    )
    assert (meeting.kind, meeting.status, meeting.venue) == ("REVIEW", "SCHEDULED", circle.venue)
    assert sorted(Notification.objects.values_list("recipient", flat=True)) == sorted(
        u.pk for u in volunteer_users(circle)
    )


def test_a_one_to_one_alerts_nobody(circle):
    services.meeting_add(
        circle=circle,
        kind="ONE_TO_ONE",
        starts_at=timezone.now() + 2 * DAY,
        acting_user=circle.coordinator,
    )
    assert not Notification.objects.exists()


# Moving and cancelling one meeting -----------------------------------------------------------


def test_a_move_needs_a_reason_and_a_future_time(circle):
    meeting = circle.meetings.upcoming().first()
    with pytest.raises(ValidationError):
        services.meeting_move(
            meeting=meeting,
            starts_at=meeting.starts_at + DAY,
            reason=" ",
            acting_user=circle.coordinator,
        )
    with pytest.raises(ValidationError):
        services.meeting_move(
            meeting=meeting,
            starts_at=timezone.now() - DAY,
            reason="Venue closed",
            acting_user=circle.coordinator,
        )
    assert reload(meeting).starts_at == meeting.starts_at
    assert not Notification.objects.exists()


def test_a_cancelled_meeting_cannot_be_moved(circle):
    meeting = circle.meetings.upcoming().first()
    services.meeting_cancel(meeting=meeting, reason="Ill", acting_user=circle.coordinator)
    with pytest.raises(ValidationError):
        services.meeting_move(
            meeting=meeting,
            starts_at=meeting.starts_at + DAY,
            reason="x",
            acting_user=circle.coordinator,
        )


def test_a_moved_meeting_keeps_its_slot_and_tells_each_volunteer_once(circle):
    meeting = circle.meetings.upcoming().first()
    original = meeting.starts_at
    services.meeting_move(
        meeting=meeting,
        starts_at=original + DAY,
        reason="Venue closed",
        acting_user=circle.coordinator,
    )
    services.meetings_generate(circle=reload(circle))
    meeting = reload(meeting)
    assert (meeting.starts_at, meeting.moved_from) == (original + DAY, original)
    assert (meeting.moved_reason, meeting.moved_by) == ("Venue closed", circle.coordinator)
    assert not circle.meetings.filter(starts_at=original).exists()
    assert Notification.objects.count() == len(volunteer_users(circle))
    assert all("/meetings/" in n.link for n in Notification.objects.all())


def test_a_cancelled_meeting_stays_visible_tells_the_volunteers_and_is_never_missed(circle):
    meeting = circle.meetings.order_by("starts_at").first()
    services.meeting_cancel(meeting=meeting, reason="Venue flooded", acting_user=circle.coordinator)
    meeting = reload(meeting)
    assert (meeting.status, meeting.cancelled_by) == ("CANCELLED", circle.coordinator)
    assert meeting.cancelled_at is not None
    assert Notification.objects.count() == len(volunteer_users(circle))
    later = meeting.ends_at + datetime.timedelta(days=5)
    assert not Meeting.objects.minutes_outstanding(now=later).filter(pk=meeting.pk).exists()


# Bank holidays -----------------------------------------------------------------------------


def test_boxing_day_is_a_bank_holiday_in_every_uk_nation():
    for region in ("ENG", "WLS", "SCT", "NIR"):
        assert bank_holidays.holiday_name(datetime.date(2026, 12, 26), region) == "Boxing Day"
    assert bank_holidays.holiday_name(datetime.date(2026, 12, 23), "ENG") is None


def test_the_region_decides_which_days_are_bank_holidays(settings):
    second_of_january = datetime.date(2027, 1, 2)
    settings.COSA_BANK_HOLIDAY_REGION = "ENG"
    assert bank_holidays.holiday_name(second_of_january) is None
    settings.COSA_BANK_HOLIDAY_REGION = "SCT"
    assert bank_holidays.holiday_name(second_of_january)


def test_a_move_off_a_holiday_is_refused_for_a_normal_day(circle):
    meeting = next(m for m in circle.meetings.upcoming() if m.bank_holiday is None)
    with pytest.raises(ValidationError):
        services.meeting_move_off_holiday(meeting=meeting, acting_user=circle.coordinator)
    assert reload(meeting).moved_from is None


def test_a_meeting_on_boxing_day_moves_to_the_next_day_that_is_not_a_holiday(circle):
    boxing_day = next_boxing_day()
    meeting = Meeting.objects.create(
        circle=circle,
        starts_at=scheduling.local_to_utc(boxing_day, datetime.time(18, 30)),
        venue=circle.venue,
    )
    assert meeting.bank_holiday == "Boxing Day"
    moved = services.meeting_move_off_holiday(meeting=meeting, acting_user=circle.coordinator)
    local = timezone.localtime(moved.starts_at)
    assert local.date() == bank_holidays.next_working_day(boxing_day)
    assert bank_holidays.holiday_name(local.date()) is None
    assert local.time() == datetime.time(18, 30)
    assert moved.moved_reason == "Boxing Day is a bank holiday."
    with pytest.raises(ValidationError):
        services.meeting_move_off_holiday(meeting=moved, acting_user=circle.coordinator)


# Retention and subject access ----------------------------------------------------------------


def test_the_frequency_history_and_meeting_moves_are_exported_and_erased(circle, manager):
    from privacy import retention
    from privacy.models import ErasureLog

    taper(circle, from_date=today())
    meeting = circle.meetings.upcoming().first()
    services.meeting_move(
        meeting=meeting,
        starts_at=meeting.starts_at + DAY,
        reason="Hall booked by the parish",
        acting_user=circle.coordinator,
    )
    export = retention.subject_access_export(circle.core_member)
    [exported] = export["circles"]
    assert [f["frequency"] for f in exported["frequency_history"]] == ["Weekly", "Fortnightly"]
    assert exported["frequency_history"][1]["decided_by"].endswith("(Coordinator)")
    assert "Hall booked by the parish" in [m["moved_reason"] for m in exported["meetings"]]

    services.circle_end(circle=reload(circle), reason="COMPLETED", acting_user=circle.coordinator)
    log = retention.core_member_erase(
        core_member=reload(circle.core_member),
        acting_user=manager,
        basis=ErasureLog.Basis.REQUEST,
        reason="Asked",
    )
    assert log.counts["circles.frequencychange"] == 2
    assert not FrequencyChange.objects.filter(circle_id=circle.pk).exists()
    assert not Meeting.history.filter(moved_reason="Hall booked by the parish").exists()
