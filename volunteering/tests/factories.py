from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from circles.tests.factories import CircleMembershipFactory
from volunteering.models import ExpenseClaim


class MileageClaimFactory(DjangoModelFactory):
    """A submitted mileage claim by a volunteer of a circle (10 miles at 45p)."""

    class Meta:
        model = ExpenseClaim
        exclude = ("membership",)

    membership = factory.SubFactory(CircleMembershipFactory)
    volunteer = factory.SelfAttribute("membership.volunteer")
    circle = factory.SelfAttribute("membership.circle")
    kind = ExpenseClaim.Kind.MILEAGE
    incurred_on = factory.LazyFunction(timezone.localdate)
    description = "Drive to the Thursday meeting"
    miles = Decimal("10.0")
    pence_per_mile = 45
    amount = Decimal("4.50")


def coordinated_membership(**circle_fields):
    """A volunteer in an active circle whose coordinator holds the circle's grants."""
    from accounts.grants import grant
    from circles.services import COORDINATOR_CIRCLE_PERMS
    from circles.tests.factories import ActiveCircleFactory

    circle = ActiveCircleFactory(**{"name": "Thursday circle", **circle_fields})
    grant(circle.coordinator, circle, *COORDINATOR_CIRCLE_PERMS)
    return CircleMembershipFactory(circle=circle)
