"""A circle's life: formed → launched → stepping down → ended, and who is in it.

FORMING → ACTIVE → STEP_DOWN → ENDED (DESIGN §3). Launching needs a current
sharing agreement, three ready volunteers and a covenant; it schedules the
reviews and the meetings. Joining or leaving a circle grants or removes access
at once.
"""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.services import user_deactivate
from accounts.tests.factories import CoordinatorFactory, LiaisonFactory, VolunteerUserFactory
from circles import services
from circles.models import Circle, CircleMembership, Meeting
from circles.tests.factories import (
    ActiveCircleFactory,
    CircleFactory,
    MeetingFactory,
    launchable_circle,
)
from coreMembers import services as cm_services
from coreMembers.models import CoreMember, Referral
from coreMembers.tests.factories import ReferralFactory, SharingAgreementFactory
from volunteers.models import TrainingRecord, Volunteer
from volunteers.tests.factories import ActiveVolunteerFactory, VolunteerFactory

pytestmark = pytest.mark.django_db

Status = Circle.Status
NO_AGREEMENT = "The Core Member has no current information-sharing agreement."
NO_COVENANT = "No covenant has been agreed."


def reload(obj):
    """A fresh row: guardian caches permissions on the user instance."""
    return type(obj).objects.get(pk=obj.pk)


def too_few(ready):
    return (
        "At least 3 matched volunteers need a current DBS check and completed training; "
        f"{ready} do."
    )


def join(circle, volunteer=None, **kwargs):
    return services.membership_add(
        circle=circle,
        volunteer=volunteer or ActiveVolunteerFactory(),
        acting_user=circle.coordinator,
        **kwargs,
    )


def launched(**kwargs):
    circle = launchable_circle(**kwargs)
    return services.circle_launch(circle=circle, acting_user=circle.coordinator)


# Forming -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [Referral.Status.RECEIVED, Referral.Status.ASSESSING, Referral.Status.DECLINED]
)
def test_it_refuses_to_form_a_circle_from_a_referral_that_is_not_accepted(coordinator, status):
    referral = ReferralFactory(status=status, decision_reason="x", coordinator=coordinator)
    with pytest.raises(ValidationError) as caught:
        services.circle_form(referral=referral, coordinator=coordinator, name="Circle")
    assert caught.value.message_dict == {
        "referral": ["A circle is formed only from an accepted referral."]
    }
    assert not Circle.objects.exists()


@pytest.mark.parametrize(
    "make", [VolunteerUserFactory, LiaisonFactory], ids=["volunteer", "liaison"]
)
def test_it_refuses_a_coordinator_who_is_not_one(make):
    referral = ReferralFactory(status=Referral.Status.ACCEPTED)
    with pytest.raises(ValidationError) as caught:
        services.circle_form(referral=referral, coordinator=make(), name="Circle")
    assert "coordinator" in caught.value.message_dict
    assert not Circle.objects.exists()


def test_it_refuses_a_deactivated_coordinator():
    coordinator = CoordinatorFactory()
    user_deactivate(user=coordinator)
    referral = ReferralFactory(status=Referral.Status.ACCEPTED)
    with pytest.raises(ValidationError) as caught:
        services.circle_form(referral=referral, coordinator=reload(coordinator), name="Circle")
    assert "coordinator" in caught.value.message_dict


def test_forming_gives_the_coordinator_the_circle_and_the_core_member(coordinator):
    referral = ReferralFactory(
        status=Referral.Status.ACCEPTED, core_member__status=CoreMember.Status.ACCEPTED
    )
    circle = services.circle_form(
        referral=referral, coordinator=coordinator, name="Tuesday circle", venue="Hall"
    )
    assert circle.status == Status.FORMING
    assert circle.core_member == referral.core_member
    coordinator = reload(coordinator)
    for perm in ("view_circle", "change_circle", "view_briefing"):
        assert coordinator.has_perm(f"circles.{perm}", circle)
    assert coordinator.has_perm("core_members.view_identity", circle.core_member)
    assert not reload(CoordinatorFactory()).has_perm("circles.view_circle", circle)


def test_only_a_manager_hands_a_circle_to_another_coordinator(other_coordinator):
    circle = launchable_circle()
    previous = circle.coordinator
    for user in (previous, other_coordinator, circle.memberships.first().volunteer.user):
        with pytest.raises(ValidationError):
            services.circle_change_coordinator(
                circle=circle, coordinator=other_coordinator, acting_user=user
            )
        with pytest.raises(ValidationError):
            services.coordinator_handover(
                core_member=circle.core_member, coordinator=other_coordinator, acting_user=user
            )
    assert reload(circle).coordinator == previous
    assert reload(circle.core_member).coordinator == previous
    assert reload(previous).has_perm("circles.change_circle", circle)


def test_changing_the_coordinator_moves_the_circle_and_the_record_at_once(
    other_coordinator, manager
):
    circle = launchable_circle()
    previous = circle.coordinator

    services.circle_change_coordinator(
        circle=circle, coordinator=other_coordinator, acting_user=manager
    )

    assert reload(circle).coordinator == other_coordinator
    new, old = reload(other_coordinator), reload(previous)
    for perm in ("view_circle", "change_circle", "view_briefing"):
        assert new.has_perm(f"circles.{perm}", circle)
        assert not old.has_perm(f"circles.{perm}", circle)
    assert new.has_perm("core_members.view_coremember", circle.core_member)
    assert not old.has_perm("core_members.view_coremember", circle.core_member)
    # The volunteers keep the circle.
    member = circle.memberships.first().volunteer.user
    assert reload(member).has_perm("circles.view_circle", circle)


def test_a_handover_from_the_circle_page_moves_the_referral_as_the_core_member_page_does(
    other_coordinator, manager
):
    circle = launchable_circle()
    referral = circle.core_member.referrals.get()

    services.circle_change_coordinator(
        circle=circle, coordinator=other_coordinator, acting_user=manager
    )

    referral.refresh_from_db()
    assert referral.coordinator == other_coordinator
    assert reload(circle.core_member).coordinator == other_coordinator
    # The move is in the referral's history, by the manager who handed over.
    latest = referral.history.latest()
    assert (latest.coordinator_id, latest.history_user) == (other_coordinator.pk, manager)


def test_a_handover_from_the_core_member_moves_the_open_circle_and_its_grants(
    other_coordinator, manager
):
    circle = launchable_circle()
    previous = circle.coordinator

    services.coordinator_handover(
        core_member=circle.core_member, coordinator=other_coordinator, acting_user=manager
    )

    assert reload(circle).coordinator == other_coordinator
    assert reload(other_coordinator).has_perm("circles.change_circle", circle)
    assert not reload(previous).has_perm("circles.change_circle", circle)
    assert circle.core_member.referrals.get().coordinator == other_coordinator


def test_the_coordinator_cannot_be_changed_to_a_volunteer(manager):
    circle = launchable_circle()
    with pytest.raises(ValidationError) as caught:
        services.circle_change_coordinator(
            circle=circle, coordinator=VolunteerUserFactory(), acting_user=manager
        )
    assert "coordinator" in caught.value.message_dict
    assert reload(circle.coordinator).has_perm("circles.change_circle", circle)


# Launch conditions -----------------------------------------------------------------------------


def test_a_circle_meeting_every_condition_has_no_blockers():
    assert services.circle_launch_blockers(launchable_circle()) == []


def test_a_missing_sharing_agreement_blocks_the_launch():
    circle = launchable_circle(with_agreement=False)
    assert services.circle_launch_blockers(circle) == [NO_AGREEMENT]


def test_a_withdrawn_sharing_agreement_blocks_the_launch():
    circle = launchable_circle()
    cm_services.sharing_agreement_withdraw(
        agreement=circle.core_member.sharing_agreements.get(), reason="Changed his mind"
    )
    assert services.circle_launch_blockers(circle) == [NO_AGREEMENT]


def test_an_expired_sharing_agreement_blocks_the_launch():
    circle = launchable_circle(with_agreement=False)
    today = timezone.localdate()
    SharingAgreementFactory(
        core_member=circle.core_member,
        signed_on=today - datetime.timedelta(days=400),
        expires_on=today,  # expires at the start of today
    )
    assert services.circle_launch_blockers(circle) == [NO_AGREEMENT]


def test_an_agreement_signed_in_the_future_does_not_count_yet():
    circle = launchable_circle(with_agreement=False)
    SharingAgreementFactory(
        core_member=circle.core_member,
        signed_on=timezone.localdate() + datetime.timedelta(days=1),
    )
    assert services.circle_launch_blockers(circle) == [NO_AGREEMENT]


def test_fewer_than_three_volunteers_block_the_launch():
    assert services.circle_launch_blockers(launchable_circle(volunteers=2)) == [too_few(2)]


def test_a_volunteer_whose_dbs_check_is_out_of_date_is_not_counted():
    circle = launchable_circle(volunteers=2)
    four_years_ago = timezone.localdate() - relativedelta(years=4)
    join(circle, ActiveVolunteerFactory(dbs_check__issued_on=four_years_ago))
    assert services.circle_launch_blockers(circle) == [too_few(2)]


def test_a_volunteer_without_the_initial_training_is_not_counted():
    circle = launchable_circle(volunteers=2)
    join(
        circle,
        ActiveVolunteerFactory(initial_training__course=TrainingRecord.Course.SAFEGUARDING),
    )
    assert services.circle_launch_blockers(circle) == [too_few(2)]


def test_a_volunteer_who_has_left_is_not_counted():
    circle = launchable_circle(volunteers=3)
    services.membership_end(membership=circle.memberships.first(), reason="Moved away")
    assert services.circle_launch_blockers(circle) == [too_few(2)]


def test_a_missing_covenant_blocks_the_launch():
    assert services.circle_launch_blockers(launchable_circle(with_covenant=False)) == [NO_COVENANT]


def test_every_unmet_condition_is_named_at_once():
    circle = launchable_circle(with_agreement=False, volunteers=1, with_covenant=False, venue="")
    assert services.circle_launch_blockers(circle) == [
        NO_AGREEMENT,
        too_few(1),
        NO_COVENANT,
        "The meeting pattern has no venue.",
    ]


def test_a_refused_launch_changes_nothing():
    circle = launchable_circle(with_agreement=False, volunteers=2)
    with pytest.raises(ValidationError) as caught:
        services.circle_launch(circle=circle, acting_user=circle.coordinator)
    assert caught.value.messages == [NO_AGREEMENT, too_few(2)]
    circle.refresh_from_db()
    assert circle.status == Status.FORMING
    assert circle.launched_on is None
    assert not circle.milestones.exists()
    assert not circle.meetings.exists()
    assert reload(circle.core_member).status == CoreMember.Status.ACCEPTED


# Launching ---------------------------------------------------------------------------------------


def test_launching_starts_the_circle_and_schedules_reviews_and_meetings():
    circle = launchable_circle()
    today = timezone.localdate()

    services.circle_launch(circle=circle, acting_user=circle.coordinator)

    circle.refresh_from_db()
    assert circle.status == Status.ACTIVE
    assert circle.launched_on == today
    assert circle.planned_end_on == today + relativedelta(months=12)
    assert reload(circle.core_member).status == CoreMember.Status.IN_CIRCLE
    assert list(circle.milestones.values_list("kind", "due_on")) == [
        ("M3", today + relativedelta(months=3)),
        ("M6", today + relativedelta(months=6)),
        ("M9", today + relativedelta(months=9)),
        ("M12", today + relativedelta(months=12)),
    ]
    meetings = circle.meetings.all()
    assert 4 <= len(meetings) <= 6
    assert {m.status for m in meetings} == {Meeting.Status.SCHEDULED}
    assert {m.kind for m in meetings} == {Meeting.Kind.GROUP}
    assert all(m.starts_at >= timezone.now() for m in meetings)
    assert {timezone.localtime(m.starts_at).weekday() for m in meetings} == {circle.weekday}


def test_a_through_the_gate_circle_runs_18_months_with_reviews_to_the_end():
    circle = launchable_circle(kind=Circle.Kind.THROUGH_THE_GATE)
    launched_on = timezone.localdate() - datetime.timedelta(days=10)

    services.circle_launch(circle=circle, acting_user=circle.coordinator, launched_on=launched_on)

    circle.refresh_from_db()
    assert circle.launched_on == launched_on
    assert circle.planned_end_on == launched_on + relativedelta(months=18)
    assert list(circle.milestones.values_list("kind", "due_on")) == [
        (f"M{months}", launched_on + relativedelta(months=months))
        for months in (3, 6, 9, 12, 15, 18)
    ]


def test_a_launched_circle_cannot_be_launched_again():
    circle = launched()
    with pytest.raises(ValidationError) as caught:
        services.circle_launch(circle=circle, acting_user=circle.coordinator)
    assert "Only a forming circle can be launched." in caught.value.messages
    assert circle.milestones.count() == 4


# Stepping down, resuming, ending ----------------------------------------------------------------


def test_an_active_circle_steps_down_and_resumes():
    circle = launched()
    services.circle_step_down(circle=circle, acting_user=circle.coordinator)
    assert reload(circle).status == Status.STEP_DOWN
    services.circle_resume(circle=circle, acting_user=circle.coordinator)
    assert reload(circle).status == Status.ACTIVE


def test_a_forming_circle_cannot_step_down():
    circle = launchable_circle()
    with pytest.raises(ValidationError) as caught:
        services.circle_step_down(circle=circle, acting_user=circle.coordinator)
    assert caught.value.message_dict == {"status": ["Cannot move from Forming to Stepping down."]}
    assert reload(circle).status == Status.FORMING


def test_a_stepping_down_circle_cannot_step_down_again():
    circle = launched()
    services.circle_step_down(circle=circle, acting_user=circle.coordinator)
    with pytest.raises(ValidationError) as caught:
        services.circle_step_down(circle=circle, acting_user=circle.coordinator)
    assert "status" in caught.value.message_dict


@pytest.mark.parametrize("status", [Status.FORMING, Status.ACTIVE])
def test_only_a_stepping_down_circle_resumes(status):
    circle = launched() if status == Status.ACTIVE else launchable_circle()
    with pytest.raises(ValidationError) as caught:
        services.circle_resume(circle=circle, acting_user=circle.coordinator)
    assert caught.value.message_dict == {"status": ["Only a stepping-down circle can resume."]}
    assert reload(circle).status == status


@pytest.mark.parametrize("reason", ["", "BORED", None])
def test_ending_needs_a_reason(reason):
    circle = launched()
    with pytest.raises(ValidationError) as caught:
        services.circle_end(circle=circle, reason=reason, acting_user=circle.coordinator)
    assert caught.value.message_dict == {"end_reason": ["Choose why the circle ended."]}
    circle.refresh_from_db()
    assert circle.status == Status.ACTIVE
    assert circle.ended_on is None


@pytest.mark.parametrize("from_status", [Status.ACTIVE, Status.STEP_DOWN])
def test_ending_closes_the_circle_its_meetings_and_its_memberships(from_status):
    circle = launched()
    if from_status == Status.STEP_DOWN:
        services.circle_step_down(circle=circle, acting_user=circle.coordinator)
    past = MeetingFactory(circle=circle)  # yesterday, not yet marked
    member = circle.memberships.first().volunteer.user
    assert reload(member).has_perm("circles.view_circle", circle)

    services.circle_end(
        circle=circle,
        reason=Circle.EndReason.RECALLED,
        outcome_notes="Recalled for a licence breach.",
        acting_user=circle.coordinator,
    )

    circle.refresh_from_db()
    assert circle.status == Status.ENDED
    assert circle.ended_on == timezone.localdate()
    assert circle.end_reason == Circle.EndReason.RECALLED
    assert circle.outcome_notes == "Recalled for a licence breach."
    future = circle.meetings.filter(starts_at__gte=timezone.now())
    assert future.exists()
    assert set(future.values_list("status", "cancelled_reason")) == {
        (Meeting.Status.CANCELLED, "Circle ended")
    }
    assert reload(past).status == Meeting.Status.SCHEDULED
    assert not circle.memberships.current().exists()
    assert not reload(member).has_perm("circles.view_circle", circle)
    assert reload(circle.core_member).status == CoreMember.Status.ENDED
    # The coordinator keeps the record of the circle.
    assert reload(circle.coordinator).has_perm("circles.view_circle", circle)


def test_a_circle_that_never_launched_can_be_ended():
    circle = launchable_circle()
    services.circle_end(
        circle=circle, reason=Circle.EndReason.WITHDREW, acting_user=circle.coordinator
    )
    assert reload(circle).status == Status.ENDED
    # The Core Member is still accepted and can have another circle.
    assert reload(circle.core_member).status == CoreMember.Status.ACCEPTED


@pytest.mark.parametrize(
    "action",
    [
        lambda c: services.circle_end(circle=c, reason="COMPLETED", acting_user=c.coordinator),
        lambda c: services.circle_step_down(circle=c, acting_user=c.coordinator),
        lambda c: services.circle_resume(circle=c, acting_user=c.coordinator),
        lambda c: services.circle_launch(circle=c, acting_user=c.coordinator),
    ],
    ids=["end", "step-down", "resume", "launch"],
)
def test_an_ended_circle_is_final(action):
    circle = launched()
    services.circle_end(circle=circle, reason="COMPLETED", acting_user=circle.coordinator)
    ended_on = reload(circle).ended_on
    with pytest.raises(ValidationError):
        action(reload(circle))
    circle.refresh_from_db()
    assert (circle.status, circle.ended_on) == (Status.ENDED, ended_on)


def test_a_core_member_can_have_a_new_circle_after_the_last_ended():
    circle = launched()
    services.circle_end(circle=circle, reason="RECALLED", acting_user=circle.coordinator)
    referral = cm_services.referral_create(
        core_member=reload(circle.core_member),
        source_agency=circle.referral.source_agency,
        referrer_name="Pat Referrer",
        reason="Released again; asking for a circle.",
    )
    cm_services.referral_start_assessment(referral=referral, acting_user=circle.coordinator)
    cm_services.referral_accept(referral=referral, acting_user=circle.coordinator)
    second = services.circle_form(
        referral=referral, coordinator=circle.coordinator, name="Second circle"
    )
    assert second.status == Status.FORMING
    assert circle.core_member.circles.count() == 2


# Joining and leaving ----------------------------------------------------------------------------


def test_joining_grants_the_circle_and_the_briefing_at_once_but_not_change():
    circle = CircleFactory()
    volunteer = ActiveVolunteerFactory()
    user = volunteer.user
    assert not user.has_perm("circles.view_circle", circle)

    join(circle, volunteer)

    user = reload(user)
    assert user.has_perm("circles.view_circle", circle)
    assert user.has_perm("circles.view_briefing", circle)
    assert not user.has_perm("circles.change_circle", circle)
    assert not user.has_perm("core_members.view_identity", circle.core_member)


def test_leaving_removes_access_at_once():
    circle = CircleFactory()
    membership = join(circle)
    user = membership.volunteer.user

    services.membership_end(membership=membership, reason="Moved away")

    membership.refresh_from_db()
    assert membership.left_on == timezone.localdate()
    assert membership.leaving_reason == "Moved away"
    user = reload(user)
    assert not user.has_perm("circles.view_circle", circle)
    assert not user.has_perm("circles.view_briefing", circle)


def test_leaving_one_circle_keeps_the_other():
    first, second = CircleFactory(), CircleFactory()
    volunteer = ActiveVolunteerFactory()
    membership = join(first, volunteer)
    join(second, volunteer)

    services.membership_end(membership=membership)

    user = reload(volunteer.user)
    assert not user.has_perm("circles.view_circle", first)
    assert user.has_perm("circles.view_circle", second)


def test_a_volunteer_who_left_can_rejoin_and_sees_the_circle_again():
    circle = CircleFactory()
    volunteer = ActiveVolunteerFactory()
    services.membership_end(membership=join(circle, volunteer))
    join(circle, volunteer)
    assert reload(volunteer.user).has_perm("circles.view_circle", circle)
    assert circle.memberships.filter(volunteer=volunteer).count() == 2


def test_leaving_twice_is_refused():
    membership = join(CircleFactory())
    services.membership_end(membership=membership)
    with pytest.raises(ValidationError) as caught:
        services.membership_end(membership=membership)
    assert caught.value.message_dict == {"left_on": ["This volunteer has already left the circle."]}


@pytest.mark.parametrize(
    "status",
    [Volunteer.Status.APPLIED, Volunteer.Status.VETTING, Volunteer.Status.TRAINING, "PAUSED"],
)
def test_only_an_active_volunteer_can_join(status):
    circle = CircleFactory()
    volunteer = VolunteerFactory(status=status)
    with pytest.raises(ValidationError) as caught:
        join(circle, volunteer)
    assert caught.value.message_dict == {
        "volunteer": ["Only an active volunteer can join a circle."]
    }
    assert not reload(volunteer.user).has_perm("circles.view_circle", circle)
    assert not circle.memberships.exists()


def test_nobody_joins_an_ended_circle():
    circle = ActiveCircleFactory(
        status=Status.ENDED, ended_on=timezone.localdate(), end_reason="COMPLETED"
    )
    with pytest.raises(ValidationError) as caught:
        join(circle)
    assert caught.value.message_dict == {"circle": ["This circle has ended."]}


def test_a_circle_has_at_most_six_volunteers():
    circle = CircleFactory()
    for _ in range(services.MAX_VOLUNTEERS):
        join(circle)
    with pytest.raises(ValidationError) as caught:
        join(circle)
    assert caught.value.message_dict == {"volunteer": ["A circle has at most 6 volunteers."]}
    assert circle.memberships.current().count() == 6


def test_a_place_freed_by_a_leaver_can_be_filled():
    circle = CircleFactory()
    memberships = [join(circle) for _ in range(services.MAX_VOLUNTEERS)]
    services.membership_end(membership=memberships[0])
    join(circle)
    assert circle.memberships.current().count() == 6


def test_the_primary_volunteer_role_is_recorded():
    membership = join(CircleFactory(), role=CircleMembership.Role.PRIMARY)
    assert reload(membership).role == CircleMembership.Role.PRIMARY
