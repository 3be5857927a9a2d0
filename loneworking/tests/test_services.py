import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from accounts.models import Notification
from circles import cover
from loneworking import services, sms, tasks
from loneworking.models import Alert, AlertRecipient, CheckIn, token_digest
from loneworking.tests.conftest import start

pytestmark = pytest.mark.django_db(transaction=False)
Step = Alert.Step
T0 = timezone.now().replace(microsecond=0)


def minutes(n):
    return datetime.timedelta(minutes=n)


# Checking in -------------------------------------------------------------------------------


def test_it_rejects_another_circles_volunteer(case):
    with pytest.raises(PermissionError):
        start(case, user=case["otto"])
    assert not CheckIn.objects.exists()


def test_it_rejects_a_coordinator_checking_in(case):
    with pytest.raises(PermissionError):
        start(case, user=case["coordinator"])


@pytest.mark.parametrize("hours", [-1, 0, 13])
def test_the_expected_end_is_in_the_next_twelve_hours(case, hours):
    with pytest.raises(ValidationError) as error:
        start(case, hours=hours)
    assert "expected_end_at" in error.value.message_dict
    assert not CheckIn.objects.exists()


def test_the_token_is_stored_only_as_its_digest(case):
    checkin, raw = start(case)
    assert raw not in checkin.token_hash
    assert checkin.token_hash == token_digest(raw)
    assert checkin.link_expires_at == checkin.expected_end_at + datetime.timedelta(hours=4)


def test_checking_out_twice_checks_out_once(case):
    checkin, _ = start(case)
    assert services.checkin_check_out(checkin=checkin, acting_user=case["vera"]) is True
    assert services.checkin_check_out(checkin=checkin, acting_user=case["vera"]) is False


def test_only_the_volunteer_acts_on_their_check_in(case):
    checkin, _ = start(case)
    with pytest.raises(PermissionError):
        services.checkin_check_out(checkin=checkin, acting_user=case["otto"])
    with pytest.raises(PermissionError):
        services.checkin_help(checkin=checkin, acting_user=case["coordinator"])


# The sweep ---------------------------------------------------------------------------------


def deliver():
    """What the workers do with the enqueued sends: each e-mail and text, once."""
    from accounts.notifications import notification_email_send

    for pk in Notification.objects.email_pending().values_list("pk", flat=True):
        notification_email_send(notification_id=pk)
    for pk in AlertRecipient.objects.sms_pending().values_list("pk", flat=True):
        services.alert_sms_send(recipient_row_id=pk)


def _alerts(step=None):
    alerts = Alert.objects.all()
    return alerts.filter(step=step) if step else alerts


def test_nothing_is_raised_before_thirty_minutes_after_the_end(case):
    start(case, now=T0)
    services.lone_working_sweep(now=T0 + minutes(60 + 29))
    assert not _alerts().exists()
    assert not Notification.objects.exists()
    assert sms.outbox == []


def test_a_checked_out_volunteer_raises_nothing(case):
    checkin, _ = start(case, now=T0)
    services.checkin_check_out(checkin=checkin, acting_user=case["vera"], now=T0 + minutes(50))
    services.lone_working_sweep(now=T0 + minutes(200))
    assert not _alerts().exists()


def test_the_cover_is_alerted_once_with_phone_and_venue_behind_the_link(case):
    start(case, now=T0)
    at = T0 + minutes(91)
    first = services.lone_working_sweep(now=at)
    deliver()
    second = services.lone_working_sweep(now=at + minutes(1))
    deliver()
    assert first["raised"] == 1 and second["raised"] == 0
    alert = _alerts(Step.OVERDUE_COVER).get()
    row = alert.recipients.get()
    assert row.recipient == case["coordinator"]
    notification = Notification.objects.get(recipient=case["coordinator"])
    assert notification.link == f"/lone-working/alerts/{alert.pk}/"
    # The e-mail says call the volunteer and links to the page; no number, no venue.
    assert len(mail.outbox) == 1
    assert "Call the volunteer" in mail.outbox[0].body
    assert "07700 900123" not in mail.outbox[0].body
    assert "Mill Lane" not in mail.outbox[0].body
    # The text is what someone away from a desk needs: the number to call.
    assert len(sms.outbox) == 1
    to, text = sms.outbox[0]
    assert to == "07700 900001"
    assert "07700 900123" in text and "Vera" in text
    assert "Vantongeren" not in text and "Ned" not in text


def test_managers_are_alerted_once_thirty_minutes_later(case):
    start(case, now=T0)
    services.lone_working_sweep(now=T0 + minutes(91))
    services.lone_working_sweep(now=T0 + minutes(119))
    deliver()
    assert not _alerts(Step.OVERDUE_MANAGERS).exists()
    services.lone_working_sweep(now=T0 + minutes(121))
    services.lone_working_sweep(now=T0 + minutes(125))
    deliver()
    alert = _alerts(Step.OVERDUE_MANAGERS).get()
    assert [r.recipient for r in alert.recipients.all()] == [case["manager"]]
    assert _alerts().count() == 2
    assert Notification.objects.filter(recipient=case["manager"]).count() == 1
    assert [to for to, _ in sms.outbox] == ["07700 900001", "07700 900002"]


def test_a_sweep_finding_both_steps_at_once_raises_each_once(case):
    start(case, now=T0)
    services.lone_working_sweep(now=T0 + minutes(180))
    services.lone_working_sweep(now=T0 + minutes(181))
    assert sorted(_alerts().values_list("step", flat=True)) == [
        Step.OVERDUE_COVER,
        Step.OVERDUE_MANAGERS,
    ]


def test_the_deputy_covering_the_coordinator_is_alerted(case):
    deputy = case["other_coordinator"]
    today = timezone.localdate()
    cover.cover_create(
        coordinator=case["coordinator"],
        deputy=deputy,
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=2),
        acting_user=case["manager"],
    )
    now = timezone.now()
    start(case, now=now - minutes(95))
    services.lone_working_sweep(now=now)
    assert _alerts(Step.OVERDUE_COVER).get().recipients.get().recipient == deputy


def test_a_race_between_two_sweeps_raises_once(case, monkeypatch):
    """Both sweeps found the step due; the second's insert meets the constraint."""
    checkin, _ = start(case, now=T0)
    at = T0 + minutes(91)
    due = services.due_steps(at)
    services.lone_working_sweep(now=at)
    # The second sweep read its list before the first inserted, and its check saw nothing.
    monkeypatch.setattr(services, "due_steps", lambda now: due)
    monkeypatch.setattr(services, "_exists", lambda checkin_id, step: False)
    assert services.lone_working_sweep(now=at)["raised"] == 0
    assert _alerts().count() == 1
    assert AlertRecipient.objects.count() == 1
    assert Notification.objects.count() == 1


def test_asking_for_help_twice_alerts_once_at_once(case):
    checkin, _ = start(case)
    first = services.checkin_help(checkin=checkin, acting_user=case["vera"])
    second = services.checkin_help(checkin=checkin, acting_user=case["vera"])
    deliver()
    assert first is not None and second is None
    assert _alerts(Step.HELP).get().recipients.get().recipient == case["coordinator"]
    assert len(sms.outbox) == 1
    assert "I need help" in sms.outbox[0][1]


def test_help_out_of_hours_goes_to_the_person_on_call(case):
    from circles.models import OnCallShift

    now = timezone.now()
    OnCallShift.objects.create(
        staff=case["other_coordinator"],
        phone="07700 900555",
        starts_at=now - minutes(60),
        ends_at=now + minutes(600),
        created_by=case["manager"],
    )
    checkin, _ = start(case, now=now)
    covering = cover.who_covers(case["circle"], at=now)
    services.checkin_help(checkin=checkin, acting_user=case["vera"], now=now)
    row = _alerts(Step.HELP).get().recipients.get()
    assert row.recipient == covering
    if covering == case["other_coordinator"]:
        assert row.sms_to == "07700 900555"


# Texts: exactly once ---------------------------------------------------------------------


def test_a_text_task_delivered_twice_sends_once(case):
    checkin, _ = start(case)
    services.checkin_help(checkin=checkin, acting_user=case["vera"])
    row = AlertRecipient.objects.get()
    assert tasks.send_alert_sms.run(row.pk) is True
    assert tasks.send_alert_sms.run(row.pk) is False
    assert len(sms.outbox) == 1


def test_a_lost_text_is_enqueued_again_by_a_later_sweep(
    case, monkeypatch, django_capture_on_commit_callbacks
):
    checkin, _ = start(case)
    services.checkin_help(checkin=checkin, acting_user=case["vera"])  # enqueue never runs
    row = AlertRecipient.objects.get()
    assert row.sms_sent_at is None
    sent = []
    monkeypatch.setattr(services, "_enqueue_sms", lambda ids: sent.extend(ids))
    later = timezone.now() + datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.lone_working_sweep(now=later)["texts_requeued"] == 1
    assert sent == [row.pk]
    assert services.lone_working_sweep(now=later)["texts_requeued"] == 0


needs_row_locks = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no row locks (.ci/run: PostgreSQL)"
)


def _together(target, n=2):
    results = []

    def run():
        try:
            results.append(target())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_raise_each_step_once(case):
    start(case, now=T0)
    results = _together(lambda: services.lone_working_sweep(now=T0 + minutes(91))["raised"])
    assert sorted(results) == [0, 1]
    assert _alerts().count() == 1
    assert Notification.objects.count() == 1


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_text_send_once(case):
    checkin, _ = start(case)
    services.checkin_help(checkin=checkin, acting_user=case["vera"])
    row = AlertRecipient.objects.get()
    results = _together(lambda: services.alert_sms_send(recipient_row_id=row.pk))
    assert sorted(results) == [False, True]
    assert len(sms.outbox) == 1


def test_a_second_check_in_while_the_first_runs_is_refused_until_check_out(case):
    now = timezone.now()
    first, _ = start(case, now=now)
    with pytest.raises(ValidationError) as refused:
        start(case, now=now + datetime.timedelta(minutes=1))
    assert "already checked in" in str(refused.value)
    assert CheckIn.objects.filter(volunteer=case["vera"]).count() == 1
    services.checkin_check_out(checkin=first, acting_user=case["vera"], now=now)
    start(case, now=now + datetime.timedelta(minutes=2))
    assert CheckIn.objects.filter(volunteer=case["vera"]).count() == 2


def test_a_check_in_past_its_end_does_not_block_the_next_contact(case):
    now = timezone.now()
    start(case, now=now - datetime.timedelta(hours=3), hours=1)
    start(case, now=now)
    assert CheckIn.objects.filter(volunteer=case["vera"], checked_out_at__isnull=True).count() == 2
