"""The database refuses what the Core Member models forbid; the services say so in words."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.tests.factories import AgencyFactory, CoordinatorFactory
from coreMembers import services
from coreMembers.models import (
    CoreMember,
    LiaisonAssignment,
    MappaRecord,
    Referral,
    RiskAssessment,
    SharingAgreement,
)
from coreMembers.tests.factories import (
    CoreMemberFactory,
    InformationSharingRecordFactory,
    LiaisonAssignmentFactory,
    MappaRecordFactory,
    RecordRecipientFactory,
    ReferralFactory,
    RiskAssessmentFactory,
    SharingAgreementFactory,
)
from sharing import services as sharing_services
from sharing.models import InformationSharingRecord, RecordRecipient

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 1)
LegalBasis = InformationSharingRecord.LegalBasis


def core_member_row(**fields):
    return {
        "reference": "CM-999999",
        "first_name": "Arthur",
        "last_name": "Fictional",
        "date_of_birth": datetime.date(1970, 1, 1),
        **fields,
    }


# CoreMember ---------------------------------------------------------------------------------


def test_db_refuses_an_indefinite_notification_with_an_end_date(db_refuses):
    with db_refuses("core_member_indefinite_has_no_end"):
        CoreMember.objects.create(
            **core_member_row(notification_indefinite=True, notification_end=DAY)
        )


def test_db_refuses_a_notification_ending_before_it_starts(db_refuses):
    with db_refuses("core_member_notification_end_after_start"):
        CoreMember.objects.create(
            **core_member_row(
                notification_start=DAY, notification_end=DAY - datetime.timedelta(days=1)
            )
        )


def test_db_refuses_a_shpo_end_date_without_a_shpo(db_refuses):
    with db_refuses("core_member_shpo_end_needs_shpo"):
        CoreMember.objects.create(**core_member_row(has_shpo=False, shpo_end=DAY))


def test_db_refuses_two_mappa_records_on_one_day(db_refuses):
    first = MappaRecordFactory(effective_from=DAY)
    with db_refuses("mappa_one_record_per_day"):
        MappaRecord.objects.create(
            core_member=first.core_member, category=1, level=2, effective_from=DAY
        )


# Referral -------------------------------------------------------------------------------------


def test_db_refuses_a_second_open_referral_for_a_core_member(db_refuses):
    first = ReferralFactory(status=Referral.Status.ASSESSING)
    with db_refuses("referral_one_open_per_core_member"):
        Referral.objects.create(
            core_member=first.core_member,
            source_agency=first.source_agency,
            referrer_name="Another referrer",
            reason="Second referral",
        )


def test_db_accepts_a_new_referral_once_the_last_is_closed():
    first = ReferralFactory(status=Referral.Status.DECLINED, decision_reason="No capacity")
    second = ReferralFactory(core_member=first.core_member)
    assert second.status == Referral.Status.RECEIVED


@pytest.mark.parametrize("status", [Referral.Status.DECLINED, Referral.Status.WITHDRAWN])
def test_db_refuses_declining_or_withdrawing_a_referral_without_a_reason(db_refuses, status):
    referral = ReferralFactory()
    with db_refuses("referral_decline_or_withdraw_has_reason"):
        Referral.objects.filter(pk=referral.pk).update(status=status, decision_reason="")


def test_db_refuses_the_same_risk_tool_twice_on_one_day(db_refuses):
    first = RiskAssessmentFactory(assessed_on=DAY)
    with db_refuses("risk_assessment_unique_per_day"):
        RiskAssessment.objects.create(
            core_member=first.core_member,
            tool=first.tool,
            band=RiskAssessment.Band.HIGH,
            assessed_on=DAY,
            agency=first.agency,
        )


# SharingAgreement --------------------------------------------------------------------------------


def test_db_refuses_two_agreements_with_the_same_version(db_refuses):
    first = SharingAgreementFactory()
    with db_refuses("sharing_agreement_unique_version"):
        SharingAgreement.objects.create(
            core_member=first.core_member,
            version=first.version,
            signed_on=DAY,
            expires_on=DAY + datetime.timedelta(days=365),
        )


@pytest.mark.parametrize("days", [0, -1])
def test_db_refuses_an_agreement_expiring_on_or_before_signing(db_refuses, days):
    with db_refuses("sharing_agreement_expires_after_signing"):
        SharingAgreement.objects.create(
            core_member=CoreMemberFactory(),
            version=1,
            signed_on=DAY,
            expires_on=DAY + datetime.timedelta(days=days),
        )


def test_db_refuses_withdrawing_an_agreement_before_it_was_signed(db_refuses):
    agreement = SharingAgreementFactory()
    with db_refuses("sharing_agreement_withdrawn_after_signing"):
        SharingAgreement.objects.filter(pk=agreement.pk).update(
            withdrawn_on=agreement.signed_on - datetime.timedelta(days=1)
        )


# LiaisonAssignment --------------------------------------------------------------------------------


def test_db_refuses_a_second_open_assignment_of_one_liaison(db_refuses):
    first = LiaisonAssignmentFactory()
    with db_refuses("liaison_assignment_one_open_per_pair"):
        LiaisonAssignment.objects.create(
            core_member=first.core_member, liaison=first.liaison, role=first.role, started_on=DAY
        )


def test_db_accepts_reassigning_a_liaison_after_the_last_assignment_ended():
    first = LiaisonAssignmentFactory(ended_on=timezone.localdate())
    again = LiaisonAssignmentFactory(core_member=first.core_member, liaison=first.liaison)
    assert again.ended_on is None


def test_db_refuses_an_assignment_ending_before_it_starts(db_refuses):
    assignment = LiaisonAssignmentFactory(started_on=DAY)
    with db_refuses("liaison_assignment_ends_after_start"):
        LiaisonAssignment.objects.filter(pk=assignment.pk).update(
            ended_on=DAY - datetime.timedelta(days=1)
        )


# InformationSharingRecord and recipients ------------------------------------------------


def test_db_refuses_a_public_protection_override_without_a_reason(db_refuses):
    with db_refuses("sharing_record_override_has_reason"):
        InformationSharingRecord.objects.create(
            core_member=CoreMemberFactory(),
            category=InformationSharingRecord.Category.RISK_BEHAVIOUR,
            summary="Contact with a child",
            details="Details",
            legal_basis=LegalBasis.PUBLIC_PROTECTION,
            override_reason="",
            created_by=CoordinatorFactory(),
        )


@pytest.mark.parametrize("status", ["SHARED", "ACKNOWLEDGED"])
def test_db_refuses_a_shared_record_without_a_shared_time(db_refuses, status):
    record = InformationSharingRecordFactory()
    with db_refuses("sharing_record_shared_has_time"):
        InformationSharingRecord.objects.filter(pk=record.pk).update(status=status)


def test_db_refuses_an_override_approved_by_its_own_author(db_refuses):
    record = InformationSharingRecordFactory(
        legal_basis=LegalBasis.PUBLIC_PROTECTION, override_reason="Imminent risk to a child"
    )
    with db_refuses("sharing_record_approver_is_second_person"):
        InformationSharingRecord.objects.filter(pk=record.pk).update(
            approved_by=record.created_by, approved_at=timezone.now()
        )


def test_db_refuses_sending_one_record_twice_to_one_liaison(db_refuses):
    recipient = RecordRecipientFactory()
    with db_refuses("recipient_unique_per_record"):
        RecordRecipient.objects.create(record=recipient.record, liaison=recipient.liaison)


def test_db_refuses_an_acknowledgement_without_a_response(db_refuses):
    recipient = RecordRecipientFactory()
    with db_refuses("recipient_acknowledgement_has_response"):
        RecordRecipient.objects.filter(pk=recipient.pk).update(
            acknowledged_at=timezone.now(), response=""
        )


# The services -------------------------------------------------------------------------------------


def test_service_refuses_a_second_open_referral_in_words():
    first = ReferralFactory()
    with pytest.raises(ValidationError) as caught:
        services.referral_create(
            core_member=first.core_member,
            source_agency=first.source_agency,
            referrer_name="Another referrer",
            reason="Second referral",
        )
    assert caught.value.messages == ["This Core Member already has an open referral."]
    assert Referral.objects.filter(core_member=first.core_member).count() == 1


def test_service_refuses_two_mappa_records_on_one_day():
    first = MappaRecordFactory(effective_from=DAY)
    with pytest.raises(ValidationError) as caught:
        services.mappa_record(
            core_member=first.core_member, category=1, level=3, effective_from=DAY
        )
    assert "already exists" in " ".join(caught.value.messages)


def test_service_refuses_the_same_risk_tool_twice_on_one_day():
    first = RiskAssessmentFactory()
    with pytest.raises(ValidationError):
        services.risk_assessment_record(
            core_member=first.core_member,
            tool=first.tool,
            band="HIGH",
            assessed_on=first.assessed_on,
            agency=first.agency,
        )


def test_service_refuses_an_agreement_expiring_before_it_is_signed():
    today = timezone.localdate()
    with pytest.raises(ValidationError) as caught:
        services.sharing_agreement_record(
            core_member=CoreMemberFactory(),
            signed_on=today,
            expires_on=today,
            agencies=[AgencyFactory()],
        )
    assert caught.value.messages == ["The agreement must expire after it is signed."]


def test_service_refuses_withdrawing_an_agreement_before_it_was_signed():
    agreement = SharingAgreementFactory()
    with pytest.raises(ValidationError) as caught:
        services.sharing_agreement_withdraw(
            agreement=agreement,
            reason="Changed his mind",
            withdrawn_on=agreement.signed_on - datetime.timedelta(days=1),
        )
    assert caught.value.messages == ["An agreement cannot be withdrawn before it was signed."]


def test_service_refuses_a_second_open_assignment_in_words():
    first = LiaisonAssignmentFactory()
    with pytest.raises(ValidationError) as caught:
        services.liaison_assign(
            core_member=first.core_member, liaison=first.liaison, role="OFFENDER_MANAGER"
        )
    assert caught.value.messages == ["This liaison is already assigned to this Core Member."]


def test_service_refuses_an_override_without_a_reason_in_words(coordinator):
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_create(
            core_member=CoreMemberFactory(),
            category="RISK_BEHAVIOUR",
            urgency="URGENT",
            summary="Contact with a child",
            details="Details",
            legal_basis=LegalBasis.PUBLIC_PROTECTION,
            acting_user=coordinator,
        )
    assert caught.value.messages == ["A public-protection override needs a written reason."]


def test_service_refuses_a_second_acknowledgement_naming_the_response():
    recipient = RecordRecipientFactory()
    sharing_services.record_acknowledge(
        record=recipient.record, acting_user=recipient.liaison, response="Noted; visit booked."
    )
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_acknowledge(
            record=recipient.record, acting_user=recipient.liaison, response="Again"
        )
    assert "response" in caught.value.message_dict


def test_service_refuses_a_shpo_end_without_a_shpo_when_creating_from_a_referral():
    with pytest.raises(ValidationError) as caught:
        services.referral_create(
            source_agency=AgencyFactory(),
            referrer_name="Rhona Referrer",
            reason="Isolated since release",
            core_member_details={
                "first_name": "Arthur",
                "last_name": "Fictional",
                "date_of_birth": datetime.date(1970, 1, 1),
                "shpo_end": DAY,
            },
        )
    assert caught.value.messages == ["A SHPO end date needs a SHPO."]
    assert not CoreMember.objects.exists()
