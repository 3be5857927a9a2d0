"""Volunteers' hours, claims, supervision and debriefs: kept when a Core Member is erased
(they are the volunteer's record), and in the volunteer's own subject-access export."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from circles import services as circle_services
from circles.models import Concern, MeetingNote
from privacy import retention
from privacy.tests import test_privacy
from volunteering.models import ExpenseClaim, SupervisionDebrief
from volunteers.models import VolunteerHours
from volunteers.tests.factories import SupervisionSessionFactory

pytestmark = pytest.mark.django_db

# The privacy tests' launched circle with minutes and a concern.
case = test_privacy.case
_end = test_privacy._end


def _review_and_claim(case):
    note = MeetingNote.objects.get(meeting__circle=case["circle"])
    circle_services.note_save(
        meeting=note.meeting,
        acting_user=note.author,
        submit=True,
        volunteers_present=case["volunteers"][:2],
    )
    circle_services.note_review(note=note, acting_user=case["coordinator"])
    volunteer = case["volunteers"][0]
    claim = ExpenseClaim.objects.create(
        volunteer=volunteer,
        circle=case["circle"],
        kind="MILEAGE",
        incurred_on=timezone.localdate(),
        description="Drive to the allotment meeting",
        miles=Decimal("8"),
        pence_per_mile=45,
        amount=Decimal("3.60"),
    )
    circle_services.concern_raise(
        circle=case["circle"],
        acting_user=case["volunteers"][1].user,
        category=Concern.Category.values[0],
        severity=Concern.Severity.RED,
        description="Said he had been near the school.",
    )
    return volunteer, claim


def test_a_red_concern_offers_each_volunteer_of_the_circle_one_debrief(case):
    _review_and_claim(case)
    offered = SupervisionDebrief.objects.filter(circle=case["circle"])
    assert {d.volunteer for d in offered} == set(case["volunteers"])
    concern = Concern.objects.get(severity="RED")
    from volunteering import services

    assert services.debriefs_offer(concern=concern, acting_user=case["coordinator"]) == []
    assert offered.count() == 3


def test_erasing_the_core_member_keeps_the_volunteers_hours_and_claims(case):
    volunteer, claim = _review_and_claim(case)
    assert volunteer.hours.get().meeting is not None
    _end(case, days_ago=10)
    far_future = timezone.localdate() + datetime.timedelta(days=365 * 8)
    assert len(retention.retention_sweep(far_future)) == 1
    hours = VolunteerHours.objects.get(volunteer=volunteer)
    assert (hours.circle, hours.meeting, hours.hours) == (None, None, Decimal("1.50"))
    claim.refresh_from_db()
    assert claim.circle is None and claim.amount == Decimal("3.60")
    assert not SupervisionDebrief.objects.exclude(circle=None).exists()


def test_the_volunteer_export_holds_hours_claims_supervision_and_debriefs(case):
    volunteer, claim = _review_and_claim(case)
    SupervisionSessionFactory(volunteer=volunteer, notes="Talked through the red concern.")
    data = retention.volunteer_export(volunteer)
    text = json.dumps(data, cls=DjangoJSONEncoder)
    assert data["user"]["email"] == volunteer.user.email
    assert data["hours"][0]["hours"] == Decimal("1.50")
    assert data["hours"][0]["circle"] == case["circle"].name
    assert data["expense_claims"][0]["description"] == "Drive to the allotment meeting"
    assert "Talked through the red concern." in text
    assert len(data["debriefs"]) == 1
    # The Core Member appears by the circle's name only.
    assert case["core_member"].last_name not in text
