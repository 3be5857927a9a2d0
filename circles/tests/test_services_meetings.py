"""Inside a running circle: the covenant, meetings, minutes, concerns and reviews.

Every state machine refuses an illegal move with a ValidationError naming the
field, and leaves the row as it was:
meeting SCHEDULED → HELD | CANCELLED (reason) | MISSED, CANCELLED → SCHEDULED;
minutes DRAFT → SUBMITTED → REVIEWED (editable by the author until reviewed);
concern RAISED → TRIAGED → SHARED | CLOSED (reason), RAISED → CLOSED;
review milestone: one decision, recorded once.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.tests.factories import ManagerFactory
from circles import services
from circles.access import MinutesTaken
from circles.models import (
    Concern,
    Frequency,
    Meeting,
    MeetingNote,
    ReviewMilestone,
)
from circles.tests.factories import (
    ActiveCircleFactory,
    MeetingFactory,
    ReviewMilestoneFactory,
)
from coreMembers.tests.factories import InformationSharingRecordFactory
from sharing.models import InformationSharingRecord
from volunteers.tests.factories import ActiveVolunteerFactory

pytestmark = pytest.mark.django_db

MStatus = Meeting.Status
NStatus = MeetingNote.Status
CStatus = Concern.Status


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def circle(db):
    return ActiveCircleFactory()


def member(circle):
    """A volunteer user who joined ``circle`` (through the service) a month ago."""
    volunteer = ActiveVolunteerFactory()
    services.membership_add(
        circle=circle,
        volunteer=volunteer,
        joined_on=timezone.localdate() - datetime.timedelta(days=30),
        acting_user=circle.coordinator,
    )
    return volunteer.user


@pytest.fixture
def author(circle):
    return member(circle)


@pytest.fixture
def meeting(circle):
    return MeetingFactory(circle=circle)  # started yesterday, still SCHEDULED


def future_meeting(circle):
    return MeetingFactory(circle=circle, starts_at=timezone.now() + datetime.timedelta(days=2))


def minutes(meeting, user, **fields):
    fields = {"attendance": "YES", "summary": "A steady week.", **fields}
    return services.note_save(meeting=meeting, acting_user=user, **fields)


def submitted(meeting, user):
    return minutes(meeting, user, submit=True)


# Covenant --------------------------------------------------------------------------------------


def test_each_agreement_is_a_new_version_and_the_old_ones_are_kept(circle):
    first = services.covenant_agree(
        circle=circle, goals="  Meet weekly.  ", frequency=Frequency.WEEKLY, acting_user=None
    )
    second = services.covenant_agree(
        circle=circle,
        goals="Meet every other week.",
        frequency=Frequency.FORTNIGHTLY,
        acting_user=circle.coordinator,
    )
    assert (first.version, second.version) == (1, 2)
    assert first.goals == "Meet weekly."
    assert second.recorded_by == circle.coordinator
    assert second.agreed_on == timezone.localdate()
    assert list(circle.covenants.values_list("version", "frequency")) == [
        (2, Frequency.FORTNIGHTLY),
        (1, Frequency.WEEKLY),
    ]


def test_a_change_of_frequency_changes_the_circles_pattern(circle):
    services.covenant_agree(
        circle=circle, goals="Monthly now.", frequency=Frequency.MONTHLY, acting_user=None
    )
    circle.refresh_from_db()
    assert circle.frequency == Frequency.MONTHLY
    assert circle.pattern_starts_on == timezone.localdate()


def test_re_agreeing_the_same_frequency_leaves_the_pattern_alone(circle):
    services.meetings_generate(circle=circle)
    meetings = set(circle.meetings.values_list("pk", flat=True))
    pattern_starts_on = circle.pattern_starts_on

    services.covenant_agree(
        circle=circle, goals="New goals, same rhythm.", frequency=circle.frequency
    )

    circle.refresh_from_db()
    assert circle.pattern_starts_on == pattern_starts_on
    assert set(circle.meetings.values_list("pk", flat=True)) == meetings
    assert circle.covenants.count() == 1


@pytest.mark.parametrize("goals", ["", "   \n"])
def test_a_covenant_needs_goals(circle, goals):
    with pytest.raises(ValidationError) as caught:
        services.covenant_agree(circle=circle, goals=goals, frequency=Frequency.WEEKLY)
    assert caught.value.message_dict == {"goals": ["Write the circle's goals."]}
    assert not circle.covenants.exists()


# Meetings ---------------------------------------------------------------------------------------


def test_cancelling_needs_a_reason(meeting):
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as caught:
            services.meeting_cancel(
                meeting=meeting, reason=reason, acting_user=meeting.circle.coordinator
            )
        assert caught.value.message_dict == {"cancelled_reason": ["Give a reason for cancelling."]}
    assert reload(meeting).status == MStatus.SCHEDULED


def test_a_scheduled_meeting_is_cancelled_with_its_reason(meeting):
    services.meeting_cancel(
        meeting=meeting, reason="  Venue flooded ", acting_user=meeting.circle.coordinator
    )
    meeting = reload(meeting)
    assert (meeting.status, meeting.cancelled_reason) == (MStatus.CANCELLED, "Venue flooded")


@pytest.mark.parametrize("status", [MStatus.HELD, MStatus.MISSED])
def test_a_meeting_that_happened_cannot_be_cancelled(meeting, status):
    services.meeting_mark(meeting=meeting, status=status, acting_user=meeting.circle.coordinator)
    with pytest.raises(ValidationError) as caught:
        services.meeting_cancel(
            meeting=meeting, reason="Too late", acting_user=meeting.circle.coordinator
        )
    assert "status" in caught.value.message_dict
    assert reload(meeting).status == status


def test_a_cancelled_meeting_cannot_be_cancelled_again(meeting):
    services.meeting_cancel(meeting=meeting, reason="Ill", acting_user=meeting.circle.coordinator)
    with pytest.raises(ValidationError) as caught:
        services.meeting_cancel(
            meeting=meeting, reason="Again", acting_user=meeting.circle.coordinator
        )
    assert caught.value.message_dict == {"status": ["Cannot move from Cancelled to Cancelled."]}
    assert reload(meeting).cancelled_reason == "Ill"


@pytest.mark.parametrize("status", [MStatus.HELD, MStatus.MISSED])
def test_a_past_meeting_is_marked_held_or_missed(meeting, status):
    services.meeting_mark(meeting=meeting, status=status, acting_user=meeting.circle.coordinator)
    assert reload(meeting).status == status


@pytest.mark.parametrize("status", [MStatus.HELD, MStatus.MISSED])
def test_a_future_meeting_cannot_be_held_or_missed_yet(circle, status):
    meeting = future_meeting(circle)
    with pytest.raises(ValidationError) as caught:
        services.meeting_mark(meeting=meeting, status=status, acting_user=circle.coordinator)
    assert caught.value.message_dict == {
        "status": ["A meeting in the future cannot be held or missed yet."]
    }
    assert reload(meeting).status == MStatus.SCHEDULED


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (MStatus.HELD, MStatus.MISSED),
        (MStatus.MISSED, MStatus.HELD),
        (MStatus.HELD, MStatus.SCHEDULED),
        (MStatus.SCHEDULED, MStatus.SCHEDULED),
        (MStatus.SCHEDULED, "POSTPONED"),
    ],
)
def test_illegal_meeting_moves_are_refused(meeting, start, to):
    Meeting.objects.filter(pk=meeting.pk).update(status=start)
    meeting = reload(meeting)
    with pytest.raises(ValidationError) as caught:
        services.meeting_mark(meeting=meeting, status=to, acting_user=meeting.circle.coordinator)
    assert "status" in caught.value.message_dict
    assert reload(meeting).status == start


def test_marking_a_meeting_cancelled_without_a_reason_is_a_validation_error(meeting):
    with pytest.raises(ValidationError) as caught:
        services.meeting_mark(
            meeting=meeting, status=MStatus.CANCELLED, acting_user=meeting.circle.coordinator
        )
    assert caught.value.messages == ["A cancelled meeting needs a reason."]
    assert reload(meeting).status == MStatus.SCHEDULED


def test_a_cancelled_meeting_can_be_reinstated(circle):
    meeting = future_meeting(circle)
    services.meeting_cancel(meeting=meeting, reason="Clash", acting_user=circle.coordinator)
    services.meeting_mark(meeting=meeting, status=MStatus.SCHEDULED, acting_user=circle.coordinator)
    assert reload(meeting).status == MStatus.SCHEDULED


def test_a_contact_is_logged_as_held_or_scheduled_by_its_time(circle):
    past = services.meeting_log_contact(
        circle=circle,
        kind=Meeting.Kind.PHONE,
        starts_at=timezone.now() - datetime.timedelta(hours=3),
        acting_user=circle.coordinator,
    )
    coming = services.meeting_log_contact(
        circle=circle,
        kind=Meeting.Kind.ONE_TO_ONE,
        starts_at=timezone.now() + datetime.timedelta(days=1),
        acting_user=circle.coordinator,
    )
    assert (past.status, coming.status) == (MStatus.HELD, MStatus.SCHEDULED)
    with pytest.raises(ValidationError) as caught:
        services.meeting_log_contact(
            circle=circle,
            kind=Meeting.Kind.GROUP,
            starts_at=timezone.now(),
            acting_user=circle.coordinator,
        )
    assert "kind" in caught.value.message_dict


# Minutes ------------------------------------------------------------------------------------------


def test_minutes_are_refused_before_the_meeting_starts(circle, author):
    with pytest.raises(ValidationError) as caught:
        minutes(future_meeting(circle), author)
    assert caught.value.messages == ["Minutes can be written once the meeting has started."]
    assert not MeetingNote.objects.exists()


def test_minutes_are_refused_for_a_cancelled_meeting(meeting, author):
    services.meeting_cancel(meeting=meeting, reason="Ill", acting_user=meeting.circle.coordinator)
    with pytest.raises(ValidationError) as caught:
        minutes(meeting, author)
    assert caught.value.messages == ["This meeting was cancelled."]
    assert not MeetingNote.objects.exists()


def test_minutes_start_as_a_draft_and_mark_the_meeting_held(meeting, author):
    note = minutes(meeting, author, risk_mood=2)
    assert note.status == NStatus.DRAFT
    assert note.author == author
    assert note.submitted_at is None
    assert note.risk_mood == 2
    assert reload(meeting).status == MStatus.HELD


def test_minutes_of_an_absence_mark_the_meeting_missed(meeting, author):
    note = minutes(meeting, author, attendance="NO", absence_reason="Hospital appointment")
    assert note.absence_reason == "Hospital appointment"
    assert reload(meeting).status == MStatus.MISSED


def test_an_absence_reason_is_dropped_when_he_attended(meeting, author):
    note = minutes(meeting, author, attendance="LATE", absence_reason="Bus late")
    assert note.absence_reason == ""


def test_submitting_stamps_the_time(meeting, author):
    note = submitted(meeting, author)
    assert note.status == NStatus.SUBMITTED
    assert note.submitted_at is not None


def test_the_author_edits_until_review_and_history_is_kept(meeting, author):
    note = submitted(meeting, author)
    submitted_at = note.submitted_at

    edited = minutes(meeting, author, summary="A steady week; job interview on Friday.")

    assert edited.pk == note.pk
    assert edited.status == NStatus.SUBMITTED
    assert edited.submitted_at == submitted_at
    assert reload(note).summary == "A steady week; job interview on Friday."
    assert [h.summary for h in note.history.order_by("history_date")] == [
        "A steady week.",
        "A steady week.",
        "A steady week; job interview on Friday.",
    ][-note.history.count() :]
    assert MeetingNote.objects.filter(meeting=meeting).count() == 1


def test_another_volunteer_cannot_change_the_minutes(circle, meeting, author):
    note = minutes(meeting, author)
    # Refused as a permission, with the minutes that won, so the page can keep the text.
    with pytest.raises(MinutesTaken) as caught:
        minutes(meeting, member(circle), summary="Rewritten")
    assert str(caught.value) == "Only the author can change these minutes."
    assert caught.value.note == note
    assert reload(note).summary == "A steady week."


def test_reviewed_minutes_are_read_only_even_for_the_author(circle, meeting, author):
    note = submitted(meeting, author)
    services.note_review(note=note, acting_user=circle.coordinator, comment="Thank you.")
    with pytest.raises(ValidationError) as caught:
        minutes(meeting, author, summary="Changed afterwards")
    assert caught.value.messages == ["Reviewed minutes are read-only."]
    assert reload(note).summary == "A steady week."


def test_only_the_circles_volunteers_can_be_recorded_present(circle, meeting, author):
    present = ActiveVolunteerFactory()  # not in this circle
    with pytest.raises(ValidationError) as caught:
        minutes(meeting, author, volunteers_present=[present])
    assert caught.value.message_dict == {
        "volunteers_present": ["Only the circle's volunteers can be present."]
    }
    assert not MeetingNote.objects.exists()
    assert reload(meeting).status == MStatus.SCHEDULED


def test_the_volunteers_present_are_recorded(circle, meeting, author):
    colleague = member(circle)
    note = minutes(
        meeting,
        author,
        volunteers_present=[author.volunteer, colleague.volunteer],
    )
    assert set(note.volunteers_present.all()) == {author.volunteer, colleague.volunteer}


def test_unknown_fields_are_refused(meeting, author):
    with pytest.raises(ValidationError):
        minutes(meeting, author, reviewed_by=author)
    assert not MeetingNote.objects.exists()


def test_a_draft_cannot_be_reviewed(circle, meeting, author):
    note = minutes(meeting, author)
    with pytest.raises(ValidationError) as caught:
        services.note_review(note=note, acting_user=circle.coordinator)
    assert caught.value.message_dict == {"status": ["Cannot move from Draft to Reviewed."]}
    assert reload(note).status == NStatus.DRAFT


def test_the_coordinator_reviews_submitted_minutes(circle, meeting, author):
    note = submitted(meeting, author)
    services.note_review(note=note, acting_user=circle.coordinator, comment="  Well noted. ")
    note = reload(note)
    assert note.status == NStatus.REVIEWED
    assert note.reviewed_by == circle.coordinator
    assert note.reviewed_at is not None
    assert note.review_comment == "Well noted."
    assert not note.is_editable


def test_a_manager_may_review_minutes(meeting, author):
    note = submitted(meeting, author)
    services.note_review(note=note, acting_user=ManagerFactory())
    assert reload(note).status == NStatus.REVIEWED


def test_minutes_are_reviewed_once(circle, meeting, author):
    note = submitted(meeting, author)
    services.note_review(note=note, acting_user=circle.coordinator)
    with pytest.raises(ValidationError) as caught:
        services.note_review(note=reload(note), acting_user=circle.coordinator)
    assert "status" in caught.value.message_dict


def test_a_volunteer_cannot_review_minutes(circle, meeting, author):
    note = submitted(meeting, author)
    with pytest.raises(ValidationError):
        services.note_review(note=note, acting_user=member(circle))
    assert reload(note).status == NStatus.SUBMITTED


# Concerns ------------------------------------------------------------------------------------


def raise_concern(circle, user, **fields):
    fields = {
        "category": Concern.Category.RISK_BEHAVIOUR,
        "severity": Concern.Severity.AMBER,
        "description": "Talked about visiting the park near the school.",
        **fields,
    }
    return services.concern_raise(circle=circle, acting_user=user, **fields)


def shared_record(circle):
    return InformationSharingRecordFactory(
        core_member=circle.core_member,
        circle=circle,
        status=InformationSharingRecord.Status.SHARED,
        shared_at=timezone.now(),
        created_by=circle.coordinator,
    )


def test_a_concern_is_raised(circle, author, meeting):
    concern = raise_concern(circle, author, meeting=meeting, imminent_risk=True)
    assert concern.status == CStatus.RAISED
    assert concern.raised_by == author
    assert concern.meeting == meeting
    assert concern.imminent_risk


def test_a_concern_cannot_point_at_another_circles_meeting(circle, author):
    elsewhere = MeetingFactory()
    with pytest.raises(ValidationError) as caught:
        raise_concern(circle, author, meeting=elsewhere)
    assert caught.value.message_dict == {"meeting": ["That meeting belongs to another circle."]}
    assert not Concern.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"), [("severity", "PURPLE"), ("category", "GOSSIP"), ("severity", "")]
)
def test_a_concern_with_bad_choices_names_the_field(circle, author, field, value):
    with pytest.raises(ValidationError) as caught:
        raise_concern(circle, author, **{field: value})
    assert field in caught.value.message_dict
    assert not Concern.objects.exists()


def test_triage_records_who_and_when(circle, author):
    concern = raise_concern(circle, author)
    services.concern_triage(concern=concern, acting_user=circle.coordinator, notes=" Call OM ")
    concern = reload(concern)
    assert concern.status == CStatus.TRIAGED
    assert concern.triaged_by == circle.coordinator
    assert concern.triaged_at is not None
    assert concern.triage_notes == "Call OM"


def test_a_concern_is_triaged_once(circle, author):
    concern = raise_concern(circle, author)
    services.concern_triage(concern=concern, acting_user=circle.coordinator)
    with pytest.raises(ValidationError) as caught:
        services.concern_triage(concern=reload(concern), acting_user=circle.coordinator)
    assert caught.value.message_dict == {"status": ["Cannot move from Triaged to Triaged."]}


@pytest.mark.parametrize("triage_first", [False, True], ids=["from-raised", "from-triaged"])
def test_closing_needs_a_reason(circle, author, triage_first):
    concern = raise_concern(circle, author)
    if triage_first:
        services.concern_triage(concern=concern, acting_user=circle.coordinator)
    with pytest.raises(ValidationError) as caught:
        services.concern_close(concern=reload(concern), acting_user=circle.coordinator, reason=" ")
    assert caught.value.message_dict == {
        "closed_reason": ["Give a reason for closing the concern."]
    }
    assert reload(concern).status != CStatus.CLOSED


def test_closing_straight_from_raised_counts_as_triage(circle, author):
    concern = raise_concern(circle, author)
    services.concern_close(
        concern=concern, acting_user=circle.coordinator, reason="Misunderstanding; checked."
    )
    concern = reload(concern)
    assert concern.status == CStatus.CLOSED
    assert concern.closed_reason == "Misunderstanding; checked."
    assert concern.triaged_by == circle.coordinator
    assert concern.triaged_at is not None


def test_closing_after_triage_keeps_the_triage(circle, author):
    concern = raise_concern(circle, author)
    services.concern_triage(concern=concern, acting_user=circle.coordinator)
    triaged_at = reload(concern).triaged_at
    services.concern_close(concern=reload(concern), acting_user=ManagerFactory(), reason="Done")
    concern = reload(concern)
    assert concern.status == CStatus.CLOSED
    assert (concern.triaged_by, concern.triaged_at) == (circle.coordinator, triaged_at)


def test_a_closed_concern_cannot_be_reopened_or_closed_again(circle, author):
    concern = raise_concern(circle, author)
    services.concern_close(concern=concern, acting_user=circle.coordinator, reason="Done")
    with pytest.raises(ValidationError):
        services.concern_triage(concern=reload(concern), acting_user=circle.coordinator)
    with pytest.raises(ValidationError):
        services.concern_close(concern=reload(concern), acting_user=circle.coordinator, reason="x")
    with pytest.raises(ValidationError):
        services.concern_mark_shared(
            concern=reload(concern), record=shared_record(circle), acting_user=circle.coordinator
        )
    assert reload(concern).closed_reason == "Done"


def test_a_concern_is_marked_shared_only_with_a_shared_record(circle, author):
    concern = raise_concern(circle, author)
    services.concern_triage(concern=concern, acting_user=circle.coordinator)
    draft = InformationSharingRecordFactory(core_member=circle.core_member)
    with pytest.raises(ValidationError) as caught:
        services.concern_mark_shared(
            concern=reload(concern), record=draft, acting_user=circle.coordinator
        )
    assert caught.value.message_dict == {"shared_record": ["The record has not been shared yet."]}
    assert reload(concern).status == CStatus.TRIAGED


def test_an_untriaged_concern_cannot_be_marked_shared(circle, author):
    concern = raise_concern(circle, author)
    with pytest.raises(ValidationError) as caught:
        services.concern_mark_shared(
            concern=concern, record=shared_record(circle), acting_user=circle.coordinator
        )
    assert caught.value.message_dict == {
        "status": ["Cannot move from Raised to Shared with the outer circle."]
    }
    assert reload(concern).shared_record is None


def test_a_triaged_concern_is_marked_shared_and_is_then_final(circle, author):
    concern = raise_concern(circle, author)
    services.concern_triage(concern=concern, acting_user=circle.coordinator)
    record = shared_record(circle)

    services.concern_mark_shared(concern=reload(concern), record=record, acting_user=None)

    concern = reload(concern)
    assert (concern.status, concern.shared_record) == (CStatus.SHARED, record)
    with pytest.raises(ValidationError):
        services.concern_close(concern=concern, acting_user=circle.coordinator, reason="Done")
    assert reload(concern).status == CStatus.SHARED


# Reviews -------------------------------------------------------------------------------------


def review(milestone, decision, **kwargs):
    return services.review_record(
        milestone=milestone,
        decision=decision,
        attendees="Coordinator, three volunteers, the Core Member",
        progress_notes="Settled; working two days a week.",
        acting_user=milestone.circle.coordinator,
        **kwargs,
    )


def test_a_continue_decision_is_recorded_and_the_circle_carries_on():
    milestone = ReviewMilestoneFactory()
    review(milestone, ReviewMilestone.Decision.CONTINUE)
    milestone = reload(milestone)
    assert milestone.decision == ReviewMilestone.Decision.CONTINUE
    assert milestone.completed_on == timezone.localdate()
    assert milestone.completed_by == milestone.circle.coordinator
    assert milestone.progress_notes == "Settled; working two days a week."
    assert reload(milestone.circle).status == "ACTIVE"


def test_a_step_down_decision_steps_the_circle_down():
    milestone = ReviewMilestoneFactory(kind=ReviewMilestone.Kind.MONTH_12)
    review(milestone, ReviewMilestone.Decision.STEP_DOWN)
    assert reload(milestone.circle).status == "STEP_DOWN"


def test_a_step_down_decision_for_a_circle_already_stepping_down_changes_nothing():
    milestone = ReviewMilestoneFactory(circle__status="STEP_DOWN")
    review(milestone, ReviewMilestone.Decision.STEP_DOWN)
    assert reload(milestone.circle).status == "STEP_DOWN"
    assert reload(milestone).decision == ReviewMilestone.Decision.STEP_DOWN


def test_an_end_decision_is_recorded_on_the_given_date():
    milestone = ReviewMilestoneFactory(kind=ReviewMilestone.Kind.MONTH_12)
    on = timezone.localdate() - datetime.timedelta(days=3)
    review(milestone, ReviewMilestone.Decision.END, completed_on=on)
    milestone = reload(milestone)
    assert (milestone.decision, milestone.completed_on) == (ReviewMilestone.Decision.END, on)


@pytest.mark.parametrize("decision", ["", "PAUSE"])
def test_a_review_needs_a_known_decision(decision):
    milestone = ReviewMilestoneFactory()
    with pytest.raises(ValidationError) as caught:
        review(milestone, decision)
    assert caught.value.message_dict == {"decision": ["Choose continue, step down or end."]}
    assert reload(milestone).completed_on is None


def test_a_review_is_recorded_once():
    milestone = ReviewMilestoneFactory()
    review(milestone, ReviewMilestone.Decision.CONTINUE)
    with pytest.raises(ValidationError) as caught:
        review(reload(milestone), ReviewMilestone.Decision.STEP_DOWN)
    assert caught.value.message_dict == {"completed_on": ["This review has already been recorded."]}
    milestone = reload(milestone)
    assert milestone.decision == ReviewMilestone.Decision.CONTINUE
    assert reload(milestone.circle).status == "ACTIVE"
