"""The bell, notify() and its e-mail task, and the managers' operations page."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import notifications, tasks
from accounts.models import Notification
from accounts.tests.factories import (
    CoordinatorFactory,
    LiaisonFactory,
    ManagerFactory,
    VolunteerUserFactory,
)
from circles.models import Reminder, SweepRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch):
    """The notification ids handed to the e-mail task (no broker involved)."""
    sent = []
    monkeypatch.setattr(tasks.send_notification_email, "delay", sent.append)
    return sent


def note(user, subject="Minutes due", **fields):
    fields.setdefault("link", "/circles/")
    fields.setdefault("email_wanted", False)
    return Notification.objects.create(recipient=user, subject=subject, **fields)


# notify() ---------------------------------------------------------------------------------


def test_notify_skips_a_deactivated_user(enqueued, django_capture_on_commit_callbacks):
    user = CoordinatorFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.notify(recipient=user, subject="S", link="/x/") is None
    assert not Notification.objects.exists()
    assert enqueued == []


def test_notify_rolled_back_with_the_request_alerts_nobody(
    enqueued, django_capture_on_commit_callbacks
):
    user = CoordinatorFactory()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notifications.notify(recipient=user, subject="S", link="/x/")
        raise RuntimeError("the view failed")
    assert not Notification.objects.exists()
    assert enqueued == []


def test_notify_leaves_a_bell_entry_and_enqueues_the_email_after_commit(
    enqueued, django_capture_on_commit_callbacks
):
    user = CoordinatorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notification = notifications.notify(
            recipient=user, subject="A record awaits you", link="/core-members/records/4/"
        )
        assert enqueued == []  # not before the commit
    assert enqueued == [notification.pk]
    assert notification.email_wanted and notification.emailed_at is None
    assert notifications.unread_count(user) == 1


def test_notify_without_email_only_rings_the_bell(enqueued, django_capture_on_commit_callbacks):
    user = CoordinatorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(recipient=user, subject="S", link="/x/", email=False)
    assert enqueued == []
    assert Notification.objects.get().email_wanted is False


def test_email_task_run_twice_sends_once_with_a_link_only(settings):
    user = LiaisonFactory()
    notification = notifications.notify(
        recipient=user, subject="Awaiting acknowledgement", link="/core-members/records/4/"
    )
    tasks.send_notification_email(notification.pk)
    tasks.send_notification_email(notification.pk)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == "Awaiting acknowledgement"
    assert f"{settings.SITE_URL}/core-members/records/4/" in message.body
    notification.refresh_from_db()
    assert notification.emailed_at is not None and notification.email_attempts == 1


def test_failed_email_is_counted_and_retried_later(monkeypatch):
    notification = notifications.notify(recipient=CoordinatorFactory(), subject="S", link="/x/")

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.EmailMessage.send", refuse)
        with pytest.raises(smtplib.SMTPServerDisconnected):
            tasks.send_notification_email(notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None
    assert (notification.email_attempts, notification.email_error[:22]) == (
        1,
        "SMTPServerDisconnected",
    )

    tasks.send_notification_email(notification.pk)
    assert len(mail.outbox) == 1


def test_a_lost_enqueue_is_picked_up_by_the_sweep_after_the_timeout(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(pk):
        raise ConnectionError("redis is restarting")

    monkeypatch.setattr(tasks.send_notification_email, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notifications.notify(recipient=CoordinatorFactory(), subject="S", link="/")
    assert Notification.objects.email_pending().get() == notification  # committed, not lost

    now = timezone.now()
    assert notifications.notification_emails_claim(now=now) == []  # the first enqueue is fresh
    later = now + datetime.timedelta(seconds=settings.COSA_REMINDER_CLAIM_TIMEOUT_SECONDS + 1)
    enqueued = []
    monkeypatch.setattr(tasks.send_notification_email, "delay", enqueued.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.notification_emails_claim(now=later) == [notification.pk]
    assert enqueued == [notification.pk]


# The bell ---------------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count(client):
    user = VolunteerUserFactory()
    note(user)
    note(user, read_at=timezone.now())
    note(CoordinatorFactory())  # someone else's
    client.force_login(user)

    response = client.get(reverse("accounts:notifications"))

    assert response.status_code == 200
    assert b'data-unread="1"' in response.content


def test_no_badge_when_all_read(client):
    user = VolunteerUserFactory()
    note(user, read_at=timezone.now())
    client.force_login(user)
    response = client.get(reverse("accounts:notifications"))
    assert b"data-unread" not in response.content


def test_the_list_shows_only_my_notifications(client):
    user = LiaisonFactory()
    note(user, subject="Yours to read")
    note(CoordinatorFactory(), subject="Someone else's business")
    client.force_login(user)

    response = client.get(reverse("accounts:notifications"))

    assert b"Yours to read" in response.content
    assert b"Someone else" not in response.content


def test_marking_someone_elses_notification_is_404(client):
    theirs = note(CoordinatorFactory())
    client.force_login(VolunteerUserFactory())

    response = client.post(reverse("accounts:notification_read", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_needs_a_post(client):
    user = VolunteerUserFactory()
    mine = note(user)
    client.force_login(user)
    assert client.get(reverse("accounts:notification_read", args=[mine.pk])).status_code == 405
    mine.refresh_from_db()
    assert mine.read_at is None


def test_opening_a_notification_marks_it_read_and_follows_its_link(client):
    user = VolunteerUserFactory()
    mine = note(user, link="/circles/12/")
    client.force_login(user)

    response = client.post(reverse("accounts:notification_read", args=[mine.pk]))

    assert response.status_code == 302 and response["Location"] == "/circles/12/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert notifications.unread_count(user) == 0


def test_mark_read_can_stay_on_the_list_and_never_leaves_the_site(client):
    user = VolunteerUserFactory()
    stay = note(user)
    offsite = note(user, link="https://elsewhere.example/")
    client.force_login(user)

    response = client.post(reverse("accounts:notification_read", args=[stay.pk]), {"next": "list"})
    assert response["Location"] == reverse("accounts:notifications")
    response = client.post(reverse("accounts:notification_read", args=[offsite.pk]))
    assert response["Location"] == reverse("accounts:notifications")


def test_mark_all_read_touches_only_mine(client):
    user = CoordinatorFactory()
    other = CoordinatorFactory()
    note(user)
    note(user)
    note(other)
    client.force_login(user)

    response = client.post(reverse("accounts:notifications_read_all"))

    assert response.status_code == 302
    assert notifications.unread_count(user) == 0
    assert notifications.unread_count(other) == 1


def _queries_for_list(client, django_assert_max_num_queries, user, limit):
    client.force_login(user)
    client.get(reverse("accounts:notifications"))  # the session's first write
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(reverse("accounts:notifications"))
    assert response.status_code == 200
    return len(captured)


def test_the_list_page_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    user = CoordinatorFactory()
    for n in range(3):
        note(user, subject=f"Reminder {n}")
    few = _queries_for_list(client, django_assert_max_num_queries, user, 12)
    for n in range(40):
        note(user, subject=f"Reminder {n + 3}", read_at=timezone.now() if n % 2 else None)
    many = _queries_for_list(client, django_assert_max_num_queries, user, 12)
    assert many == few, (few, many)


def test_the_bell_costs_one_query_per_page(client, django_assert_num_queries):
    from django.template import Context, Template
    from django.test import RequestFactory

    user = CoordinatorFactory()
    note(user)
    request = RequestFactory().get("/")
    request.user = user
    template = Template('{% include "partials/bell.html" %}')
    with django_assert_num_queries(1):
        html = template.render(Context({"request": request, "user": user}))
    assert 'data-unread="1"' in html


# Operations page --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "factory", [CoordinatorFactory, VolunteerUserFactory, LiaisonFactory], ids=lambda f: f.__name__
)
def test_operations_page_refuses_everyone_but_managers(client, factory):
    client.force_login(factory())
    assert client.get(reverse("circles:reminders_operations")).status_code == 403


def test_operations_page_needs_a_login(client):
    response = client.get(reverse("circles:reminders_operations"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_operations_page_warns_when_the_sweep_has_never_run(client):
    client.force_login(ManagerFactory())
    response = client.get(reverse("circles:reminders_operations"))
    assert response.status_code == 200
    assert b'data-testid="sweep-late"' in response.content
    assert b"It has never run" in response.content


def test_operations_page_warns_when_the_sweep_is_late(client, settings):
    now = timezone.now()
    late = datetime.timedelta(seconds=settings.COSA_SWEEP_LATE_AFTER_SECONDS + 60)
    SweepRun.objects.create(started_at=now - late, finished_at=now - late, created=2, enqueued=2)
    client.force_login(ManagerFactory())

    response = client.get(reverse("circles:reminders_operations"))

    assert b'data-testid="sweep-late"' in response.content
    assert b"The reminder sweep is late" in response.content


def test_operations_page_shows_backlog_and_failures_when_on_time(client):
    manager = ManagerFactory()
    now = timezone.now()
    SweepRun.objects.create(started_at=now, finished_at=now, created=1, enqueued=1, queries=12)
    common = {"kind": Reminder.Kind.MEETING, "recipient": manager}
    Reminder.objects.create(
        object_id=1, period="a", due_at=now - datetime.timedelta(hours=1), **common
    )
    Reminder.objects.create(
        object_id=2,
        period="a",
        due_at=now - datetime.timedelta(hours=2),
        attempts=3,
        last_error="SMTPServerDisconnected('gone')",
        **common,
    )
    Reminder.objects.create(
        object_id=3, period="a", due_at=now + datetime.timedelta(hours=1), **common
    )
    Reminder.objects.create(object_id=4, period="a", due_at=now, sent_at=now, **common)
    client.force_login(manager)

    response = client.get(reverse("circles:reminders_operations"))

    content = response.content.decode()
    assert 'data-testid="sweep-late"' not in content
    assert "The reminder sweep is running" in content
    assert '<p class="display-6 mb-1" data-testid="backlog">2</p>' in content
    assert '<p class="display-6 mb-1" data-testid="failures">1</p>' in content
    assert "SMTPServerDisconnected" in content


def test_operations_page_says_when_the_last_sweep_failed(client):
    now = timezone.now()
    SweepRun.objects.create(started_at=now, finished_at=now, error="OperationalError('gone')")
    client.force_login(ManagerFactory())
    response = client.get(reverse("circles:reminders_operations"))
    assert b'data-testid="sweep-failed"' in response.content
    assert b"OperationalError" in response.content


def test_the_sessions_user_brings_the_bells_count_so_the_bell_costs_no_query(
    client, django_assert_num_queries
):
    from django.contrib.auth import get_user
    from django.template import Context, Template
    from django.test import RequestFactory

    user = CoordinatorFactory()
    note(user)
    note(user)
    note(user, read_at=timezone.now())
    note(CoordinatorFactory())
    client.force_login(user)
    request = RequestFactory().get("/")
    request.session = client.session
    loaded = get_user(request)
    assert loaded.unread_notifications_loaded == 2
    template = Template('{% include "partials/bell.html" %}')
    with django_assert_num_queries(0):
        html = template.render(Context({"request": request, "user": loaded}))
    assert 'data-unread="2"' in html


@pytest.mark.parametrize("how", ["one", "all", "concern triaged"])
def test_marking_read_drops_the_loaded_count_so_the_same_request_counts_afresh(how):
    from django.contrib.auth import get_user
    from django.test import Client, RequestFactory

    from circles.services import concern_triage
    from circles.tests.factories import ConcernFactory

    concern = ConcernFactory()
    user = concern.circle.coordinator
    link = reverse("circles:concern_detail", args=[concern.circle_id, concern.pk])
    first = note(user, link=link)
    note(user)
    browser = Client()
    browser.force_login(user)
    request = RequestFactory().get("/")
    request.session = browser.session
    loaded = get_user(request)
    assert notifications.unread_count(loaded) == 2
    if how == "one":
        notifications.notification_mark_read(notification=first, acting_user=loaded)
    elif how == "all":
        notifications.notifications_mark_all_read(acting_user=loaded)
    else:
        concern_triage(concern=concern, acting_user=loaded, notes="Called the OM.")
    expected = Notification.objects.for_user(user).unread().count()
    assert expected < 2
    assert notifications.unread_count(loaded) == expected
