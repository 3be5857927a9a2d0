"""A Core Member with an outer circle, for the shared-record tests (no tests here).

Built through the services, so every grant is the one production makes. The agreement
covers probation only: the police liaison is assigned but out of scope, so consent
cannot reach them; the unassigned liaison is in scope but not assigned.
"""

from dataclasses import dataclass

from accounts.models import Agency
from accounts.tests.factories import (
    AgencyFactory,
    CoordinatorFactory,
    LiaisonFactory,
    ManagerFactory,
)
from circles.tests.factories import ActiveCircleFactory, ConcernFactory
from coreMembers import services
from coreMembers.models import CoreMember, LiaisonAssignment
from coreMembers.tests.factories import CoreMemberFactory, SharingAgreementFactory
from sharing import services as sharing_services
from sharing.models import InformationSharingRecord

SUMMARY = "Seen near the Quillfeather primary school"
DETAILS = "Told the circle he walked past the Quillfeather school gates twice on Tuesday."


@dataclass
class Case:
    owner: object
    other_coordinator: object
    manager: object
    second_manager: object
    probation: object
    police: object
    core_member: object
    circle: object
    agreement: object
    liaison: object
    police_liaison: object
    unassigned_liaison: object

    def compose(self, **overrides):
        fields = {
            "core_member": self.core_member,
            "acting_user": self.owner,
            "category": InformationSharingRecord.Category.RISK_BEHAVIOUR,
            "urgency": InformationSharingRecord.Urgency.URGENT,
            "summary": SUMMARY,
            "details": DETAILS,
            "recipients": [self.liaison],
        }
        fields.update(overrides)
        return sharing_services.record_compose(**fields)

    def override(self, **overrides):
        fields = {
            "legal_basis": InformationSharingRecord.LegalBasis.PUBLIC_PROTECTION,
            "override_reason": "Imminent risk to children; consent was withdrawn yesterday.",
        }
        fields.update(overrides)
        return self.compose(**fields)

    def concern(self, **fields):
        return ConcernFactory(circle=self.circle, **fields)


def build_case():
    probation = AgencyFactory(kind=Agency.Kind.PROBATION)
    police = AgencyFactory(name=f"Police PPU {probation.pk}", kind=Agency.Kind.POLICE_PPU)
    owner = CoordinatorFactory(first_name="Olwen", last_name="Owner")
    other_coordinator = CoordinatorFactory(first_name="Osric", last_name="Other")
    manager = ManagerFactory(first_name="Mair", last_name="Manager")
    core_member = CoreMemberFactory(
        first_name="Alfred", last_name="Fictional", status=CoreMember.Status.IN_CIRCLE
    )
    services.core_member_assign_coordinator(core_member=core_member, coordinator=owner)
    circle = ActiveCircleFactory(core_member=core_member, coordinator=owner)
    agreement = SharingAgreementFactory(core_member=core_member, agencies=[probation])
    liaison = LiaisonFactory(first_name="Lorna", last_name="Probation", agency=probation)
    police_liaison = LiaisonFactory(first_name="Percy", last_name="Police", agency=police)
    unassigned = LiaisonFactory(first_name="Una", last_name="Unassigned", agency=probation)
    services.liaison_assign(
        core_member=core_member, liaison=liaison, role=LiaisonAssignment.Role.OFFENDER_MANAGER
    )
    services.liaison_assign(
        core_member=core_member, liaison=police_liaison, role=LiaisonAssignment.Role.POLICE_PPU
    )
    return Case(
        owner=owner,
        other_coordinator=other_coordinator,
        manager=manager,
        second_manager=ManagerFactory(first_name="Maxine", last_name="Second"),
        probation=probation,
        police=police,
        core_member=core_member,
        circle=circle,
        agreement=agreement,
        liaison=liaison,
        police_liaison=police_liaison,
        unassigned_liaison=unassigned,
    )
