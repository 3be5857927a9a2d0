"""The database refuses what the circle models forbid; the services say so in words.

Each named constraint in ``circles/models.py`` is broken here with a raw write
(``objects.create`` or ``QuerySet.update``, which skip ``full_clean``) so the
refusal is the database's own. ``test_every_named_constraint_is_listed`` fails
when a constraint is added or renamed, so its test is written with it.
"""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from circles import services
from circles.models import (
    RISK_FIELDS,
    Circle,
    CircleMembership,
    Concern,
    Covenant,
    Cover,
    Frequency,
    Meeting,
    MeetingNote,
    OnCallShift,
    Reminder,
    ReviewMilestone,
)
from circles.tests.factories import (
    ActiveCircleFactory,
    CircleFactory,
    CircleMembershipFactory,
    ConcernFactory,
    CovenantFactory,
    MeetingFactory,
    MeetingNoteFactory,
    ReviewMilestoneFactory,
)
from coreMembers.models import Referral
from coreMembers.tests.factories import ReferralFactory
from volunteers.tests.factories import ActiveVolunteerFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 1)


def circle_row(core_member, coordinator, **fields):
    return {
        "core_member": core_member,
        "coordinator": coordinator,
        "name": "Second circle",
        **fields,
    }


# Circle -----------------------------------------------------------------------------------


def test_db_refuses_a_second_open_circle_for_a_core_member(db_refuses):
    first = CircleFactory()
    with db_refuses("circle_one_open_per_core_member"):
        Circle.objects.create(**circle_row(first.core_member, first.coordinator))
    assert Circle.objects.filter(core_member=first.core_member).count() == 1


@pytest.mark.parametrize("status", [Circle.Status.ACTIVE, Circle.Status.STEP_DOWN])
def test_db_refuses_a_second_open_circle_beside_a_launched_one(db_refuses, status):
    first = ActiveCircleFactory(status=status)
    with db_refuses("circle_one_open_per_core_member"):
        Circle.objects.create(**circle_row(first.core_member, first.coordinator))


def test_db_accepts_a_new_circle_once_the_last_has_ended():
    first = ActiveCircleFactory(status=Circle.Status.ENDED, ended_on=DAY, end_reason="COMPLETED")
    second = CircleFactory(core_member=first.core_member)
    assert second.is_open and not first.is_open


def test_db_accepts_two_ended_circles_for_one_core_member():
    first = ActiveCircleFactory(status=Circle.Status.ENDED, ended_on=DAY, end_reason="RECALLED")
    ActiveCircleFactory(
        core_member=first.core_member,
        status=Circle.Status.ENDED,
        ended_on=DAY,
        end_reason="COMPLETED",
    )
    assert Circle.objects.filter(core_member=first.core_member).count() == 2


@pytest.mark.parametrize(
    "fields",
    [
        {"ended_on": None, "end_reason": "COMPLETED"},
        {"ended_on": DAY, "end_reason": ""},
        {"ended_on": None, "end_reason": ""},
    ],
    ids=["no-date", "no-reason", "neither"],
)
def test_db_refuses_an_ended_circle_without_date_and_reason(db_refuses, fields):
    circle = ActiveCircleFactory()
    with db_refuses("circle_ended_has_date_and_reason"):
        Circle.objects.filter(pk=circle.pk).update(status=Circle.Status.ENDED, **fields)


@pytest.mark.parametrize("status", [Circle.Status.ACTIVE, Circle.Status.STEP_DOWN])
def test_db_refuses_a_launched_circle_without_a_launch_date(db_refuses, status):
    circle = CircleFactory()
    with db_refuses("circle_launched_has_date"):
        Circle.objects.filter(pk=circle.pk).update(status=status)


@pytest.mark.parametrize("weekday", [7, 9])
def test_db_refuses_a_weekday_outside_monday_to_sunday(db_refuses, weekday):
    circle = CircleFactory()
    with db_refuses("circle_weekday_valid"):
        Circle.objects.filter(pk=circle.pk).update(weekday=weekday)


# CircleMembership ---------------------------------------------------------------------------


def test_db_refuses_a_volunteer_twice_at_once_in_one_circle(db_refuses):
    first = CircleMembershipFactory()
    with db_refuses("membership_one_current_per_volunteer"):
        CircleMembership.objects.create(circle=first.circle, volunteer=first.volunteer)


def test_db_accepts_a_volunteer_rejoining_after_leaving():
    first = CircleMembershipFactory(left_on=timezone.localdate())
    again = CircleMembershipFactory(circle=first.circle, volunteer=first.volunteer)
    assert again.left_on is None


def test_db_accepts_one_volunteer_in_two_circles():
    first = CircleMembershipFactory()
    other = CircleMembershipFactory(volunteer=first.volunteer)
    assert other.circle != first.circle


def test_db_refuses_two_current_primary_volunteers(db_refuses):
    first = CircleMembershipFactory(role=CircleMembership.Role.PRIMARY)
    with db_refuses("membership_one_primary_per_circle"):
        CircleMembership.objects.create(
            circle=first.circle,
            volunteer=ActiveVolunteerFactory(),
            role=CircleMembership.Role.PRIMARY,
        )


def test_db_accepts_a_new_primary_once_the_last_has_left():
    first = CircleMembershipFactory(
        role=CircleMembership.Role.PRIMARY, left_on=timezone.localdate()
    )
    second = CircleMembershipFactory(circle=first.circle, role=CircleMembership.Role.PRIMARY)
    assert second.role == CircleMembership.Role.PRIMARY


def test_db_refuses_leaving_before_joining(db_refuses):
    membership = CircleMembershipFactory(joined_on=DAY)
    with db_refuses("membership_left_after_joined"):
        CircleMembership.objects.filter(pk=membership.pk).update(
            left_on=DAY - datetime.timedelta(days=1)
        )


# Covenant -------------------------------------------------------------------------------------


def test_db_refuses_two_covenants_with_one_version(db_refuses):
    first = CovenantFactory()
    with db_refuses("covenant_unique_version"):
        Covenant.objects.create(
            circle=first.circle,
            version=first.version,
            goals="Again",
            frequency=Frequency.FORTNIGHTLY,
            agreed_on=DAY,
        )


# Meeting --------------------------------------------------------------------------------------


def test_db_refuses_two_group_meetings_in_one_slot(db_refuses):
    first = MeetingFactory()
    with db_refuses("meeting_unique_slot_per_circle"):
        Meeting.objects.create(circle=first.circle, starts_at=first.starts_at, kind=first.kind)


def test_db_accepts_a_one_to_one_at_the_time_of_a_group_meeting():
    first = MeetingFactory()
    other = MeetingFactory(
        circle=first.circle, starts_at=first.starts_at, kind=Meeting.Kind.ONE_TO_ONE
    )
    assert other.pk != first.pk


def test_db_refuses_a_cancelled_meeting_without_a_reason(db_refuses):
    meeting = MeetingFactory()
    with db_refuses("meeting_cancelled_has_reason"):
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)


# MeetingNote ----------------------------------------------------------------------------------


def test_db_refuses_two_sets_of_minutes_for_one_meeting(db_refuses):
    first = MeetingNoteFactory()
    with db_refuses("meeting_note_one_per_meeting"):
        MeetingNote.objects.create(
            meeting=first.meeting, author=first.author, attendance="YES", summary="Again"
        )


def test_db_refuses_an_absence_without_a_reason(db_refuses):
    note = MeetingNoteFactory()
    with db_refuses("meeting_note_absence_has_reason"):
        MeetingNote.objects.filter(pk=note.pk).update(
            attendance=MeetingNote.Attendance.NO, absence_reason=""
        )


@pytest.mark.parametrize("status", [MeetingNote.Status.SUBMITTED, MeetingNote.Status.REVIEWED])
def test_db_refuses_submitted_minutes_without_a_submission_time(db_refuses, status):
    note = MeetingNoteFactory()
    with db_refuses("meeting_note_submitted_has_time"):
        MeetingNote.objects.filter(pk=note.pk).update(
            status=status,
            reviewed_by=note.meeting.circle.coordinator,
            reviewed_at=timezone.now(),
        )


@pytest.mark.parametrize(
    "missing", ["reviewed_by", "reviewed_at"], ids=["no-reviewer", "no-review-time"]
)
def test_db_refuses_reviewed_minutes_without_reviewer_and_time(db_refuses, missing):
    note = MeetingNoteFactory(status=MeetingNote.Status.SUBMITTED, submitted_at=timezone.now())
    review = {"reviewed_by": note.meeting.circle.coordinator, "reviewed_at": timezone.now()}
    review[missing] = None
    with db_refuses("meeting_note_reviewed_has_reviewer"):
        MeetingNote.objects.filter(pk=note.pk).update(status=MeetingNote.Status.REVIEWED, **review)


@pytest.mark.parametrize("field", RISK_FIELDS)
def test_db_refuses_a_risk_rating_above_three(db_refuses, field):
    note = MeetingNoteFactory()
    with db_refuses(f"meeting_note_{field}_0_to_3"):
        MeetingNote.objects.filter(pk=note.pk).update(**{field: 4})


@pytest.mark.parametrize("value", [None, 0, 3])
def test_db_accepts_risk_ratings_from_nothing_to_three(value):
    note = MeetingNoteFactory()
    MeetingNote.objects.filter(pk=note.pk).update(**dict.fromkeys(RISK_FIELDS, value))
    note.refresh_from_db()
    assert {getattr(note, field) for field in RISK_FIELDS} == {value}


# Concern --------------------------------------------------------------------------------------


def test_db_refuses_closing_a_concern_without_a_reason(db_refuses):
    concern = ConcernFactory()
    with db_refuses("concern_closed_has_reason"):
        Concern.objects.filter(pk=concern.pk).update(status=Concern.Status.CLOSED)


def test_db_refuses_a_shared_concern_without_its_record(db_refuses):
    concern = ConcernFactory(status=Concern.Status.TRIAGED)
    with db_refuses("concern_shared_has_record"):
        Concern.objects.filter(pk=concern.pk).update(status=Concern.Status.SHARED)


# ReviewMilestone --------------------------------------------------------------------------------


def test_db_refuses_two_milestones_of_one_kind_in_a_circle(db_refuses):
    first = ReviewMilestoneFactory()
    with db_refuses("milestone_unique_kind_per_circle"):
        ReviewMilestone.objects.create(circle=first.circle, kind=first.kind, due_on=DAY)


def test_db_refuses_a_completed_review_without_a_decision(db_refuses):
    milestone = ReviewMilestoneFactory()
    with db_refuses("milestone_completed_has_decision"):
        ReviewMilestone.objects.filter(pk=milestone.pk).update(completed_on=DAY)


# Reminder ---------------------------------------------------------------------------------------


def reminder_row(**fields):
    return {
        "kind": Reminder.Kind.MEETING,
        "object_id": 1,
        "period": "2026-06-04T17:30",
        "due_at": timezone.now(),
        **fields,
    }


def test_db_refuses_the_same_reminder_twice(db_refuses, coordinator):
    Reminder.objects.create(**reminder_row(recipient=coordinator))
    with db_refuses("reminder_unique_key"):
        Reminder.objects.create(**reminder_row(recipient=coordinator))
    assert Reminder.objects.count() == 1


def test_db_accepts_the_same_reminder_for_another_period_or_person(coordinator, other_coordinator):
    Reminder.objects.create(**reminder_row(recipient=coordinator))
    Reminder.objects.create(**reminder_row(recipient=coordinator, period="2026-06-11T17:30"))
    Reminder.objects.create(**reminder_row(recipient=other_coordinator))
    assert Reminder.objects.count() == 3


def test_db_refuses_a_skipped_reminder_that_is_not_done(db_refuses, coordinator):
    with db_refuses("reminder_skipped_is_done"):
        Reminder.objects.create(
            **reminder_row(recipient=coordinator, skipped_reason="Meeting cancelled")
        )


def cover_row(coordinator, deputy, **fields):
    return {
        "coordinator": coordinator,
        "deputy": deputy,
        "starts_on": datetime.date(2026, 6, 1),
        "ends_on": datetime.date(2026, 6, 5),
        "created_by": coordinator,
        **fields,
    }


def test_db_refuses_cover_that_ends_before_it_starts(db_refuses, coordinator, other_coordinator):
    with db_refuses("cover_ends_after_start"):
        Cover.objects.create(
            **cover_row(coordinator, other_coordinator, ends_on=datetime.date(2026, 5, 31))
        )


def test_db_refuses_a_coordinator_covering_themselves(db_refuses, coordinator):
    with db_refuses("cover_deputy_is_someone_else"):
        Cover.objects.create(**cover_row(coordinator, coordinator))


def test_db_accepts_one_day_cover_by_someone_else(coordinator, other_coordinator):
    one_day = datetime.date(2026, 6, 1)
    Cover.objects.create(
        **cover_row(coordinator, other_coordinator, starts_on=one_day, ends_on=one_day)
    )
    assert Cover.objects.count() == 1


def test_db_refuses_an_on_call_shift_that_ends_before_it_starts(db_refuses, coordinator):
    starts_at = timezone.now()
    with db_refuses("on_call_shift_ends_after_start"):
        OnCallShift.objects.create(
            staff=coordinator,
            phone="01632 960000",
            starts_at=starts_at,
            ends_at=starts_at,
            created_by=coordinator,
        )


# Completeness -----------------------------------------------------------------------------------


def test_every_named_constraint_is_listed():
    """The constraints tested above, one by one; a new one must join them."""
    declared = {
        c.name
        for model in apps.get_app_config("circles").get_models()
        for c in model._meta.constraints
    }
    expected = {
        "circle_one_open_per_core_member",
        "circle_ended_has_date_and_reason",
        "circle_launched_has_date",
        "circle_weekday_valid",
        "membership_one_current_per_volunteer",
        "membership_one_primary_per_circle",
        "membership_left_after_joined",
        "covenant_unique_version",
        "meeting_unique_slot_per_circle",
        "meeting_cancelled_has_reason",
        "meeting_note_one_per_meeting",
        "meeting_note_absence_has_reason",
        "meeting_note_submitted_has_time",
        "meeting_note_reviewed_has_reviewer",
        *(f"meeting_note_{field}_0_to_3" for field in RISK_FIELDS),
        "concern_closed_has_reason",
        "concern_shared_has_record",
        "milestone_unique_kind_per_circle",
        "milestone_completed_has_decision",
        "reminder_unique_key",
        "reminder_skipped_is_done",
        "cover_ends_after_start",
        "cover_deputy_is_someone_else",
        "on_call_shift_ends_after_start",
    }
    assert declared == expected, f"Test the new constraints: {sorted(declared ^ expected)}"


# The services say it in words ------------------------------------------------------------------


def test_service_refuses_a_second_circle_for_a_core_member_in_words(coordinator):
    first = CircleFactory(coordinator=coordinator)
    referral = ReferralFactory(
        core_member=first.core_member,
        status=Referral.Status.ACCEPTED,
        coordinator=coordinator,
    )
    with pytest.raises(ValidationError) as caught:
        services.circle_form(referral=referral, coordinator=coordinator, name="Second circle")
    assert caught.value.messages == ["This Core Member already has an open circle."]
    assert Circle.objects.filter(core_member=first.core_member).count() == 1


def test_service_refuses_a_volunteer_twice_in_one_circle_in_words(coordinator):
    membership = CircleMembershipFactory(circle__coordinator=coordinator)
    with pytest.raises(ValidationError) as caught:
        services.membership_add(
            circle=membership.circle, volunteer=membership.volunteer, acting_user=coordinator
        )
    assert caught.value.messages == ["This volunteer is already in this circle."]
    assert membership.circle.memberships.count() == 1


def test_service_refuses_a_second_primary_volunteer_in_words(coordinator):
    membership = CircleMembershipFactory(role=CircleMembership.Role.PRIMARY)
    with pytest.raises(ValidationError) as caught:
        services.membership_add(
            circle=membership.circle,
            volunteer=ActiveVolunteerFactory(),
            role=CircleMembership.Role.PRIMARY,
            acting_user=coordinator,
        )
    assert caught.value.messages == ["This circle already has a primary volunteer."]


def test_service_refuses_leaving_before_joining_in_words():
    membership = CircleMembershipFactory(joined_on=DAY)
    with pytest.raises(ValidationError) as caught:
        services.membership_end(membership=membership, left_on=DAY - datetime.timedelta(days=1))
    assert caught.value.messages == ["A volunteer cannot leave before joining."]
    membership.refresh_from_db()
    assert membership.left_on is None


@pytest.mark.parametrize("field", RISK_FIELDS)
def test_service_refuses_a_risk_rating_above_three_naming_the_field(field):
    meeting = MeetingFactory()
    author = meeting.circle.coordinator
    with pytest.raises(ValidationError) as caught:
        services.note_save(
            meeting=meeting, acting_user=author, attendance="YES", summary="Fine", **{field: 4}
        )
    assert field in caught.value.message_dict
    assert not MeetingNote.objects.exists()


def test_service_refuses_an_absence_without_a_reason_in_words():
    meeting = MeetingFactory()
    with pytest.raises(ValidationError) as caught:
        services.note_save(
            meeting=meeting,
            acting_user=meeting.circle.coordinator,
            attendance=MeetingNote.Attendance.NO,
            summary="He did not come.",
        )
    assert caught.value.messages == ["Say why the Core Member did not attend."]
    assert not MeetingNote.objects.exists()


def test_service_refuses_an_out_of_range_weekday_naming_the_field(coordinator):
    circle = CircleFactory(coordinator=coordinator)
    with pytest.raises(ValidationError) as caught:
        services.circle_set_pattern(circle=circle, weekday=7, acting_user=coordinator)
    assert "weekday" in caught.value.message_dict
    circle.refresh_from_db()
    assert circle.weekday != 7


def test_service_refuses_an_unknown_frequency_naming_the_field(coordinator):
    circle = CircleFactory(coordinator=coordinator)
    with pytest.raises(ValidationError) as caught:
        services.covenant_agree(
            circle=circle, goals="Meet", frequency="DAILY", acting_user=coordinator
        )
    assert "frequency" in caught.value.message_dict
    assert not circle.covenants.exists()


def test_db_accepts_leaving_on_the_joining_day():
    membership = CircleMembershipFactory(joined_on=DAY)
    CircleMembership.objects.filter(pk=membership.pk).update(left_on=F("joined_on"))
    membership.refresh_from_db()
    assert membership.left_on == DAY
