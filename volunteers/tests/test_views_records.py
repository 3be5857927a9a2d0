"""Vetting, training, supervision and hours on a volunteer's record, through the pages."""

import datetime
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from circles.tests.factories import CircleFactory, CircleMembershipFactory
from volunteers.models import (
    DBSCheck,
    Reference,
    SupervisionSession,
    TrainingRecord,
    VolunteerHours,
)
from volunteers.tests.factories import (
    ActiveVolunteerFactory,
    DBSCheckFactory,
    ReferenceFactory,
    VolunteerFactory,
    VolunteerHoursFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
STAFF_FORMS = ("dbs_new", "reference_new", "training_new", "supervision_new")


def url(name, volunteer, **kwargs):
    return reverse(f"volunteers:{name}", kwargs={"pk": volunteer.pk, **kwargs})


def _day(days_ago):
    return (TODAY() - datetime.timedelta(days=days_ago)).isoformat()


# Staff-only forms: who is refused -------------------------------------------------------------


@pytest.mark.parametrize("name", STAFF_FORMS)
def test_staff_forms_refuse_everyone_else_and_write_nothing(client, liaison, name):
    volunteer = ActiveVolunteerFactory()
    other_volunteer = ActiveVolunteerFactory()
    before = (
        DBSCheck.objects.count(),
        Reference.objects.count(),
        TrainingRecord.objects.count(),
        SupervisionSession.objects.count(),
    )
    data = {
        "certificate_number": "001234567890",
        "issued_on": _day(5),
        "level": "ENHANCED",
        "referee_name": "R",
        "relationship": "Friend",
        "requested_on": _day(1),
        "course": "REFRESHER",
        "completed_on": _day(1),
        "held_on": _day(1),
        "notes": "Peer notes",
    }
    # The volunteer themself can see the profile, so they are refused (403) ...
    client.force_login(volunteer.user)
    assert client.get(url(name, volunteer)).status_code == 403
    assert client.post(url(name, volunteer), data).status_code == 403
    # ... everyone else is not told it exists (404).
    for user in (other_volunteer.user, liaison):
        client.force_login(user)
        assert client.get(url(name, volunteer)).status_code == 404
        assert client.post(url(name, volunteer), data).status_code == 404
    after = (
        DBSCheck.objects.count(),
        Reference.objects.count(),
        TrainingRecord.objects.count(),
        SupervisionSession.objects.count(),
    )
    assert after == before


def test_an_unknown_volunteer_is_404(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("volunteers:dbs_new", args=[999999])).status_code == 404


# DBS checks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"certificate_number": "12345", "issued_on": _day(10)}, "certificate_number"),
        ({"certificate_number": "001234567890", "issued_on": _day(-1)}, "issued_on"),
        ({"certificate_number": "001234567890", "issued_on": "not a date"}, "issued_on"),
        ({"certificate_number": "", "issued_on": _day(10)}, "certificate_number"),
    ],
)
def test_a_bad_dbs_check_is_a_form_error_and_nothing_is_written(client, coordinator, data, field):
    volunteer = VolunteerFactory()
    client.force_login(coordinator)
    response = client.post(url("dbs_new", volunteer), {"level": "ENHANCED", **data})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not DBSCheck.objects.exists()


def test_a_certificate_number_already_recorded_is_a_form_error(client, coordinator):
    DBSCheckFactory(certificate_number="001234567890")
    volunteer = VolunteerFactory()
    client.force_login(coordinator)
    response = client.post(
        url("dbs_new", volunteer),
        {"level": "ENHANCED", "certificate_number": "001234567890", "issued_on": _day(3)},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not volunteer.dbs_checks.exists()


@pytest.mark.parametrize("role", ["coordinator", "manager"])
def test_staff_record_a_dbs_check_and_see_when_it_is_due(client, role, request):
    volunteer = VolunteerFactory(status="VETTING")
    client.force_login(request.getfixturevalue(role))
    assert client.get(url("dbs_new", volunteer)).status_code == 200
    issued = TODAY() - datetime.timedelta(days=20)
    response = client.post(
        url("dbs_new", volunteer),
        {
            "level": "ENHANCED_BARRED",
            "certificate_number": " 001234567890 ",
            "issued_on": issued.isoformat(),
            "update_service": "on",
        },
        follow=True,
    )
    check = volunteer.dbs_checks.get()
    assert (check.certificate_number, check.level, check.update_service) == (
        "001234567890",
        "ENHANCED_BARRED",
        True,
    )
    assert check.recheck_due_on == issued + relativedelta(years=3)
    assert response.redirect_chain[-1][0] == url("detail", volunteer)
    assert "DBS check recorded." in response.content.decode()
    assert check.recheck_due_on.strftime("%-d %b %Y") in response.content.decode()


# References -------------------------------------------------------------------------------


def test_a_reference_request_is_recorded(client, coordinator):
    volunteer = VolunteerFactory()
    client.force_login(coordinator)
    response = client.post(
        url("reference_new", volunteer),
        {"referee_name": "Rita Reeve", "relationship": "Line manager", "requested_on": _day(2)},
    )
    assert response["Location"] == url("detail", volunteer)
    reference = volunteer.references.get()
    assert (reference.referee_name, reference.received_on, reference.satisfactory) == (
        "Rita Reeve",
        None,
        None,
    )
    body = client.get(url("detail", volunteer)).content.decode()
    assert "Rita Reeve" in body and "Awaited" in body


def test_a_reference_request_without_a_name_is_a_form_error(client, coordinator):
    volunteer = VolunteerFactory()
    client.force_login(coordinator)
    response = client.post(
        url("reference_new", volunteer),
        {"referee_name": " ", "relationship": "Friend", "requested_on": _day(-3)},
    )
    assert set(response.context["form"].errors) == {"referee_name"}
    assert not Reference.objects.exists()


def test_a_reference_requested_in_the_future_is_refused(client, coordinator):
    volunteer = VolunteerFactory()
    client.force_login(coordinator)
    response = client.post(
        url("reference_new", volunteer),
        {"referee_name": "Rita", "relationship": "Friend", "requested_on": _day(-3)},
    )
    assert "requested_on" in response.context["form"].errors
    assert not Reference.objects.exists()


def test_a_received_reference_is_marked_satisfactory(client, manager):
    reference = ReferenceFactory(
        requested_on=TODAY() - datetime.timedelta(days=10), received_on=None, satisfactory=None
    )
    volunteer = reference.volunteer
    client.force_login(manager)
    edit = url("reference_edit", volunteer, reference_pk=reference.pk)
    assert client.get(edit).status_code == 200
    response = client.post(
        edit, {"received_on": _day(1), "satisfactory": "yes", "notes": "Warm and clear."}
    )
    assert response["Location"] == url("detail", volunteer)
    reference.refresh_from_db()
    assert (reference.received_on, reference.satisfactory, reference.notes) == (
        TODAY() - datetime.timedelta(days=1),
        True,
        "Warm and clear.",
    )
    assert "Satisfactory" in client.get(url("detail", volunteer)).content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        # Judged before it came back.
        ({"received_on": "", "satisfactory": "no"}, "satisfactory"),
        # Came back before it was asked for.
        ({"received_on": _day(30), "satisfactory": "yes"}, "received_on"),
        ({"received_on": _day(-1), "satisfactory": ""}, "received_on"),
        ({"received_on": _day(1), "satisfactory": "maybe"}, "satisfactory"),
    ],
)
def test_a_bad_reference_outcome_is_a_form_error_and_changes_nothing(
    client, coordinator, data, field
):
    reference = ReferenceFactory(
        requested_on=TODAY() - datetime.timedelta(days=10), received_on=None, satisfactory=None
    )
    client.force_login(coordinator)
    response = client.post(
        url("reference_edit", reference.volunteer, reference_pk=reference.pk), data
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    reference.refresh_from_db()
    assert (reference.received_on, reference.satisfactory) == (None, None)


def test_another_volunteers_reference_is_404_under_this_volunteer(client, coordinator):
    reference = ReferenceFactory()
    volunteer = VolunteerFactory()
    client.force_login(coordinator)
    response = client.post(
        url("reference_edit", volunteer, reference_pk=reference.pk),
        {"received_on": _day(1), "satisfactory": "no"},
    )
    assert response.status_code == 404


# Training ---------------------------------------------------------------------------------


def test_training_is_recorded(client, coordinator):
    volunteer = VolunteerFactory(status="TRAINING")
    client.force_login(coordinator)
    response = client.post(
        url("training_new", volunteer),
        {"course": "INITIAL", "completed_on": _day(3), "notes": "Two-day course"},
    )
    assert response["Location"] == url("detail", volunteer)
    record = volunteer.training.get()
    assert (record.course, record.notes) == ("INITIAL", "Two-day course")


@pytest.mark.parametrize(
    "data",
    [
        {"course": "INITIAL", "completed_on": _day(-2)},
        {"course": "JUGGLING", "completed_on": _day(2)},
        {"course": "INITIAL", "completed_on": ""},
    ],
)
def test_bad_training_is_a_form_error_and_nothing_is_written(client, coordinator, data):
    volunteer = VolunteerFactory(status="TRAINING")
    client.force_login(coordinator)
    response = client.post(url("training_new", volunteer), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not TrainingRecord.objects.exists()


def test_the_same_course_twice_on_one_day_is_a_form_error(client, coordinator):
    volunteer = VolunteerFactory(status="TRAINING")
    client.force_login(coordinator)
    data = {"course": "SAFEGUARDING", "completed_on": _day(3)}
    client.post(url("training_new", volunteer), data)
    response = client.post(url("training_new", volunteer), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert volunteer.training.count() == 1


# Supervision ------------------------------------------------------------------------------


def test_a_coordinator_records_supervision_as_themself(client, coordinator):
    volunteer = ActiveVolunteerFactory()
    client.force_login(coordinator)
    response = client.post(
        url("supervision_new", volunteer),
        {"held_on": _day(1), "notes": "Talked about boundaries."},
    )
    assert response["Location"] == url("detail", volunteer)
    session = SupervisionSession.objects.get()
    assert (session.volunteer, session.coordinator, session.notes) == (
        volunteer,
        coordinator,
        "Talked about boundaries.",
    )


@pytest.mark.parametrize(
    "data",
    [{"held_on": _day(1), "notes": "   "}, {"held_on": _day(-1), "notes": "Future"}],
)
def test_bad_supervision_is_a_form_error_and_nothing_is_written(client, coordinator, data):
    volunteer = ActiveVolunteerFactory()
    client.force_login(coordinator)
    response = client.post(url("supervision_new", volunteer), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not SupervisionSession.objects.exists()


# Hours ------------------------------------------------------------------------------------


def test_another_volunteer_and_a_liaison_get_404_on_the_hours(client, liaison):
    volunteer = ActiveVolunteerFactory()
    VolunteerHoursFactory(volunteer=volunteer, note="Private hours note")
    data = {"kind": "MEETING", "worked_on": _day(1), "hours": "1.5"}
    for user in (ActiveVolunteerFactory().user, liaison):
        client.force_login(user)
        response = client.get(url("hours", volunteer))
        assert response.status_code == 404
        assert b"Private hours note" not in response.content
        assert client.post(url("hours", volunteer), data).status_code == 404
    assert volunteer.hours.count() == 1


def test_a_volunteer_logs_their_own_hours_and_sees_the_totals(client):
    membership = CircleMembershipFactory(circle__name="Tuesday circle")
    volunteer = membership.volunteer
    client.force_login(volunteer.user)
    entries = [
        {"kind": "MEETING", "worked_on": _day(2), "hours": "1.5", "circle": membership.circle_id},
        {"kind": "TRAVEL", "worked_on": _day(2), "hours": "0.75", "circle": membership.circle_id},
        {"kind": "OTHER", "worked_on": _day(1), "hours": "2", "note": "Minutes"},
    ]
    for data in entries:
        response = client.post(url("hours", volunteer), data)
        assert response["Location"] == url("hours", volunteer)
    response = client.get(url("hours", volunteer))
    # This month, this year, all time: the entries are from the last two days, but a
    # month or year may have turned since, so only all time is certain.
    all_time = {label: amounts[2] for label, amounts in response.context["totals"]}
    assert all_time == {
        "Meetings": Decimal("1.50"),
        "Travel": Decimal("0.75"),
        "Preparation": Decimal("0"),
        "Other": Decimal("2.00"),
    }
    assert response.context["total"][2] == Decimal("4.25")
    body = response.content.decode()
    assert "Tuesday circle" in body and "4.25 h" in body
    # The circle's name only: never the Core Member reference its __str__ carries.
    assert membership.circle.core_member.reference not in body
    # The profile shows the same totals.
    assert client.get(url("detail", volunteer)).context["hours_total"] == Decimal("4.25")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "MEETING", "worked_on": _day(1), "hours": "0"}, "hours"),
        ({"kind": "MEETING", "worked_on": _day(1), "hours": "25"}, "hours"),
        ({"kind": "MEETING", "worked_on": _day(1), "hours": "lots"}, "hours"),
        ({"kind": "MEETING", "worked_on": _day(-1), "hours": "1"}, "worked_on"),
        ({"kind": "NAPPING", "worked_on": _day(1), "hours": "1"}, "kind"),
    ],
)
def test_bad_hours_are_a_form_error_and_nothing_is_written(client, data, field):
    volunteer = ActiveVolunteerFactory()
    client.force_login(volunteer.user)
    response = client.post(url("hours", volunteer), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not VolunteerHours.objects.exists()


def test_hours_cannot_be_logged_against_someone_elses_circle(client):
    volunteer = ActiveVolunteerFactory()
    other_circle = CircleFactory(name="Not mine")
    client.force_login(volunteer.user)
    response = client.post(
        url("hours", volunteer),
        {"kind": "MEETING", "worked_on": _day(1), "hours": "1", "circle": other_circle.pk},
    )
    assert "circle" in response.context["form"].errors
    assert not VolunteerHours.objects.exists()
    assert b"Not mine" not in response.content


def test_a_coordinator_logs_hours_for_a_volunteer(client, coordinator):
    volunteer = ActiveVolunteerFactory()
    client.force_login(coordinator)
    client.post(url("hours", volunteer), {"kind": "OTHER", "worked_on": _day(1), "hours": "3"})
    assert volunteer.hours.get().hours == Decimal("3.00")


def test_the_hours_log_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    volunteer = ActiveVolunteerFactory()
    circle = CircleMembershipFactory(volunteer=volunteer).circle

    def measure():
        with django_assert_max_num_queries(HOURS_QUERY_BUDGET) as context:
            response = client.get(url("hours", volunteer))
            names = [entry.circle.name for entry in response.context["page"]]
            assert names
        return len(context.captured_queries)

    client.force_login(volunteer.user)
    VolunteerHoursFactory(volunteer=volunteer, circle=circle)
    few = measure()
    VolunteerHoursFactory.create_batch(20, volunteer=volunteer, circle=circle)
    many = measure()
    assert few == many


# Measured 14: the page's own five (the volunteer, the totals by kind, the count, the
# circles for the form's choices, one query for the page of entries with their circles)
# plus the request's bookkeeping (session, user, OTP device, savepoints, the nav's
# unread-notification count, session save).
HOURS_QUERY_BUDGET = 14
