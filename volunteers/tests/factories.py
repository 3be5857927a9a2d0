"""Factories for the volunteer pool. Dates are relative to ``timezone.localdate()``.

They are computed when the row is built, so a test that freezes the clock first
gets vetting dates that are current on the frozen day.
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import CoordinatorFactory, VolunteerUserFactory
from volunteers.models import (
    DBSCheck,
    Reference,
    SupervisionSession,
    TrainingRecord,
    Volunteer,
    VolunteerHours,
)


def days_ago(days):
    return factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=days))


class VolunteerFactory(DjangoModelFactory):
    """A volunteer at the start of the path (APPLIED), with no vetting yet."""

    class Meta:
        model = Volunteer
        skip_postgeneration_save = True

    user = factory.SubFactory(VolunteerUserFactory)
    status = Volunteer.Status.APPLIED
    applied_on = days_ago(120)
    postcode_area = "NS1"


class DBSCheckFactory(DjangoModelFactory):
    class Meta:
        model = DBSCheck

    volunteer = factory.SubFactory(VolunteerFactory)
    level = DBSCheck.Level.ENHANCED
    # Twelve digits, unique per row.
    certificate_number = factory.Sequence(lambda n: f"{100000000000 + n:012d}")
    issued_on = days_ago(90)
    update_service = True


class ReferenceFactory(DjangoModelFactory):
    class Meta:
        model = Reference

    volunteer = factory.SubFactory(VolunteerFactory)
    referee_name = factory.Faker("name", locale="en_GB")
    relationship = "Former employer"
    requested_on = days_ago(100)
    received_on = days_ago(95)
    satisfactory = True


class TrainingRecordFactory(DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    volunteer = factory.SubFactory(VolunteerFactory)
    course = TrainingRecord.Course.INITIAL
    completed_on = days_ago(60)


class SupervisionSessionFactory(DjangoModelFactory):
    class Meta:
        model = SupervisionSession

    volunteer = factory.SubFactory(VolunteerFactory)
    coordinator = factory.SubFactory(CoordinatorFactory)
    held_on = days_ago(14)
    notes = "Talked through boundaries after the last meeting."


class VolunteerHoursFactory(DjangoModelFactory):
    class Meta:
        model = VolunteerHours

    volunteer = factory.SubFactory(VolunteerFactory)
    circle = None
    worked_on = days_ago(7)
    kind = VolunteerHours.Kind.MEETING
    hours = Decimal("1.50")


class ActiveVolunteerFactory(VolunteerFactory):
    """An ACTIVE volunteer with a current DBS check and the initial training done."""

    status = Volunteer.Status.ACTIVE
    started_on = days_ago(30)
    dbs_check = factory.RelatedFactory(DBSCheckFactory, factory_related_name="volunteer")
    initial_training = factory.RelatedFactory(
        TrainingRecordFactory,
        factory_related_name="volunteer",
        course=TrainingRecord.Course.INITIAL,
    )
