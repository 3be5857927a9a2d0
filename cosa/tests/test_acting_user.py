"""Who the change history names: the service's ``acting_user``, with or without a request.

The history is the audit trail of every write. A Celery task, a management command or
the demo builder runs no request middleware, so the author has to come from the service
itself; inside a request the acting user still wins over the request's user.
"""

import ast
import datetime
import importlib
import inspect
import pathlib

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from simple_history.middleware import HistoryRequestMiddleware
from simple_history.models import HistoricalRecords

from accounts import services as account_services
from accounts.models import User
from accounts.tests.factories import (
    AgencyFactory,
    CoordinatorFactory,
    LiaisonFactory,
    ManagerFactory,
)
from circles import services as circle_services
from circles.models import CircleMembership, Concern, Meeting, MeetingNote, ReviewMilestone
from circles.tests.factories import (
    ActiveCircleFactory,
    CircleMembershipFactory,
    MeetingFactory,
    launchable_circle,
)
from coreMembers import services as core_member_services
from coreMembers.models import Referral
from coreMembers.tests.factories import (
    LiaisonAssignmentFactory,
    ReferralFactory,
    SharingAgreementFactory,
)
from cosa import services as cosa_services
from sharing import services as sharing_services
from sharing.models import InformationSharingRecord, RecordRecipient
from volunteers import services as volunteer_services
from volunteers.models import Volunteer

ROOT = pathlib.Path(settings.BASE_DIR)


def _project_modules():
    """Every product module of the installed project apps (not tests, not migrations)."""
    for config in apps.get_app_configs():
        app_path = pathlib.Path(config.path)
        if app_path.parent != ROOT:  # the project's own apps, not packages in .venv
            continue
        for path in sorted(app_path.rglob("*.py")):
            relative = path.relative_to(ROOT)
            if {"tests", "migrations"} & set(relative.parts):
                continue
            yield path, ".".join(relative.with_suffix("").parts).removesuffix(".__init__")


def _services():
    """Public module-level functions with a keyword-only ``acting_user``: the services."""
    found = {}
    for _path, name in _project_modules():
        module = importlib.import_module(name)
        for attr, func in vars(module).items():
            if (
                attr.startswith("_")
                or not inspect.isfunction(func)
                or func.__module__ != module.__name__
            ):
                continue
            parameter = inspect.signature(func).parameters.get("acting_user")
            if parameter is not None and parameter.kind is inspect.Parameter.KEYWORD_ONLY:
                found[f"{name}.{attr}"] = func
    return found


def _history_users(queryset):
    return set(queryset.values_list("history_user", flat=True))


@pytest.fixture(autouse=True)
def _no_request():
    """Nothing in these tests runs behind the request middleware unless it says so."""
    assert getattr(HistoricalRecords.context, "request", None) is None


# The rule: every service takes its acting user into the write path ----------------------


def test_every_service_taking_acting_user_runs_as_it():
    services = _services()
    # The scan finds the services (it cannot pass by finding nothing).
    for name in (
        "circles.services.circle_launch",
        "circles.services.note_save",
        "sharing.services.record_share",
        "outcomes.services.outcome_record",
        "privacy.retention.core_member_erase",
        "volunteers.services.volunteer_move",
        "accounts.services.user_deactivate",
    ):
        assert name in services
    not_acting = sorted(
        name for name, func in services.items() if not getattr(func, "runs_as_acting_user", False)
    )
    assert not_acting == []


def test_no_function_takes_acting_user_and_ignores_it():
    """A helper taking ``acting_user`` passes it on; a service runs as it (``@service``)."""
    ignored = []
    for path, _name in _project_modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            if "acting_user" not in {argument.arg for argument in arguments}:
                continue
            decorated = any(
                (isinstance(d, ast.Name) and d.id == "service")
                or (isinstance(d, ast.Attribute) and d.attr == "service")
                for d in node.decorator_list
            )
            used = any(
                isinstance(each, ast.Name) and each.id == "acting_user"
                for statement in node.body
                for each in ast.walk(statement)
            )
            if not (decorated or used):
                ignored.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert ignored == []


def test_the_decorator_refuses_a_function_without_acting_user():
    def no_author(*, circle):
        return circle

    with pytest.raises(TypeError):
        cosa_services.service(no_author)


# The mechanism -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_nested_service_keeps_the_outer_acting_user():
    outer, inner = CoordinatorFactory(), ManagerFactory()
    with cosa_services.acting_as(outer):
        with cosa_services.acting_as(inner):
            assert cosa_services.current_acting_user() == outer
        assert cosa_services.current_acting_user() == outer
    assert cosa_services.current_acting_user() is None


@pytest.mark.django_db
def test_nobody_and_an_anonymous_user_name_no_one():
    with cosa_services.acting_as(None):
        assert cosa_services.current_acting_user() is None
    with cosa_services.acting_as(AnonymousUser()):
        assert cosa_services.current_acting_user() is None
    outer = CoordinatorFactory()
    with cosa_services.acting_as(outer), cosa_services.acting_as(None):
        assert cosa_services.current_acting_user() == outer


@pytest.mark.django_db
def test_a_refused_service_leaves_no_acting_user_behind():
    coordinator = CoordinatorFactory()
    referral = ReferralFactory(status=Referral.Status.ASSESSING)
    with pytest.raises(Exception, match="reason"):
        core_member_services.referral_decline(referral=referral, acting_user=coordinator, reason="")
    assert cosa_services.current_acting_user() is None


@pytest.mark.django_db
def test_a_positional_acting_user_is_read_too():
    coordinator = CoordinatorFactory()

    @cosa_services.service
    def who(acting_user=None):
        return cosa_services.current_acting_user()

    assert who(coordinator) == coordinator
    assert who(acting_user=coordinator) == coordinator
    assert who() is None


@pytest.mark.django_db
def test_history_user_prefers_the_acting_user_over_the_request():
    requester, actor = ManagerFactory(), CoordinatorFactory()
    request = RequestFactory().get("/")
    request.user = requester
    assert cosa_services.history_user(instance=None, request=request) == requester
    assert cosa_services.history_user(instance=None, request=None) is None
    with cosa_services.acting_as(actor):
        assert cosa_services.history_user(instance=None, request=request) == actor


# Outside any request (a Celery task, a management command, the demo builder) -------------


@pytest.mark.django_db
def test_circle_launch_outside_a_request_names_the_coordinator():
    coordinator = CoordinatorFactory()
    circle = launchable_circle(coordinator=coordinator)
    circle_services.circle_launch(circle=circle, acting_user=coordinator)
    circle.refresh_from_db()
    assert circle.history.latest().history_user == coordinator
    assert circle.core_member.history.latest().history_user == coordinator
    # The milestones are created with objects.create(): still one history row each.
    milestones = ReviewMilestone.history.filter(circle_id=circle.pk)
    assert milestones.exists()
    assert _history_users(milestones) == {coordinator.pk}
    # Forming and staffing the circle named the coordinator too.
    assert _history_users(CircleMembership.history.filter(circle_id=circle.pk)) == {coordinator.pk}


@pytest.fixture
def circle_with_member(db):
    circle = ActiveCircleFactory()
    membership = CircleMembershipFactory(
        circle=circle, joined_on=timezone.localdate() - datetime.timedelta(days=30)
    )
    return circle, membership.volunteer.user


@pytest.mark.django_db
def test_minutes_submitted_outside_a_request_name_their_author(circle_with_member):
    circle, volunteer_user = circle_with_member
    meeting = MeetingFactory(circle=circle)
    note = circle_services.note_save(
        meeting=meeting,
        acting_user=volunteer_user,
        attendance=MeetingNote.Attendance.YES,
        summary="A steady week.",
        volunteers_present=[volunteer_user.volunteer],
        submit=True,
    )
    assert note.history.latest().history_user == volunteer_user
    assert note.history.latest().status == MeetingNote.Status.SUBMITTED
    # The meeting marked held by plain save() inside the service.
    held = Meeting.history.filter(id=meeting.pk, status=Meeting.Status.HELD).get()
    assert held.history_user == volunteer_user


@pytest.mark.django_db
def test_a_concern_raised_outside_a_request_names_who_raised_it(circle_with_member):
    circle, volunteer_user = circle_with_member
    concern = circle_services.concern_raise(
        circle=circle,
        acting_user=volunteer_user,
        category=Concern.Category.WELLBEING,
        severity=Concern.Severity.AMBER,
        description="Said he has not left the flat since Monday.",
    )
    assert concern.history.get().history_user == volunteer_user


@pytest.fixture
def shareable(circle_with_member):
    """A circle whose Core Member consents to sharing with an assigned liaison."""
    circle, volunteer_user = circle_with_member
    agency = AgencyFactory()
    liaison = LiaisonFactory(agency=agency)
    SharingAgreementFactory(core_member=circle.core_member, agencies=[agency])
    LiaisonAssignmentFactory(core_member=circle.core_member, liaison=liaison)
    return circle, volunteer_user, liaison


@pytest.mark.django_db
def test_a_record_shared_outside_a_request_names_who_shared_it(shareable):
    circle, volunteer_user, liaison = shareable
    concern = circle_services.concern_raise(
        circle=circle,
        acting_user=volunteer_user,
        category=Concern.Category.WELLBEING,
        severity=Concern.Severity.AMBER,
        description="Talked about visiting his old neighbourhood.",
    )
    record = sharing_services.record_compose(
        core_member=circle.core_member,
        acting_user=circle.coordinator,
        category=InformationSharingRecord.Category.CHANGE_OF_CIRCUMSTANCES,
        urgency=InformationSharingRecord.Urgency.ROUTINE,
        summary="Plans to visit his old neighbourhood.",
        details="Said so at Thursday's meeting.",
        recipients=[liaison],
        source_concern=concern,
    )
    assert record.status == InformationSharingRecord.Status.SHARED
    assert _history_users(record.history.all()) == {circle.coordinator.pk}
    assert _history_users(RecordRecipient.history.filter(record_id=record.pk)) == {
        circle.coordinator.pk
    }
    # The concern was triaged and marked shared by nested services: the same author.
    concern_rows = concern.history.order_by("history_id")
    assert [row.history_user_id for row in concern_rows] == [
        volunteer_user.pk,
        circle.coordinator.pk,
        circle.coordinator.pk,
    ]


@pytest.mark.django_db
def test_a_volunteer_status_change_outside_a_request_names_the_coordinator(
    circle_with_member,
):
    circle, volunteer_user = circle_with_member
    coordinator = circle.coordinator
    volunteer = volunteer_user.volunteer
    volunteer_services.volunteer_move(
        volunteer=volunteer, to=Volunteer.Status.PAUSED, acting_user=coordinator
    )
    assert volunteer.history.latest().history_user == coordinator
    circle_services.volunteer_leave(volunteer=volunteer, acting_user=coordinator, reason="Moved")
    assert volunteer.history.latest().history_user == coordinator
    # Leaving the pool ended the membership through a nested service.
    membership = volunteer.memberships.get()
    assert membership.history.latest().left_on is not None
    assert membership.history.latest().history_user == coordinator


@pytest.mark.django_db
def test_a_core_member_update_outside_a_request_names_who_changed_it():
    coordinator = CoordinatorFactory()
    referral = ReferralFactory(coordinator=coordinator)
    core_member = referral.core_member
    core_member_services.core_member_update(
        core_member=core_member, acting_user=coordinator, preferred_name="Jim"
    )
    latest = core_member.history.latest()
    assert latest.preferred_name == "Jim"
    assert latest.history_user == coordinator


@pytest.mark.django_db
def test_a_referral_decision_outside_a_request_names_who_decided():
    coordinator = CoordinatorFactory()
    referral = ReferralFactory(status=Referral.Status.RECEIVED, coordinator=coordinator)
    core_member_services.referral_start_assessment(referral=referral, acting_user=coordinator)
    core_member_services.referral_accept(
        referral=referral, acting_user=coordinator, reason="Suitable"
    )
    assert [
        (row.status, row.history_user_id)
        for row in referral.history.order_by("history_id")
        if row.history_type == "~"
    ] == [
        (Referral.Status.ASSESSING, coordinator.pk),
        (Referral.Status.ACCEPTED, coordinator.pk),
    ]
    assert referral.core_member.history.latest().history_user == coordinator


@pytest.mark.django_db
def test_an_account_made_and_deactivated_outside_a_request_names_the_manager():
    manager = ManagerFactory()
    user = account_services.user_create(
        email="new.coordinator@cosa.example.org",
        first_name="Nia",
        last_name="Newell",
        role=User.Role.COORDINATOR,
        acting_user=manager,
    )
    account_services.user_deactivate(user=user, acting_user=manager)
    assert _history_users(user.history.all()) == {manager.pk}


@pytest.mark.django_db
def test_a_system_job_names_nobody():
    """No acting user and no request: "the system" (the retention sweep, meeting generation)."""
    referral = ReferralFactory()
    core_member_services.core_member_update(core_member=referral.core_member, preferred_name="Jim")
    assert referral.core_member.history.latest().history_user is None


# Inside a request ------------------------------------------------------------------------------


def _in_a_request(user, work):
    """Run ``work`` behind simple-history's middleware, as a view would, for ``user``."""
    request = RequestFactory().post("/")
    request.user = user

    def view(request):
        work()
        return HttpResponse()

    HistoryRequestMiddleware(view)(request)


@pytest.mark.django_db
def test_in_a_request_the_acting_user_wins_over_the_requests_user():
    manager, coordinator = ManagerFactory(), CoordinatorFactory()
    referral = ReferralFactory(coordinator=coordinator)
    core_member = referral.core_member
    _in_a_request(
        manager,
        lambda: core_member_services.core_member_update(
            core_member=core_member, acting_user=coordinator, preferred_name="Jim"
        ),
    )
    assert core_member.history.latest().history_user == coordinator


@pytest.mark.django_db
def test_in_a_request_a_write_without_an_acting_user_names_the_requests_user():
    manager = ManagerFactory()
    referral = ReferralFactory()
    core_member = referral.core_member

    def work():
        core_member.preferred_name = "Jim"
        core_member.save(update_fields=["preferred_name"])
        core_member_services.core_member_update(core_member=core_member, preferred_name="Jo")

    _in_a_request(manager, work)
    assert _history_users(core_member.history.filter(history_type="~")) == {manager.pk}
