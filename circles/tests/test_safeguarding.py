"""Safeguarding: cover, the on-call rota, escalation of urgent concerns, the action log."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Notification
from accounts.services import user_deactivate
from accounts.tests.factories import CoordinatorFactory, ManagerFactory
from circles import cover, reminders, services, tasks
from circles.access import circles_visible_to
from circles.models import Concern, ConcernAction, Cover, Reminder
from circles.tests.factories import ActiveCircleFactory, ConcernFactory

pytestmark = pytest.mark.django_db
K = Reminder.Kind


def rows():
    return sorted(
        Reminder.objects.filter(kind=K.CONCERN_UNTRIAGED).values_list(
            "object_id", "recipient_id", "period"
        )
    )


def send_all():
    return [
        tasks.send_reminder(pk) for pk in Reminder.objects.unsent().values_list("pk", flat=True)
    ]


@pytest.fixture
def circle(freeze_time):
    freeze_time(datetime.datetime(2026, 10, 1, 12, 0))
    return ActiveCircleFactory()


def test_deputy_sees_nothing_before_cover_starts_and_nothing_after_it_ends(circle, freeze_time):
    deputy = CoordinatorFactory()
    manager = ManagerFactory()
    cover_row = cover.cover_create(
        coordinator=circle.coordinator,
        deputy=deputy,
        starts_on=datetime.date(2026, 10, 5),
        ends_on=datetime.date(2026, 10, 9),
        acting_user=manager,
    )
    assert circle not in circles_visible_to(deputy)

    cover.cover_sweep(now=freeze_time(datetime.datetime(2026, 10, 5, 8, 0)))
    assert circle in circles_visible_to(deputy, "change")
    assert cover.who_covers(circle, at=timezone.now()) == deputy
    # Idempotent: a second sweep starts nothing again.
    assert cover.cover_sweep(now=timezone.now()) == {"started": 0, "ended": 0}

    result = cover.cover_sweep(now=freeze_time(datetime.datetime(2026, 10, 10, 8, 0)))
    assert result == {"started": 0, "ended": 1}
    assert circle not in circles_visible_to(deputy)
    cover_row.refresh_from_db()
    assert cover_row.ended_at is not None
    assert cover.who_covers(circle, at=timezone.now()) == circle.coordinator


def test_cover_refuses_bad_dates_and_self_cover(circle):
    manager = ManagerFactory()
    with pytest.raises(ValidationError):
        cover.cover_create(
            coordinator=circle.coordinator,
            deputy=circle.coordinator,
            starts_on=datetime.date(2026, 10, 5),
            ends_on=datetime.date(2026, 10, 9),
            acting_user=manager,
        )
    with pytest.raises(ValidationError):
        cover.cover_create(
            coordinator=circle.coordinator,
            deputy=CoordinatorFactory(),
            starts_on=datetime.date(2026, 10, 9),
            ends_on=datetime.date(2026, 10, 5),
            acting_user=manager,
        )
    assert Cover.objects.count() == 0


def test_deactivating_the_deputy_ends_their_cover(circle, freeze_time):
    deputy = CoordinatorFactory()
    manager = ManagerFactory()
    freeze_time(datetime.datetime(2026, 10, 5, 9, 0))
    cover.cover_create(
        coordinator=circle.coordinator,
        deputy=deputy,
        starts_on=datetime.date(2026, 10, 5),
        ends_on=datetime.date(2026, 10, 9),
        acting_user=manager,
    )
    user_deactivate(user=deputy, acting_user=manager)
    assert Cover.objects.live().count() == 0
    assert cover.who_covers(circle, at=timezone.now()) == circle.coordinator


def test_out_of_hours_the_on_call_person_covers(circle, freeze_time):
    manager = ManagerFactory()
    on_call = CoordinatorFactory()
    # Saturday 10 October 2026, London.
    moment = freeze_time(datetime.datetime(2026, 10, 10, 20, 0))
    assert cover.who_covers(circle, at=moment) == circle.coordinator  # no shift: fallback
    cover.shift_create(
        staff=on_call,
        phone="01632 960000",
        starts_at=moment - datetime.timedelta(hours=2),
        ends_at=moment + datetime.timedelta(hours=12),
        acting_user=manager,
    )
    assert cover.who_covers(circle, at=moment) == on_call
    assert cover.out_of_hours_phone(moment) == "01632 960000"
    # Monday 10:00 is working hours: the coordinator.
    assert cover.who_covers(circle, at=freeze_time(datetime.datetime(2026, 10, 12, 10))) == (
        circle.coordinator
    )


def test_imminent_risk_escalates_at_night_to_on_call_then_managers_once(circle, freeze_time):
    manager = ManagerFactory()
    on_call = CoordinatorFactory()
    raised = freeze_time(datetime.datetime(2026, 10, 10, 21, 0))  # Saturday night
    cover.shift_create(
        staff=on_call,
        phone="01632 960001",
        starts_at=raised,
        ends_at=raised + datetime.timedelta(hours=12),
        acting_user=manager,
    )
    concern = ConcernFactory(
        circle=circle, severity=Concern.Severity.AMBER, imminent_risk=True, raised_at=raised
    )
    red = ConcernFactory(circle=circle, severity=Concern.Severity.RED, raised_at=raised)

    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 10, 21, 59))).created == 0
    reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 10, 22, 0)))
    assert rows() == [(concern.pk, on_call.pk, "cover")]
    reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 10, 23, 0)))
    reminders.sweep(now=timezone.now())
    assert set(rows()) == {(concern.pk, on_call.pk, "cover"), (concern.pk, manager.pk, "managers")}
    assert send_all() == ["sent", "sent"]
    assert red.pk not in {r[0] for r in rows()}  # RED waits for working hours


def test_triage_marks_the_concern_alerts_read(circle, freeze_time):
    freeze_time(datetime.datetime(2026, 10, 5, 10, 0))
    raiser = ManagerFactory()
    concern = services.concern_raise(
        circle=circle,
        acting_user=raiser,
        category=Concern.Category.RISK_BEHAVIOUR,
        severity=Concern.Severity.RED,
        description="Fictional test concern.",
    )
    assert Notification.objects.unread().filter(recipient=circle.coordinator).count() == 1
    services.concern_triage(concern=concern, acting_user=circle.coordinator, notes="Called.")
    assert Notification.objects.unread().filter(recipient=circle.coordinator).count() == 0


def test_action_log_refuses_outsiders_and_blank_outcomes_then_appends(circle, freeze_time):
    freeze_time(datetime.datetime(2026, 10, 5, 10, 0))
    concern = ConcernFactory(circle=circle, severity=Concern.Severity.RED, raised_at=timezone.now())
    with pytest.raises(ValidationError):
        services.concern_action_record(
            concern=concern, acting_user=CoordinatorFactory(), kind="POLICE", outcome="x"
        )
    with pytest.raises(ValidationError):
        services.concern_action_record(
            concern=concern, acting_user=circle.coordinator, kind="POLICE", outcome="  "
        )
    assert ConcernAction.objects.count() == 0
    services.concern_action_record(
        concern=concern,
        acting_user=circle.coordinator,
        kind=ConcernAction.Kind.OFFENDER_MANAGER,
        outcome="Offender manager will visit today.",
    )
    assert list(concern.actions.values_list("kind", flat=True)) == ["OFFENDER_MANAGER"]
