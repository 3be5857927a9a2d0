"""Factories for Core Members and the outer circle. Fictional people only."""

import datetime

import factory
from django.db.models import Max
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import AgencyFactory, CoordinatorFactory, LiaisonFactory
from coreMembers import services
from coreMembers.models import (
    CoreMember,
    LiaisonAssignment,
    MappaCategory,
    MappaLevel,
    MappaRecord,
    Referral,
    ReferralDocument,
    RiskAssessment,
    SharingAgreement,
)
from sharing.models import InformationSharingRecord, RecordRecipient


def days_ago(days):
    return factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=days))


def next_version(parent_field, related_name):
    """The next free version number of ``parent.<related_name>`` (agreements, covenants)."""

    def version(obj):
        parent = getattr(obj, parent_field)
        latest = getattr(parent, related_name).aggregate(Max("version"))["version__max"]
        return (latest or 0) + 1

    return factory.LazyAttribute(version)


class CoreMemberFactory(DjangoModelFactory):
    class Meta:
        model = CoreMember

    reference = factory.Sequence(lambda n: f"CM-{n:06d}")
    first_name = factory.Faker("first_name_male", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=25, maximum_age=70)
    status = CoreMember.Status.REFERRED
    probation_crn = factory.Sequence(lambda n: f"X{n:06d}")
    needs_and_adaptations = "Prefers written summaries after each meeting."


class MappaRecordFactory(DjangoModelFactory):
    class Meta:
        model = MappaRecord

    core_member = factory.SubFactory(CoreMemberFactory)
    category = MappaCategory.CATEGORY_1
    level = MappaLevel.LEVEL_1
    effective_from = days_ago(200)


class ReferralFactory(DjangoModelFactory):
    class Meta:
        model = Referral

    core_member = factory.SubFactory(CoreMemberFactory)
    source_agency = factory.SubFactory(AgencyFactory)
    referrer_name = factory.Faker("name", locale="en_GB")
    referrer_email = factory.Sequence(lambda n: f"referrer{n}@probation.example.org")
    received_on = days_ago(40)
    reason = "Released on licence six weeks ago; isolated and asking for support."
    status = Referral.Status.RECEIVED


class ReferralDocumentFactory(DjangoModelFactory):
    """A document row; the path names a file that is never written, to keep tests disk-free."""

    class Meta:
        model = ReferralDocument

    referral = factory.SubFactory(ReferralFactory)
    title = "Referral form"
    file = factory.Sequence(lambda n: f"referrals/2026/01/referral-form-{n}.pdf")
    uploaded_by = factory.SubFactory(CoordinatorFactory)


class RiskAssessmentFactory(DjangoModelFactory):
    class Meta:
        model = RiskAssessment

    core_member = factory.SubFactory(CoreMemberFactory)
    tool = RiskAssessment.Tool.RM2000_S
    score = "3"
    band = RiskAssessment.Band.MEDIUM
    assessed_on = days_ago(120)
    agency = factory.SubFactory(AgencyFactory)


class SharingAgreementFactory(DjangoModelFactory):
    """A current agreement. ``agencies=[...]`` sets the scope; by default one new agency."""

    class Meta:
        model = SharingAgreement
        skip_postgeneration_save = True

    core_member = factory.SubFactory(CoreMemberFactory)
    version = next_version("core_member", "sharing_agreements")
    signed_on = days_ago(30)
    expires_on = factory.LazyAttribute(lambda o: o.signed_on + datetime.timedelta(days=365))
    withdrawn_on = None

    @factory.post_generation
    def agencies(self, create, extracted, **kwargs):
        if not create:
            return
        self.agencies.set(extracted if extracted is not None else [AgencyFactory()])


class LiaisonAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = LiaisonAssignment

    core_member = factory.SubFactory(CoreMemberFactory)
    liaison = factory.SubFactory(LiaisonFactory)
    role = LiaisonAssignment.Role.OFFENDER_MANAGER
    started_on = days_ago(30)


class InformationSharingRecordFactory(DjangoModelFactory):
    """A DRAFT record shared on consent."""

    class Meta:
        model = InformationSharingRecord

    core_member = factory.SubFactory(CoreMemberFactory)
    category = InformationSharingRecord.Category.CHANGE_OF_CIRCUMSTANCES
    urgency = InformationSharingRecord.Urgency.ROUTINE
    summary = "Has moved to a new address within the licence area."
    details = "Told the circle on Thursday that he moved in with his brother last weekend."
    legal_basis = InformationSharingRecord.LegalBasis.CONSENT
    status = InformationSharingRecord.Status.DRAFT
    created_by = factory.SubFactory(CoordinatorFactory)


class RecordRecipientFactory(DjangoModelFactory):
    class Meta:
        model = RecordRecipient

    record = factory.SubFactory(
        InformationSharingRecordFactory,
        status=InformationSharingRecord.Status.SHARED,
        shared_at=factory.LazyFunction(lambda: timezone.now()),
    )
    liaison = factory.SubFactory(LiaisonFactory)
    notified_at = factory.LazyFunction(lambda: timezone.now())


def login(client, user):
    """The project's ``client`` fixture passes the second factor on ``force_login``."""
    client.force_login(user)
    return client


def make_referral(agency, *, coordinator=None, last_name="Example", received_days_ago=10, **kw):
    return services.referral_create(
        source_agency=agency,
        referrer_name="Pat Referrer",
        reason="Isolated on release; asks for support.",
        core_member_details={
            "first_name": "Alan",
            "last_name": last_name,
            "date_of_birth": datetime.date(1970, 1, 1),
        },
        coordinator=coordinator,
        received_on=timezone.localdate() - datetime.timedelta(days=received_days_ago),
        **kw,
    )
