"""Factories for accounts: agencies and users, one factory per role.

Factories make plain rows: no guardian grants. Tests that need grants call the
services, which are the only code that gives or removes them.
"""

import factory
from factory.django import DjangoModelFactory

from accounts.models import Agency, User

DEMO_PASSWORD = "demo-password-123"


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Northshire Probation Delivery Unit {n}")
    kind = Agency.Kind.PROBATION
    region = "Northshire"


class UserFactory(DjangoModelFactory):
    """A user with the demo password. The base role is the least privileged one."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    role = User.Role.VOLUNTEER
    agency = None
    password = factory.PostGenerationMethodCall("set_password", DEMO_PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        # Save only the hashed password set by the post-generation call; factory-boy's
        # default full re-save is deprecated.
        if create and results:
            instance.save(update_fields=["password"])


class CoordinatorFactory(UserFactory):
    email = factory.Sequence(lambda n: f"coordinator{n}@example.org")
    role = User.Role.COORDINATOR


class VolunteerUserFactory(UserFactory):
    email = factory.Sequence(lambda n: f"volunteer{n}@example.org")
    role = User.Role.VOLUNTEER


class LiaisonFactory(UserFactory):
    email = factory.Sequence(lambda n: f"liaison{n}@example.org")
    role = User.Role.LIAISON
    agency = factory.SubFactory(AgencyFactory)


class ManagerFactory(UserFactory):
    email = factory.Sequence(lambda n: f"manager{n}@example.org")
    role = User.Role.MANAGER
    is_staff = True
