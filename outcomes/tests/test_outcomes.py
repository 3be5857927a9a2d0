"""Outcomes: constraints, the services, erasure and subject access.

The ended circle of the fixture launched 800 days ago and ended 400 days ago: its
12-month follow-up fell due 435 days ago (launch + 365), its 24-month one 70 days ago
(launch + 730).
"""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Agency, User
from accounts.services import user_create
from circles import services as circle_services
from circles.models import Circle
from coreMembers.models import CoreMember
from cosa.tests.world import active_volunteer, launched_circle
from outcomes.models import FollowUpCheck, OutcomeEvent
from outcomes.services import follow_up_record, follow_up_status, outcome_record
from privacy import retention
from privacy.models import ErasureLog

pytestmark = pytest.mark.django_db


def ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


def _person(role, first, last, agency=None):
    return user_create(
        email=f"{first.lower()}.{last.lower()}@example.org",
        first_name=first,
        last_name=last,
        role=role,
        agency=agency,
    )


def _volunteers(first):
    return [active_volunteer(first, last) for last in ("Ash", "Birch", "Cedar")]


@pytest.fixture
def case():
    police = Agency.objects.create(name="Police PPU West", kind=Agency.Kind.POLICE_PPU)
    coordinator = _person(User.Role.COORDINATOR, "Cora", "Ordway")
    manager = _person(User.Role.MANAGER, "Mani", "Gerrard")
    volunteers = _volunteers("Quentin")
    circle = launched_circle(
        coordinator=coordinator,
        volunteers=volunteers,
        agencies=[police],
        first="Toby",
        last="Tranter",
        launched_days_ago=800,
    )
    circle_services.circle_end(
        circle=circle, reason=Circle.EndReason.COMPLETED, acting_user=coordinator, ended_on=ago(400)
    )
    circle.refresh_from_db()
    return {
        "circle": circle,
        "core_member": circle.core_member,
        "coordinator": coordinator,
        "manager": manager,
        "volunteer": volunteers[0].user,
        "police": police,
    }


def _event(case, **fields):
    values = {
        "core_member": case["core_member"],
        "kind": OutcomeEvent.Kind.RECALL,
        "occurred_on": ago(500),
        "source_agency": case["police"],
    }
    values.update(fields)
    return OutcomeEvent.objects.create(**values)


def _check(case, **fields):
    values = {
        "circle": case["circle"],
        "months": 12,
        "checked_on": ago(10),
        "checked_with": case["police"],
        "nothing_found": True,
    }
    values.update(fields)
    return FollowUpCheck.objects.create(**values)


# The database refuses -------------------------------------------------------------------


def test_the_database_refuses_a_reconviction_without_an_offence_type(case, db_refuses):
    with db_refuses("outcome_event_offence_type_matches_kind"):
        _event(case, kind=OutcomeEvent.Kind.RECONVICTION, offence_type="")


def test_the_database_refuses_a_recall_with_an_offence_type_or_date(case, db_refuses):
    with db_refuses("outcome_event_offence_type_matches_kind"):
        _event(case, offence_type="SEXUAL")
    with db_refuses("outcome_event_offence_type_matches_kind"):
        _event(case, offence_on=ago(600))


def test_the_database_refuses_an_unknown_offence_type(case, db_refuses):
    with db_refuses("outcome_event_offence_type_matches_kind"):
        _event(case, kind=OutcomeEvent.Kind.RECONVICTION, offence_type="FRAUD")


def test_the_database_refuses_an_offence_after_the_conviction(case, db_refuses):
    with db_refuses("outcome_event_offence_not_after_event"):
        _event(
            case,
            kind=OutcomeEvent.Kind.RECONVICTION,
            offence_type="OTHER",
            offence_on=ago(499),
        )


def test_the_database_refuses_the_same_event_twice_on_a_day(case, db_refuses):
    _event(case)
    with db_refuses("outcome_event_one_per_kind_and_day"):
        _event(case)


def test_the_database_refuses_other_follow_up_periods(case, db_refuses):
    with db_refuses("follow_up_months_12_or_24"):
        _check(case, months=18)


def test_the_database_refuses_a_second_check_for_a_period(case, db_refuses):
    _check(case)
    with db_refuses("follow_up_one_per_circle_and_period"):
        _check(case)


def test_the_database_refuses_a_finding_without_a_note(case, db_refuses):
    with db_refuses("follow_up_found_has_note"):
        _check(case, nothing_found=False, note="")


# outcome_record --------------------------------------------------------------------------


def _record(case, **fields):
    values = {
        "core_member": case["core_member"],
        "acting_user": case["coordinator"],
        "kind": OutcomeEvent.Kind.RECONVICTION,
        "offence_type": OutcomeEvent.OffenceType.VIOLENT,
        "occurred_on": ago(300),
        "offence_on": ago(350),
        "source_agency": case["police"],
    }
    values.update(fields)
    return outcome_record(**values)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"kind": "ACQUITTAL"}, "kind"),
        ({"occurred_on": ago(-1), "offence_on": None}, "occurred_on"),
        ({"offence_type": ""}, "offence_type"),
        ({"offence_type": "FRAUD"}, "offence_type"),
        ({"offence_on": ago(299)}, "offence_on"),
        ({"kind": OutcomeEvent.Kind.RECALL}, "offence_type"),
        ({"kind": OutcomeEvent.Kind.RECALL, "offence_type": ""}, "offence_on"),
    ],
)
def test_outcome_record_refuses_bad_input_naming_the_field(case, fields, field):
    with pytest.raises(ValidationError) as caught:
        _record(case, **fields)
    assert field in caught.value.message_dict
    assert not OutcomeEvent.objects.exists()


def test_outcome_record_refuses_another_core_members_circle(case):
    other = launched_circle(
        coordinator=case["coordinator"],
        volunteers=_volunteers("Sam"),
        agencies=[case["police"]],
        first="Otto",
        last="Other",
    )
    with pytest.raises(ValidationError) as caught:
        _record(case, circle=other)
    assert "circle" in caught.value.message_dict
    # And a circle of this Core Member not yet launched by the offence date.
    with pytest.raises(ValidationError) as caught:
        _record(case, circle=case["circle"], occurred_on=ago(810), offence_on=None)
    assert "circle" in caught.value.message_dict
    assert not OutcomeEvent.objects.exists()


def test_outcome_record_refuses_a_volunteer_and_a_duplicate(case):
    with pytest.raises(ValidationError):
        _record(case, acting_user=case["volunteer"])
    _record(case)
    with pytest.raises(ValidationError) as caught:
        _record(case)
    assert "occurred_on" in caught.value.message_dict
    assert OutcomeEvent.objects.count() == 1


def test_outcome_record_links_the_circle_launched_by_then(case):
    event = _record(case, acting_user=case["manager"])
    assert event.circle == case["circle"]
    assert event.recorded_by == case["manager"]
    assert event.counted_on == ago(350)
    assert event.history.count() == 1
    before = _record(
        case,
        kind=OutcomeEvent.Kind.RECALL,
        offence_type="",
        offence_on=None,
        occurred_on=ago(900),
    )
    assert before.circle is None  # before the launch: no circle to link


# follow_up_record -----------------------------------------------------------------------


def _follow_up(case, **fields):
    values = {
        "circle": case["circle"],
        "acting_user": case["coordinator"],
        "months": 12,
        "checked_on": ago(5),
        "checked_with": case["police"],
        "nothing_found": True,
        "note": "",
    }
    values.update(fields)
    return follow_up_record(**values)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"months": 18}, "months"),
        ({"checked_on": ago(-1)}, "checked_on"),
        # The 12-month point is 435 days ago: a check before it is too early.
        ({"checked_on": ago(436)}, "checked_on"),
        ({"nothing_found": False, "note": "  "}, "note"),
    ],
)
def test_follow_up_record_refuses_bad_input_naming_the_field(case, fields, field):
    with pytest.raises(ValidationError) as caught:
        _follow_up(case, **fields)
    assert field in caught.value.message_dict
    assert not FollowUpCheck.objects.exists()


def test_follow_up_record_refuses_an_open_circle(case):
    open_circle = launched_circle(
        coordinator=case["coordinator"],
        volunteers=_volunteers("Sam"),
        agencies=[case["police"]],
        first="Otto",
        last="Other",
        launched_days_ago=400,
    )
    with pytest.raises(ValidationError) as caught:
        _follow_up(case, circle=open_circle)
    assert "circle" in caught.value.message_dict
    assert not FollowUpCheck.objects.exists()


def test_nothing_found_is_refused_when_an_event_is_recorded_in_the_period(case):
    # Offence 600 days ago: day 200 of the circle, within 12 months of the launch.
    _record(case, occurred_on=ago(500), offence_on=ago(600))
    with pytest.raises(ValidationError) as caught:
        _follow_up(case)
    assert "nothing_found" in caught.value.message_dict
    check = _follow_up(case, nothing_found=False, note="Police confirmed the violent offence.")
    assert check.months == 12 and not check.nothing_found


def test_follow_up_record_once_per_period_and_the_status(case):
    check = _follow_up(case, acting_user=case["manager"])
    assert check.recorded_by == case["manager"]
    with pytest.raises(ValidationError) as caught:
        _follow_up(case)
    assert "months" in caught.value.message_dict
    status = {row["months"]: row for row in follow_up_status(case["circle"])}
    assert status[12]["check"] == check and not status[12]["due"]
    assert status[24]["due"] and status[24]["due_on"] == ago(70)
    _follow_up(case, months=24, checked_on=ago(70))
    assert FollowUpCheck.objects.count() == 2


# Erasure and subject access -----------------------------------------------------------------


def test_subject_access_holds_the_outcomes(case):
    _record(case, note="Assault outside a pub.")
    _follow_up(case, months=24, nothing_found=False, note="The violent offence, nothing more.")
    data = retention.subject_access_export(case["core_member"])
    events = data["outcome_events"]
    assert len(events) == 1
    assert events[0]["kind"] == "Reconviction"
    assert events[0]["offence_type"] == "Violent offence (not sexual)"
    assert events[0]["circle"] == case["circle"].name
    assert events[0]["source_agency"] == "Police PPU West"
    checks = data["circles"][0]["follow_up_checks"]
    assert [c["months"] for c in checks] == ["24 months"]
    assert checks[0]["checked_with"] == "Police PPU West"
    assert "Assault outside a pub." in json.dumps(data, default=str)


def test_erasure_removes_the_outcomes_and_their_history(case):
    core_member = case["core_member"]
    event = _record(case)
    check = _follow_up(case, nothing_found=False, note="Found the conviction.")
    unrelated = _event(
        {
            **case,
            "core_member": CoreMember.objects.create(
                reference="CM-999999",
                first_name="Una",
                last_name="Related",
                date_of_birth=datetime.date(1980, 1, 1),
            ),
        }
    )

    log = retention.core_member_erase(
        core_member=core_member,
        acting_user=case["manager"],
        basis=ErasureLog.Basis.REQUEST,
        reason="Erasure decided on request.",
    )

    assert log.counts["outcomes.outcomeevent"] == 1
    assert log.counts["outcomes.followupcheck"] == 1
    assert not OutcomeEvent.objects.filter(pk=event.pk).exists()
    assert not FollowUpCheck.objects.filter(pk=check.pk).exists()
    assert not OutcomeEvent.history.filter(id=event.pk).exists()
    assert not FollowUpCheck.history.filter(id=check.pk).exists()
    assert not CoreMember.objects.filter(pk=core_member.pk).exists()
    assert not Circle.objects.filter(pk=case["circle"].pk).exists()
    assert OutcomeEvent.objects.filter(pk=unrelated.pk).exists()


def test_every_named_constraint_of_the_outcomes_is_tested_here():
    """The constraints tested in this module, one by one; a new one must join them."""
    from django.apps import apps

    declared = {
        c.name
        for model in apps.get_app_config("outcomes").get_models()
        for c in model._meta.constraints
    }
    assert declared == {
        "outcome_event_offence_type_matches_kind",
        "outcome_event_offence_not_after_event",
        "outcome_event_one_per_kind_and_day",
        "follow_up_one_per_circle_and_period",
        "follow_up_months_12_or_24",
        "follow_up_found_has_note",
    }
