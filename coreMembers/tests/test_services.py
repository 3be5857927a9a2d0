"""The outer circle's state machines: referrals, agreements, liaisons and shared records.

Referral RECEIVED → ASSESSING → ACCEPTED | DECLINED | WITHDRAWN (reasons required).
A sharing agreement is current from signing until it expires or is withdrawn.
Assigning a liaison grants the Core Member's identity at once; ending it takes
the identity and every record sent to them away at once.
A record is a draft until shared; on consent it goes only to assigned liaisons
whose agency the current agreement covers; a public-protection override needs
a reason and a second person's approval; once shared nothing changes.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.services import user_deactivate
from accounts.tests.factories import (
    AgencyFactory,
    CoordinatorFactory,
    LiaisonFactory,
    ManagerFactory,
    VolunteerUserFactory,
)
from circles.tests.factories import launchable_circle
from coreMembers import services
from coreMembers.models import CoreMember, LiaisonAssignment, Referral, SharingAgreement
from coreMembers.tests.factories import (
    CoreMemberFactory,
    SharingAgreementFactory,
)
from sharing import services as sharing_services
from sharing.models import InformationSharingRecord, RecordRecipient

pytestmark = pytest.mark.django_db

RStatus = Referral.Status
Record = InformationSharingRecord
VIEW_RECORD = "sharing.view_informationsharingrecord"
ACK_RECORD = "sharing.acknowledge_record"
IDENTITY = "core_members.view_identity"


def reload(obj):
    """A fresh row: guardian caches permissions on the user instance."""
    return type(obj).objects.get(pk=obj.pk)


def today():
    return timezone.localdate()


# Referrals -----------------------------------------------------------------------------------


def referral_at(status, coordinator):
    """A referral moved to ``status`` through the services."""
    referral = services.referral_create(
        source_agency=AgencyFactory(),
        referrer_name="Pat Referrer",
        reason="Isolated since release.",
        core_member_details={
            "first_name": "Arthur",
            "last_name": "Fictional",
            "date_of_birth": datetime.date(1970, 1, 1),
        },
        coordinator=coordinator,
        acting_user=coordinator,
    )
    if status == RStatus.RECEIVED:
        return referral
    services.referral_start_assessment(referral=referral, acting_user=coordinator)
    if status == RStatus.ACCEPTED:
        services.referral_accept(referral=referral, acting_user=coordinator)
    elif status == RStatus.DECLINED:
        services.referral_decline(referral=referral, acting_user=coordinator, reason="No fit")
    elif status == RStatus.WITHDRAWN:
        services.referral_withdraw(referral=referral, acting_user=coordinator, reason="Moved")
    return reload(referral)


def test_a_new_referral_creates_the_core_member_and_gives_the_coordinator_the_record(
    coordinator,
):
    referral = referral_at(RStatus.RECEIVED, coordinator)
    core_member = referral.core_member
    assert referral.status == RStatus.RECEIVED
    assert referral.received_on == today()
    assert core_member.status == CoreMember.Status.REFERRED
    assert core_member.reference.startswith("CM-")
    assert reload(coordinator).has_perm("core_members.change_coremember", core_member)
    assert reload(coordinator).has_perm(IDENTITY, core_member)


def test_the_full_path_to_acceptance(coordinator):
    referral = referral_at(RStatus.RECEIVED, coordinator)
    services.referral_start_assessment(referral=referral, acting_user=coordinator)
    assert reload(referral).status == RStatus.ASSESSING

    services.referral_accept(referral=referral, acting_user=coordinator)

    referral = reload(referral)
    assert referral.status == RStatus.ACCEPTED
    assert referral.decided_by == coordinator
    assert referral.decided_at is not None
    assert reload(referral.core_member).status == CoreMember.Status.ACCEPTED


def test_a_referral_is_assessed_before_it_is_accepted(coordinator):
    referral = referral_at(RStatus.RECEIVED, coordinator)
    with pytest.raises(ValidationError) as caught:
        services.referral_accept(referral=referral, acting_user=coordinator)
    assert caught.value.message_dict == {"status": ["Cannot move from Received to Accepted."]}
    referral = reload(referral)
    assert referral.status == RStatus.RECEIVED
    assert referral.decided_at is None
    assert reload(referral.core_member).status == CoreMember.Status.REFERRED


@pytest.mark.parametrize("status", [RStatus.RECEIVED, RStatus.ASSESSING])
@pytest.mark.parametrize("close", ["decline", "withdraw"])
def test_declining_or_withdrawing_needs_a_reason(coordinator, status, close):
    referral = referral_at(status, coordinator)
    action = getattr(services, f"referral_{close}")
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as caught:
            action(referral=referral, acting_user=coordinator, reason=reason)
        assert caught.value.message_dict == {"decision_reason": ["Give a reason."]}
    assert reload(referral).status == status


@pytest.mark.parametrize(
    ("status", "close", "expected"),
    [
        (RStatus.RECEIVED, "decline", RStatus.DECLINED),
        (RStatus.ASSESSING, "decline", RStatus.DECLINED),
        (RStatus.RECEIVED, "withdraw", RStatus.WITHDRAWN),
        (RStatus.ASSESSING, "withdraw", RStatus.WITHDRAWN),
        (RStatus.ACCEPTED, "withdraw", RStatus.WITHDRAWN),
    ],
)
def test_declining_or_withdrawing_with_a_reason_closes_the_referral(
    coordinator, status, close, expected
):
    referral = referral_at(status, coordinator)
    getattr(services, f"referral_{close}")(
        referral=referral, acting_user=coordinator, reason="  Moved out of the area. "
    )
    referral = reload(referral)
    assert referral.status == expected
    assert referral.decision_reason == "Moved out of the area."
    assert referral.decided_by == coordinator
    assert reload(referral.core_member).status == CoreMember.Status.NOT_ACCEPTED


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (RStatus.ASSESSING, "start_assessment"),
        (RStatus.ACCEPTED, "start_assessment"),
        (RStatus.ACCEPTED, "accept"),
        (RStatus.ACCEPTED, "decline"),
        (RStatus.DECLINED, "start_assessment"),
        (RStatus.DECLINED, "accept"),
        (RStatus.DECLINED, "withdraw"),
        (RStatus.WITHDRAWN, "start_assessment"),
        (RStatus.WITHDRAWN, "accept"),
        (RStatus.WITHDRAWN, "decline"),
    ],
)
def test_illegal_referral_moves_are_refused(coordinator, status, action):
    referral = referral_at(status, coordinator)
    kwargs = {"reason": "Because"} if action in ("decline", "withdraw") else {}
    with pytest.raises(ValidationError) as caught:
        getattr(services, f"referral_{action}")(
            referral=referral, acting_user=coordinator, **kwargs
        )
    assert "status" in caught.value.message_dict
    assert reload(referral).status == status


def test_a_referral_whose_circle_is_open_cannot_be_withdrawn():
    circle = launchable_circle()
    referral = circle.referral
    with pytest.raises(ValidationError) as caught:
        services.referral_withdraw(
            referral=referral, acting_user=circle.coordinator, reason="Changed mind"
        )
    assert caught.value.message_dict == {
        "status": ["A referral whose circle is open cannot be withdrawn."]
    }
    assert reload(referral).status == RStatus.ACCEPTED


def test_a_core_member_who_was_declined_can_be_referred_again(coordinator):
    referral = referral_at(RStatus.DECLINED, coordinator)
    again = services.referral_create(
        core_member=reload(referral.core_member),
        source_agency=referral.source_agency,
        referrer_name="Pat Referrer",
        reason="Circumstances changed.",
    )
    assert again.status == RStatus.RECEIVED
    assert reload(referral.core_member).status == CoreMember.Status.REFERRED


def test_a_referral_cannot_go_to_someone_who_is_not_a_coordinator(coordinator):
    referral = referral_at(RStatus.RECEIVED, coordinator)
    for user in (VolunteerUserFactory(), LiaisonFactory(), ManagerFactory()):
        with pytest.raises(ValidationError) as caught:
            services.referral_assign(referral=referral, coordinator=user)
        assert "coordinator" in caught.value.message_dict
    assert reload(referral).coordinator == coordinator


def test_reassigning_a_referral_moves_the_record_to_the_new_coordinator(
    coordinator, other_coordinator
):
    referral = referral_at(RStatus.ASSESSING, coordinator)
    services.referral_assign(referral=referral, coordinator=other_coordinator)
    core_member = referral.core_member
    assert reload(other_coordinator).has_perm("core_members.view_coremember", core_member)
    assert not reload(coordinator).has_perm("core_members.view_coremember", core_member)


# Sharing agreements --------------------------------------------------------------------------


def test_an_agreement_is_current_from_signing_until_expiry():
    agreement = SharingAgreementFactory(
        signed_on=datetime.date(2026, 1, 10), expires_on=datetime.date(2027, 1, 10)
    )
    assert not agreement.is_current(datetime.date(2026, 1, 9))
    assert agreement.is_current(datetime.date(2026, 1, 10))
    assert agreement.is_current(datetime.date(2027, 1, 9))
    assert not agreement.is_current(datetime.date(2027, 1, 10))
    current = SharingAgreement.objects.current
    assert list(current(datetime.date(2026, 6, 1))) == [agreement]
    assert not current(datetime.date(2027, 1, 10)).exists()
    assert not current(datetime.date(2026, 1, 9)).exists()


def test_recording_agreements_numbers_the_versions():
    core_member = CoreMemberFactory()
    agencies = [AgencyFactory(), AgencyFactory()]
    first = services.sharing_agreement_record(
        core_member=core_member,
        signed_on=today() - datetime.timedelta(days=400),
        expires_on=today() - datetime.timedelta(days=35),
        agencies=agencies[:1],
    )
    second = services.sharing_agreement_record(
        core_member=core_member,
        signed_on=today(),
        expires_on=today() + datetime.timedelta(days=365),
        agencies=agencies,
    )
    assert (first.version, second.version) == (1, 2)
    assert set(second.agencies.all()) == set(agencies)
    assert list(core_member.sharing_agreements.current()) == [second]


def test_an_agreement_needs_an_agency_in_scope():
    core_member = CoreMemberFactory()
    with pytest.raises(ValidationError) as caught:
        services.sharing_agreement_record(
            core_member=core_member,
            signed_on=today(),
            expires_on=today() + datetime.timedelta(days=365),
            agencies=[],
        )
    assert caught.value.message_dict == {"agencies": ["Choose at least one agency in scope."]}
    assert not core_member.sharing_agreements.exists()


def test_an_agreement_cannot_be_signed_in_the_future():
    with pytest.raises(ValidationError) as caught:
        services.sharing_agreement_record(
            core_member=CoreMemberFactory(),
            signed_on=today() + datetime.timedelta(days=1),
            expires_on=today() + datetime.timedelta(days=365),
            agencies=[AgencyFactory()],
        )
    assert "signed_on" in caught.value.message_dict


def test_withdrawing_consent_ends_the_agreement_at_once():
    agreement = SharingAgreementFactory()
    services.sharing_agreement_withdraw(agreement=agreement, reason="  Wants to think again ")
    agreement = reload(agreement)
    assert agreement.withdrawn_on == today()
    assert agreement.withdrawal_reason == "Wants to think again"
    assert not agreement.is_current()
    assert not agreement.core_member.sharing_agreements.current().exists()


def test_withdrawing_needs_a_reason_and_happens_once():
    agreement = SharingAgreementFactory()
    with pytest.raises(ValidationError) as caught:
        services.sharing_agreement_withdraw(agreement=agreement, reason=" ")
    assert caught.value.message_dict == {"withdrawal_reason": ["Give a reason."]}
    assert reload(agreement).is_current()
    services.sharing_agreement_withdraw(agreement=agreement, reason="No")
    with pytest.raises(ValidationError) as caught:
        services.sharing_agreement_withdraw(agreement=reload(agreement), reason="Again")
    assert caught.value.message_dict == {"withdrawn_on": ["This agreement is already withdrawn."]}


# Liaisons ------------------------------------------------------------------------------------


def test_only_a_liaison_can_be_assigned(coordinator):
    core_member = CoreMemberFactory()
    for user in (coordinator, VolunteerUserFactory(), ManagerFactory()):
        with pytest.raises(ValidationError) as caught:
            services.liaison_assign(core_member=core_member, liaison=user, role="POLICE_PPU")
        assert caught.value.message_dict == {"liaison": ["This must be a liaison."]}
        assert not reload(user).has_perm(IDENTITY, core_member)
    assert not LiaisonAssignment.objects.exists()


def test_assigning_grants_the_identity_at_once_and_nothing_more(liaison):
    core_member = CoreMemberFactory()
    assignment = services.liaison_assign(
        core_member=core_member, liaison=liaison, role=LiaisonAssignment.Role.OFFENDER_MANAGER
    )
    assert assignment.started_on == today()
    user = reload(liaison)
    assert user.has_perm(IDENTITY, core_member)
    assert not user.has_perm("core_members.view_coremember", core_member)
    assert not user.has_perm(IDENTITY, CoreMemberFactory())


def test_ending_takes_the_identity_and_the_shared_records_away_at_once(coordinator, liaison):
    case = Case(coordinator, liaison)
    record = case.shared()
    assignment = case.core_member.liaison_assignments.get(liaison=liaison)
    assert reload(liaison).has_perm(VIEW_RECORD, record)

    services.liaison_end(assignment=assignment)

    assert reload(assignment).ended_on == today()
    user = reload(liaison)
    assert not user.has_perm(IDENTITY, case.core_member)
    assert not user.has_perm(VIEW_RECORD, record)
    assert not user.has_perm(ACK_RECORD, record)
    # The other liaison's access is untouched.
    assert reload(case.police).has_perm(VIEW_RECORD, record)


def test_an_assignment_ends_once(liaison):
    assignment = services.liaison_assign(
        core_member=CoreMemberFactory(), liaison=liaison, role="OFFENDER_MANAGER"
    )
    services.liaison_end(assignment=assignment)
    with pytest.raises(ValidationError) as caught:
        services.liaison_end(assignment=reload(assignment))
    assert caught.value.message_dict == {"ended_on": ["This assignment has already ended."]}


def test_a_liaison_can_be_assigned_again_after_the_last_assignment_ended(liaison):
    core_member = CoreMemberFactory()
    first = services.liaison_assign(
        core_member=core_member, liaison=liaison, role="OFFENDER_MANAGER"
    )
    services.liaison_end(assignment=first)
    services.liaison_assign(core_member=core_member, liaison=liaison, role="OFFENDER_MANAGER")
    assert reload(liaison).has_perm(IDENTITY, core_member)


# Shared records ------------------------------------------------------------------------------


class Case:
    """A Core Member whose agreement covers probation and police but not MAPPA.

    ``liaison`` (probation) and ``police`` are assigned and in scope; ``mappa`` is
    assigned but out of scope; ``stranger`` is in scope but not assigned.
    """

    def __init__(self, coordinator, liaison):
        self.coordinator = coordinator
        self.core_member = CoreMemberFactory()
        services.core_member_assign_coordinator(
            core_member=self.core_member, coordinator=coordinator
        )
        self.liaison = liaison
        self.police = LiaisonFactory(agency=AgencyFactory(kind="POLICE_PPU"))
        self.mappa = LiaisonFactory(agency=AgencyFactory(kind="MAPPA"))
        self.stranger = LiaisonFactory(agency=liaison.agency)
        self.agreement = SharingAgreementFactory(
            core_member=self.core_member, agencies=[liaison.agency, self.police.agency]
        )
        for user, role in (
            (liaison, "OFFENDER_MANAGER"),
            (self.police, "POLICE_PPU"),
            (self.mappa, "MAPPA"),
        ):
            services.liaison_assign(core_member=self.core_member, liaison=user, role=role)

    def draft(self, **fields):
        fields = {
            "category": Record.Category.CHANGE_OF_CIRCUMSTANCES,
            "urgency": Record.Urgency.ROUTINE,
            "summary": "Has moved address.",
            "details": "Moved in with his brother last weekend.",
            "acting_user": self.coordinator,
            **fields,
        }
        return sharing_services.record_create(core_member=self.core_member, **fields)

    def override(self, **fields):
        return self.draft(
            legal_basis=Record.LegalBasis.PUBLIC_PROTECTION,
            override_reason="Imminent risk to a child.",
            urgency=Record.Urgency.URGENT,
            **fields,
        )

    def shared(self, recipients=None):
        record = self.draft()
        return sharing_services.record_share(
            record=record,
            recipients=recipients or [self.liaison, self.police],
            acting_user=self.coordinator,
        )


@pytest.fixture
def case(coordinator, liaison):
    return Case(coordinator, liaison)


def test_a_record_starts_as_a_draft_that_nobody_outside_can_see(case):
    record = case.draft()
    assert record.status == Record.Status.DRAFT
    assert record.created_by == case.coordinator
    assert record.shared_at is None
    assert not reload(case.liaison).has_perm(VIEW_RECORD, record)


@pytest.mark.parametrize(
    "make", [VolunteerUserFactory, LiaisonFactory], ids=["volunteer", "liaison"]
)
def test_only_staff_write_records(case, make):
    with pytest.raises(ValidationError):
        case.draft(acting_user=make())
    assert not Record.objects.exists()


def test_an_override_needs_a_written_reason(case):
    with pytest.raises(ValidationError) as caught:
        case.draft(legal_basis=Record.LegalBasis.PUBLIC_PROTECTION, override_reason="  ")
    assert caught.value.messages == ["A public-protection override needs a written reason."]
    assert not Record.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"), [("category", "GOSSIP"), ("urgency", "WHENEVER"), ("summary", "")]
)
def test_bad_record_input_names_the_field(case, field, value):
    with pytest.raises(ValidationError) as caught:
        case.draft(**{field: value})
    assert field in caught.value.message_dict
    assert not Record.objects.exists()


def test_sharing_on_consent_reaches_eligible_liaisons_at_once(case):
    record = case.draft()
    sharing_services.record_share(
        record=record, recipients=[case.liaison, case.police], acting_user=case.coordinator
    )
    record = reload(record)
    assert record.status == Record.Status.SHARED
    assert record.shared_by == case.coordinator
    assert record.shared_at is not None
    assert set(record.recipients.values_list("liaison", flat=True)) == {
        case.liaison.pk,
        case.police.pk,
    }
    for user in (case.liaison, case.police):
        assert reload(user).has_perm(VIEW_RECORD, record)
        assert reload(user).has_perm(ACK_RECORD, record)
    assert not reload(case.mappa).has_perm(VIEW_RECORD, record)


def test_eligible_recipients_are_assigned_liaisons_whose_agency_is_in_scope(case):
    eligible, assigned = sharing_services.eligible_recipients(case.core_member)
    assert set(eligible) == {case.liaison, case.police}
    assert set(assigned) == {case.liaison, case.police, case.mappa}


@pytest.mark.parametrize("who", ["mappa", "stranger"], ids=["out-of-scope", "not-assigned"])
def test_consent_never_reaches_an_ineligible_liaison(case, who):
    record = case.draft()
    refused = getattr(case, who)
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_share(
            record=record, recipients=[case.liaison, refused], acting_user=case.coordinator
        )
    assert "recipients" in caught.value.message_dict
    assert refused.get_full_name() in caught.value.message_dict["recipients"][0]
    # All or nothing: the eligible one got nothing either.
    assert reload(record).status == Record.Status.DRAFT
    assert not reload(case.liaison).has_perm(VIEW_RECORD, record)
    assert not reload(refused).has_perm(VIEW_RECORD, record)


def test_a_liaison_whose_assignment_ended_is_not_eligible(case):
    services.liaison_end(assignment=case.core_member.liaison_assignments.get(liaison=case.police))
    with pytest.raises(ValidationError):
        sharing_services.record_share(
            record=case.draft(), recipients=[case.police], acting_user=case.coordinator
        )


def test_a_deactivated_liaison_is_not_eligible(case):
    user_deactivate(user=case.police)
    with pytest.raises(ValidationError):
        sharing_services.record_share(
            record=case.draft(), recipients=[reload(case.police)], acting_user=case.coordinator
        )


@pytest.mark.parametrize("agreement", ["withdrawn", "expired"])
def test_nothing_is_shared_on_consent_without_a_current_agreement(case, agreement):
    if agreement == "withdrawn":
        services.sharing_agreement_withdraw(agreement=case.agreement, reason="Withdrew consent")
    else:
        SharingAgreement.objects.filter(pk=case.agreement.pk).update(
            signed_on=today() - datetime.timedelta(days=400), expires_on=today()
        )
    record = case.draft()
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_share(
            record=record, recipients=[case.liaison], acting_user=case.coordinator
        )
    assert "legal_basis" in caught.value.message_dict
    assert reload(record).status == Record.Status.DRAFT
    assert not reload(case.liaison).has_perm(VIEW_RECORD, record)


def test_sharing_needs_a_recipient(case):
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_share(
            record=case.draft(), recipients=[], acting_user=case.coordinator
        )
    assert caught.value.message_dict == {"recipients": ["Choose at least one recipient."]}


def test_a_liaison_cannot_share_a_record(case):
    record = case.draft()
    with pytest.raises(ValidationError):
        sharing_services.record_share(
            record=record, recipients=[case.police], acting_user=case.liaison
        )
    assert reload(record).status == Record.Status.DRAFT


# The public-protection override ------------------------------------------------------------------


def test_an_override_is_not_shared_without_approval(case):
    record = case.override()
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_share(
            record=record, recipients=[case.mappa], acting_user=case.coordinator
        )
    assert caught.value.message_dict == {
        "approved_by": ["The override needs a second approval first."]
    }
    assert reload(record).status == Record.Status.DRAFT
    assert not reload(case.mappa).has_perm(VIEW_RECORD, record)


def awaiting(case, recipients):
    record = case.override()
    return sharing_services.record_submit_for_approval(
        record=record, recipients=recipients, acting_user=case.coordinator
    )


def test_an_override_waits_for_a_second_person_and_grants_nothing_meanwhile(case):
    record = awaiting(case, [case.mappa])
    assert reload(record).status == Record.Status.AWAITING_APPROVAL
    assert not reload(case.mappa).has_perm(VIEW_RECORD, record)


def test_the_author_cannot_approve_their_own_override(case):
    record = awaiting(case, [case.mappa])
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_approve_override(record=record, acting_user=case.coordinator)
    assert caught.value.message_dict == {
        "approved_by": ["The override must be approved by a second person."]
    }
    record = reload(record)
    assert (record.status, record.approved_by) == (Record.Status.AWAITING_APPROVAL, None)


@pytest.mark.parametrize(
    "make", [VolunteerUserFactory, LiaisonFactory], ids=["volunteer", "liaison"]
)
def test_only_a_manager_or_coordinator_approves(case, make):
    record = awaiting(case, [case.mappa])
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_approve_override(record=record, acting_user=make())
    assert "approved_by" in caught.value.message_dict
    assert reload(record).status == Record.Status.AWAITING_APPROVAL


@pytest.mark.parametrize("approver", ["manager", "coordinator"])
def test_a_second_persons_approval_sends_the_override(case, approver):
    second = ManagerFactory() if approver == "manager" else CoordinatorFactory()
    # An override may reach an assigned liaison the agreement does not cover.
    record = awaiting(case, [case.mappa])

    sharing_services.record_approve_override(record=record, acting_user=second)

    record = reload(record)
    assert record.status == Record.Status.SHARED
    assert record.approved_by == second
    assert record.approved_at is not None
    assert reload(case.mappa).has_perm(VIEW_RECORD, record)


def test_an_override_still_never_reaches_an_unassigned_liaison(case):
    record = case.override()
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_submit_for_approval(
            record=record, recipients=[case.stranger], acting_user=case.coordinator
        )
    assert "recipients" in caught.value.message_dict
    assert reload(record).status == Record.Status.DRAFT


def test_a_consent_record_needs_no_approval(case):
    record = case.draft()
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_submit_for_approval(
            record=record, recipients=[case.liaison], acting_user=case.coordinator
        )
    assert "legal_basis" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_approve_override(record=record, acting_user=ManagerFactory())
    assert "legal_basis" in caught.value.message_dict
    assert reload(record).status == Record.Status.DRAFT


def test_an_override_works_without_any_agreement(case):
    services.sharing_agreement_withdraw(agreement=case.agreement, reason="Withdrew consent")
    record = awaiting(case, [case.liaison])
    sharing_services.record_approve_override(record=record, acting_user=ManagerFactory())
    assert reload(record).status == Record.Status.SHARED


# Once shared ---------------------------------------------------------------------------------


IMMUTABLE = "A shared record cannot be changed; add an addendum instead."


def test_a_shared_record_cannot_be_changed(case):
    record = case.shared()
    shared_at = record.shared_at
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_update(
            record=record, acting_user=case.coordinator, summary="Edited"
        )
    assert caught.value.messages == [IMMUTABLE]
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_share(
            record=record, recipients=[case.police], acting_user=case.coordinator
        )
    assert caught.value.messages == [IMMUTABLE]
    record = reload(record)
    assert (record.summary, record.shared_at) == ("Has moved address.", shared_at)


def test_a_stale_copy_of_a_shared_record_cannot_be_changed(case):
    record = case.draft()
    stale = reload(record)
    sharing_services.record_share(
        record=record, recipients=[case.liaison], acting_user=case.coordinator
    )
    assert stale.status == Record.Status.DRAFT
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_update(
            record=stale, acting_user=case.coordinator, details="Rewritten"
        )
    assert caught.value.messages == [IMMUTABLE]
    assert reload(record).details == "Moved in with his brother last weekend."


def test_an_approved_override_cannot_be_approved_again(case):
    record = awaiting(case, [case.mappa])
    sharing_services.record_approve_override(record=record, acting_user=ManagerFactory())
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_approve_override(record=record, acting_user=CoordinatorFactory())
    assert caught.value.messages == [IMMUTABLE]


def test_a_draft_can_still_be_changed(case):
    record = case.draft()
    sharing_services.record_update(
        record=record, acting_user=case.coordinator, summary=" Moved again "
    )
    assert reload(record).summary == "Moved again"


def test_corrections_are_addenda_to_a_shared_record(case):
    draft = case.draft()
    with pytest.raises(ValidationError) as caught:
        case.draft(addendum_to=draft)
    assert caught.value.message_dict == {
        "addendum_to": ["Only a shared record can have an addendum."]
    }
    shared = case.shared()
    addendum = case.draft(addendum_to=shared, summary="Correction: the new address is his own.")
    assert addendum.addendum_to == shared
    assert addendum.status == Record.Status.DRAFT
    assert list(shared.addenda.all()) == [addendum]


# Acknowledging -------------------------------------------------------------------------------


def test_acknowledging_needs_a_response(case):
    record = case.shared()
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_acknowledge(record=record, acting_user=case.liaison, response="  ")
    assert "response" in caught.value.message_dict
    assert not RecordRecipient.objects.filter(acknowledged_at__isnull=False).exists()


def test_each_recipient_acknowledges_and_the_last_completes_the_record(case):
    record = case.shared()
    mine = sharing_services.record_acknowledge(
        record=record, acting_user=case.liaison, response=" Noted; home visit booked. "
    )
    assert mine.acknowledged_at is not None
    assert mine.response == "Noted; home visit booked."
    assert reload(record).status == Record.Status.SHARED

    sharing_services.record_acknowledge(record=record, acting_user=case.police, response="Noted.")

    assert reload(record).status == Record.Status.ACKNOWLEDGED


def test_a_recipient_acknowledges_once(case):
    record = case.shared()
    sharing_services.record_acknowledge(record=record, acting_user=case.liaison, response="Noted.")
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_acknowledge(
            record=record, acting_user=case.liaison, response="Again"
        )
    assert caught.value.message_dict == {"response": ["You have already acknowledged this record."]}
    assert reload(record).recipients.get(liaison=case.liaison).response == "Noted."


def test_only_a_recipient_acknowledges(case):
    record = case.shared(recipients=[case.liaison])
    for user in (case.police, case.coordinator):
        with pytest.raises(ValidationError) as caught:
            sharing_services.record_acknowledge(record=record, acting_user=user, response="Noted.")
        assert caught.value.messages == ["This record was not sent to you."]
    assert reload(record).status == Record.Status.SHARED


def test_a_draft_cannot_be_acknowledged(case):
    record = case.draft(recipients=[case.liaison])
    with pytest.raises(ValidationError):
        sharing_services.record_acknowledge(
            record=record, acting_user=case.liaison, response="Noted."
        )
    assert reload(record).status == Record.Status.DRAFT


def test_an_acknowledged_record_is_still_immutable(case):
    record = case.shared(recipients=[case.liaison])
    sharing_services.record_acknowledge(record=record, acting_user=case.liaison, response="Noted.")
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_update(
            record=reload(record), acting_user=case.coordinator, summary="x"
        )
    assert caught.value.messages == [IMMUTABLE]
