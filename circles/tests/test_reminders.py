"""Reminders fire exactly once (circles/reminders.py, DESIGN §5).

Every kind: one row per (kind, object, recipient, period), a second sweep creates
none, and sending twice sends one e-mail. Times are Europe/London; 2026's clock
changes fall on Sunday 29 March (GMT → BST) and Sunday 25 October (BST → GMT).
"""

import datetime
import smtplib
import zoneinfo
from collections import Counter

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification
from accounts.tests.factories import ManagerFactory
from circles import reminders, services, tasks
from circles.models import (
    Circle,
    CircleMembership,
    Concern,
    Frequency,
    Meeting,
    MeetingNote,
    Reminder,
    ReviewMilestone,
    SweepRun,
    Weekday,
)
from circles.tests.factories import (
    ActiveCircleFactory,
    CircleMembershipFactory,
    ConcernFactory,
    MeetingFactory,
    MeetingNoteFactory,
    ReviewMilestoneFactory,
)
from coreMembers.tests.factories import InformationSharingRecordFactory, RecordRecipientFactory
from sharing.models import InformationSharingRecord
from volunteers.models import Volunteer
from volunteers.tests.factories import DBSCheckFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = datetime.UTC
K = Reminder.Kind


def london(*args):
    return datetime.datetime(*args, tzinfo=LONDON).astimezone(UTC)


def rows(kind=None):
    qs = Reminder.objects.all() if kind is None else Reminder.objects.filter(kind=kind)
    return sorted(qs.values_list("kind", "object_id", "recipient_id", "period"))


def send_all():
    """Run the send task for every unsent row, as a worker would; returns the outcomes."""
    return [
        tasks.send_reminder(pk) for pk in Reminder.objects.unsent().values_list("pk", flat=True)
    ]


@pytest.fixture
def circle(freeze_time):
    """A Thursday 18:30 circle: a primary volunteer, two more, and one who has left."""
    freeze_time(datetime.datetime(2026, 10, 1, 12, 0))
    circle = ActiveCircleFactory(
        name="Thursday circle", weekday=Weekday.THURSDAY, meeting_time=datetime.time(18, 30)
    )
    CircleMembershipFactory(circle=circle, role=CircleMembership.Role.PRIMARY)
    CircleMembershipFactory.create_batch(2, circle=circle)
    CircleMembershipFactory(circle=circle, left_on=timezone.localdate())
    return circle


def current_volunteer_ids(circle):
    return sorted(circle.memberships.current().values_list("volunteer__user_id", flat=True))


# Meeting reminders ------------------------------------------------------------------------


def test_meeting_reminder_goes_to_each_current_volunteer_once(circle, freeze_time):
    meeting = MeetingFactory(circle=circle, starts_at=london(2026, 10, 29, 18, 30))
    leaver = circle.memberships.exclude(left_on=None).get().volunteer.user_id

    now = freeze_time(datetime.datetime(2026, 10, 28, 18, 0))
    assert reminders.sweep(now=now).created == 0  # 24 hours ahead is 18:30 the day before

    now = freeze_time(datetime.datetime(2026, 10, 28, 18, 31))
    run = reminders.sweep(now=now)
    assert run.created == 3
    assert run.enqueued == 3
    assert [r[2] for r in rows(K.MEETING)] == current_volunteer_ids(circle)
    assert leaver not in [r[2] for r in rows()]
    assert {r[1] for r in rows()} == {meeting.pk}

    # The second sweep, and a third an hour later, find nothing new.
    assert reminders.sweep(now=now).created == 0
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 28, 19, 31))).created == 0
    assert Reminder.objects.count() == 3


def test_send_task_run_twice_sends_one_email_with_calendar(circle, freeze_time):
    MeetingFactory(circle=circle, starts_at=london(2026, 10, 29, 18, 30))
    now = freeze_time(datetime.datetime(2026, 10, 28, 19, 0))
    reminders.sweep(now=now)
    reminder = Reminder.objects.order_by("pk").first()

    assert tasks.send_reminder(reminder.pk) == "sent"
    assert tasks.send_reminder(reminder.pk) == "already sent"

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [reminder.recipient.email]
    assert "Thursday 29 October 2026 at 18:30" in message.subject
    assert "Northshire Community Centre" in message.body  # volunteers may see the venue
    assert circle.core_member.last_name not in message.body + message.subject
    ((name, ics, mimetype),) = message.attachments
    assert (name, mimetype) == ("meeting.ics", "text/calendar")
    assert Notification.objects.filter(recipient=reminder.recipient).count() == 1
    reminder.refresh_from_db()
    assert reminder.sent_at == now and reminder.attempts == 1


def test_ics_keeps_london_wall_clock_time_after_the_october_change(circle, freeze_time):
    before = MeetingFactory(circle=circle, starts_at=london(2026, 10, 22, 18, 30))
    after = MeetingFactory(circle=circle, starts_at=london(2026, 10, 29, 18, 30))
    # BST (UTC+1) before Sunday 25 October, GMT after.
    assert before.starts_at.astimezone(UTC).time() == datetime.time(17, 30)
    assert after.starts_at.astimezone(UTC).time() == datetime.time(18, 30)

    ics = reminders.meeting_ics(after, now=freeze_time(datetime.datetime(2026, 10, 28, 19)))

    assert "DTSTART;TZID=Europe/London:20261029T183000\r\n" in ics
    assert "DTEND;TZID=Europe/London:20261029T200000\r\n" in ics
    assert "BEGIN:VTIMEZONE\r\nTZID:Europe/London" in ics
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in ics
    assert "LOCATION:Northshire Community Centre\\, Room 2" in ics
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    earlier = reminders.meeting_ics(before)
    assert "DTSTART;TZID=Europe/London:20261022T183000" in earlier


@pytest.mark.parametrize(
    ("meeting_day", "due_local", "due_utc"),
    [
        # Sunday 29 March 2026, the day clocks go forward: due 18:30 GMT on the Saturday.
        (datetime.date(2026, 3, 29), datetime.datetime(2026, 3, 28, 18, 30), (18, 30)),
        # Sunday 25 October 2026, the day clocks go back: due 18:30 BST on the Saturday.
        (datetime.date(2026, 10, 25), datetime.datetime(2026, 10, 24, 18, 30), (17, 30)),
    ],
)
def test_due_time_on_the_clock_change_days(freeze_time, meeting_day, due_local, due_utc):
    freeze_time(datetime.datetime.combine(meeting_day, datetime.time(9)) - datetime.timedelta(7))
    circle = ActiveCircleFactory(weekday=Weekday.SUNDAY)
    CircleMembershipFactory(circle=circle, role=CircleMembership.Role.PRIMARY)
    meeting = MeetingFactory(circle=circle, starts_at=london(*meeting_day.timetuple()[:3], 18, 30))
    due_at = reminders.meeting_reminder_due_at(meeting.starts_at)
    assert due_at == due_local.replace(tzinfo=LONDON)
    assert (due_at.astimezone(UTC).hour, due_at.astimezone(UTC).minute) == due_utc

    just_before = freeze_time(due_local - datetime.timedelta(minutes=1))
    assert reminders.sweep(now=just_before).created == 0
    at = freeze_time(due_local)
    assert reminders.sweep(now=at).created == 1
    assert Reminder.objects.get().due_at == due_at


def test_generated_meetings_across_the_october_change_are_reminded_at_local_time(freeze_time):
    now = freeze_time(datetime.datetime(2026, 10, 20, 9, 0))
    circle = ActiveCircleFactory(
        weekday=Weekday.THURSDAY, launched_on=datetime.date(2026, 9, 3), planned_end_on=None
    )
    CircleMembershipFactory(circle=circle, role=CircleMembership.Role.PRIMARY)
    assert services.meetings_generate(circle=circle) >= 4  # four weeks ahead, at least
    starts = [timezone.localtime(m.starts_at, LONDON).time() for m in circle.meetings.all()]
    assert set(starts) == {datetime.time(18, 30)}
    assert now  # the frozen clock generated them

    reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 28, 18, 30)))
    reminder = Reminder.objects.get(kind=K.MEETING)  # the 22nd's minutes are overdue too
    assert reminder.period == "2026-10-29T18:30"
    assert reminder.due_at == london(2026, 10, 28, 18, 30)


def test_cancelled_meeting_gets_no_reminder_and_a_pending_one_is_not_sent(circle, freeze_time):
    cancelled = MeetingFactory(circle=circle, starts_at=london(2026, 10, 29, 18, 30))
    services.meeting_cancel(meeting=cancelled, reason="Venue closed", acting_user=None)
    later = MeetingFactory(circle=circle, starts_at=london(2026, 11, 5, 18, 30))

    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 28, 19))).created == 0

    reminders.sweep(now=freeze_time(datetime.datetime(2026, 11, 4, 19)))
    services.meeting_cancel(meeting=later, reason="Coordinator ill", acting_user=None)
    assert send_all() == ["skipped"] * 3
    assert mail.outbox == []
    assert set(Reminder.objects.values_list("skipped_reason", flat=True)) == {
        "meeting no longer scheduled"
    }
    # What the volunteers were told is the cancellation itself, never the old reminder.
    assert set(Notification.objects.values_list("subject", flat=True)) == {
        "CoSA: a meeting of your circle is cancelled"
    }


def test_volunteer_who_leaves_after_the_sweep_is_not_sent_it(circle, freeze_time):
    MeetingFactory(circle=circle, starts_at=london(2026, 10, 29, 18, 30))
    reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 28, 19)))
    membership = circle.memberships.current().order_by("pk").last()
    services.membership_end(membership=membership, reason="Moving away")

    outcomes = Counter(send_all())

    assert outcomes == {"sent": 2, "skipped": 1}
    assert membership.volunteer.user.email not in [m.to[0] for m in mail.outbox]


def test_ended_circle_gets_nothing_further(circle, freeze_time):
    MeetingFactory(circle=circle, starts_at=london(2026, 10, 29, 18, 30))
    ReviewMilestoneFactory(circle=circle, due_on=datetime.date(2026, 11, 5))
    MeetingFactory(circle=circle, starts_at=london(2026, 10, 1, 18, 30))  # minutes missing
    freeze_time(datetime.datetime(2026, 10, 27, 12))
    services.circle_end(circle=circle, reason=Circle.EndReason.COMPLETED, acting_user=None)

    for day in (28, 29, 30):
        reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, day, 20)))

    assert not Reminder.objects.exists()


def test_frequency_change_reminds_only_for_the_new_schedule(freeze_time):
    freeze_time(datetime.datetime(2026, 10, 1, 12))
    circle = ActiveCircleFactory(weekday=Weekday.THURSDAY, launched_on=datetime.date(2026, 9, 3))
    CircleMembershipFactory(circle=circle, role=CircleMembership.Role.PRIMARY)
    services.meetings_generate(circle=circle)
    assert circle.meetings.filter(starts_at=london(2026, 10, 15, 18, 30)).exists()

    # Fortnightly from Thursday 8 October: the 15th goes, the 22nd stays.
    services.circle_set_pattern(
        circle=circle, frequency=Frequency.FORTNIGHTLY, from_date=datetime.date(2026, 10, 8)
    )

    assert not circle.meetings.filter(starts_at=london(2026, 10, 15, 18, 30)).exists()
    reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 14, 19)))
    assert rows(K.MEETING) == []
    reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 21, 19)))
    assert [r[3] for r in rows(K.MEETING)] == ["2026-10-22T18:30"]


# Minutes overdue --------------------------------------------------------------------------


def test_minutes_overdue_goes_to_the_primary_then_the_coordinator(circle, freeze_time):
    meeting = MeetingFactory(circle=circle, starts_at=london(2026, 10, 1, 18, 30))
    primary = circle.memberships.get(role=CircleMembership.Role.PRIMARY).volunteer.user
    # Ends 20:00; minutes due 48 hours later; the coordinator hears a day after that.
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 3, 19, 59))).created == 0
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 3, 20, 0))).created == 1
    assert rows() == [(K.MINUTES_OVERDUE, meeting.pk, primary.pk, reminders.FIRST)]
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 4, 20, 0))).created == 1
    assert (K.MINUTES_OVERDUE, meeting.pk, circle.coordinator_id, reminders.ESCALATED) in rows()
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 5, 20, 0))).created == 0

    assert send_all() == ["sent", "sent"]
    coordinator_mail = next(m for m in mail.outbox if m.to == [circle.coordinator.email])
    assert coordinator_mail.subject.startswith("Minutes overdue: Thursday circle")
    assert f"/circles/{circle.pk}/meetings/{meeting.pk}/notes/" in coordinator_mail.body


def test_minutes_reminder_goes_to_the_author_of_a_draft(circle, freeze_time):
    meeting = MeetingFactory(circle=circle, starts_at=london(2026, 10, 1, 18, 30))
    taker = circle.memberships.filter(role=CircleMembership.Role.VOLUNTEER).current().first()
    MeetingNoteFactory(meeting=meeting, author=taker.volunteer.user)

    reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 3, 21)))

    assert rows() == [(K.MINUTES_OVERDUE, meeting.pk, taker.volunteer.user_id, "first")]


def test_submitted_minutes_stop_the_reminder(circle, freeze_time):
    meeting = MeetingFactory(circle=circle, starts_at=london(2026, 10, 1, 18, 30))
    reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 3, 21)))
    MeetingNoteFactory(
        meeting=meeting, status=MeetingNote.Status.SUBMITTED, submitted_at=timezone.now()
    )

    assert send_all() == ["skipped"]
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 5, 21))).created == 0


# Review milestones ------------------------------------------------------------------------


def test_review_fourteen_days_ahead_on_the_day_and_overdue_to_managers(circle, freeze_time):
    managers = ManagerFactory.create_batch(2)
    ManagerFactory(is_active=False)
    milestone = ReviewMilestoneFactory(
        circle=circle, kind=ReviewMilestone.Kind.MONTH_12, due_on=datetime.date(2026, 11, 16)
    )
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 11, 2, 8, 59))).created == 0
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 11, 2, 9, 0))).created == 1
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 11, 16, 9, 0))).created == 1
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 11, 17, 9, 0))).created == 2
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 11, 18, 9, 0))).created == 0

    assert rows() == sorted(
        [
            (K.REVIEW_DUE, milestone.pk, circle.coordinator_id, "ahead"),
            (K.REVIEW_DUE, milestone.pk, circle.coordinator_id, "on-day"),
            *[(K.REVIEW_DUE, milestone.pk, m.pk, "overdue") for m in managers],
        ]
    )
    # A review recorded before the send: nothing goes out.
    services.review_record(
        milestone=milestone,
        decision=ReviewMilestone.Decision.CONTINUE,
        attendees="All",
        progress_notes="Steady.",
        acting_user=circle.coordinator,
    )
    assert set(send_all()) == {"skipped"}
    assert mail.outbox == []


# Shared records ---------------------------------------------------------------------------


def test_unacknowledged_record_reminds_the_liaison_then_the_coordinator(circle, freeze_time):
    shared_at = freeze_time(datetime.datetime(2026, 10, 5, 10, 0))
    record = InformationSharingRecordFactory(
        core_member=circle.core_member,
        circle=circle,
        urgency=InformationSharingRecord.Urgency.URGENT,
        status=InformationSharingRecord.Status.SHARED,
        shared_at=shared_at,
    )
    recipient = RecordRecipientFactory(
        record=record, acknowledge_due_at=shared_at + datetime.timedelta(hours=4)
    )
    from coreMembers.models import LiaisonAssignment

    LiaisonAssignment.objects.create(
        core_member=circle.core_member,
        liaison=recipient.liaison,
        role=LiaisonAssignment.Role.OFFENDER_MANAGER,
        started_on=datetime.date(2026, 9, 1),
    )
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 5, 13, 59))).created == 0
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 5, 14, 1))).created == 1
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 5, 18, 1))).created == 1
    assert set(rows()) == {
        (K.RECORD_UNACKNOWLEDGED, recipient.pk, recipient.liaison_id, "first"),
        (K.RECORD_UNACKNOWLEDGED, recipient.pk, circle.coordinator_id, "escalated"),
    }
    assert send_all() == ["sent", "sent"]
    liaison_mail = next(m for m in mail.outbox if m.to == [recipient.liaison.email])
    assert record.summary not in liaison_mail.body + liaison_mail.subject
    assert record.details not in liaison_mail.body
    assert f"/core-members/records/{record.pk}/" in liaison_mail.body


# Concerns and DBS -------------------------------------------------------------------------


def test_red_concern_untriaged_reminds_the_cover_then_the_managers(circle, freeze_time):
    manager = ManagerFactory()
    freeze_time(datetime.datetime(2026, 10, 5, 10, 0))
    red = ConcernFactory(circle=circle, severity=Concern.Severity.RED, raised_at=timezone.now())
    ConcernFactory(circle=circle, severity=Concern.Severity.AMBER, raised_at=timezone.now())

    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 5, 13, 59))).created == 0
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 5, 14, 0))).created == 1
    assert rows() == [(K.CONCERN_UNTRIAGED, red.pk, circle.coordinator_id, "cover")]
    assert send_all() == ["sent"]
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 5, 15, 0))).created == 1
    assert (K.CONCERN_UNTRIAGED, red.pk, manager.pk, "managers") in rows()
    assert send_all() == ["sent"]
    assert red.description not in mail.outbox[0].body
    assert f"/circles/{circle.pk}/concerns/{red.pk}/" in mail.outbox[0].body


def test_triaged_concern_is_not_sent(circle, freeze_time):
    ManagerFactory()
    freeze_time(datetime.datetime(2026, 10, 5, 10, 0))
    red = ConcernFactory(circle=circle, severity=Concern.Severity.RED, raised_at=timezone.now())
    reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 5, 15, 0)))
    services.concern_triage(concern=red, acting_user=circle.coordinator, notes="Called PO.")

    # Both steps (the cover at 14:00, the managers at 15:00) find it triaged.
    assert send_all() == ["skipped", "skipped"]


def test_dbs_recheck_within_sixty_days_reminds_the_coordinator_once(circle, freeze_time):
    freeze_time(datetime.datetime(2026, 10, 1, 12))
    membership = circle.memberships.current().first()
    volunteer = membership.volunteer
    volunteer.dbs_checks.all().delete()
    # Issued 1 December 2023: recheck due 1 December 2026, reminded from 2 October.
    check = DBSCheckFactory(volunteer=volunteer, issued_on=datetime.date(2023, 12, 1))
    free = DBSCheckFactory(
        volunteer__status=Volunteer.Status.ACTIVE, issued_on=datetime.date(2023, 12, 1)
    )
    ManagerFactory()
    manager_ids = [m.pk for m in ManagerFactory._meta.model.objects.filter(role="MANAGER")]

    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 2, 8, 59))).created == 0
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 2, 9, 0))).created == 2
    assert reminders.sweep(now=freeze_time(datetime.datetime(2026, 11, 20, 9, 0))).created == 0
    assert rows() == sorted(
        [
            (K.DBS_RECHECK, check.pk, circle.coordinator_id, "2026-12-01"),
            *[(K.DBS_RECHECK, free.pk, m, "2026-12-01") for m in manager_ids],
        ]
    )
    # Renewed before the send: nothing goes out about the old check.
    DBSCheckFactory(volunteer=volunteer, issued_on=datetime.date(2026, 10, 2))
    outcomes = dict(
        zip(
            Reminder.objects.order_by("pk").values_list("object_id", flat=True),
            send_all(),
            strict=True,
        )
    )
    assert outcomes[check.pk] == "skipped"
    assert outcomes[free.pk] == "sent"


# Every kind at once: idempotent -----------------------------------------------------------


def test_every_kind_once_per_key_and_a_second_sweep_creates_none(circle, freeze_time):
    ManagerFactory()
    freeze_time(datetime.datetime(2026, 10, 20, 9, 0))
    MeetingFactory(circle=circle, starts_at=london(2026, 10, 22, 18, 30))
    MeetingFactory(circle=circle, starts_at=london(2026, 10, 18, 18, 30))  # minutes missing
    ReviewMilestoneFactory(circle=circle, due_on=datetime.date(2026, 10, 20))
    ConcernFactory(
        circle=circle,
        severity=Concern.Severity.RED,
        # Imminent risk escalates out of hours too (the sweep below is at 19:00).
        imminent_risk=True,
        raised_at=timezone.now() - datetime.timedelta(hours=5),
    )
    volunteer = circle.memberships.current().first().volunteer
    volunteer.dbs_checks.all().delete()
    DBSCheckFactory(volunteer=volunteer, issued_on=datetime.date(2023, 11, 1))
    now = freeze_time(datetime.datetime(2026, 10, 21, 19, 0))

    first = reminders.sweep(now=now)
    second = reminders.sweep(now=now)

    kinds = set(Reminder.objects.values_list("kind", flat=True))
    assert kinds == {K.MEETING, K.MINUTES_OVERDUE, K.REVIEW_DUE, K.CONCERN_UNTRIAGED, K.DBS_RECHECK}
    assert first.created == Reminder.objects.count() > 0
    assert second.created == 0 and second.enqueued == 0
    keys = rows()
    assert len(keys) == len(set(keys))
    assert Counter(send_all()) == {"sent": len(keys)}
    assert len(mail.outbox) == len(keys)
    assert send_all() == []


def test_the_database_refuses_a_duplicate_key(circle, db_refuses):
    user = circle.coordinator
    values = {"kind": K.MEETING, "object_id": 1, "recipient": user, "period": "p"}
    Reminder.objects.create(due_at=timezone.now(), **values)
    with db_refuses("reminder_unique_key"):
        Reminder.objects.create(due_at=timezone.now(), **values)


def test_racing_inserts_of_the_same_key_create_one_row(circle, db_refuses):
    due = reminders.Due(K.MEETING, 7, circle.coordinator_id, "p", timezone.now())
    with transaction.atomic():
        # Both looked new; the constraint kept one, and one is what is counted.
        assert reminders.reminders_create([due, due]) == 1
    assert Reminder.objects.count() == 1
    with db_refuses("reminder_unique_key"):  # the unique key, not some other failure
        Reminder.objects.bulk_create(
            [
                Reminder(
                    kind=K.MEETING,
                    object_id=7,
                    recipient=circle.coordinator,
                    period="p",
                    due_at=timezone.now(),
                )
            ]
        )


# Claiming, crashing and failing ----------------------------------------------------------


def test_claimed_but_crashed_rows_are_claimed_again_after_the_timeout(
    circle, freeze_time, settings
):
    MeetingFactory(circle=circle, starts_at=london(2026, 10, 29, 18, 30))
    now = freeze_time(datetime.datetime(2026, 10, 28, 19, 0))
    assert reminders.sweep(now=now).enqueued == 3
    # The worker died: nothing was sent. Within the timeout nobody claims them again...
    timeout = datetime.timedelta(seconds=settings.COSA_REMINDER_CLAIM_TIMEOUT_SECONDS)
    assert (
        reminders.sweep(now=freeze_time(now + timeout - datetime.timedelta(seconds=1))).enqueued
        == 0
    )
    # ...after it, the next sweep does, and each is sent once.
    assert (
        reminders.sweep(now=freeze_time(now + timeout + datetime.timedelta(seconds=1))).enqueued
        == 3
    )
    assert Counter(send_all()) == {"sent": 3}
    assert reminders.sweep(now=freeze_time(now + 3 * timeout)).enqueued == 0
    assert len(mail.outbox) == 3


def test_claim_enqueues_sends_only_after_commit(
    circle, freeze_time, monkeypatch, django_capture_on_commit_callbacks
):
    MeetingFactory(circle=circle, starts_at=london(2026, 10, 29, 18, 30))
    enqueued = []
    monkeypatch.setattr(tasks.send_reminder, "delay", enqueued.append)
    now = freeze_time(datetime.datetime(2026, 10, 28, 19, 0))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reminders.sweep(now=now)
        assert enqueued == []  # not before the claim is committed
    assert callbacks
    assert sorted(enqueued) == sorted(Reminder.objects.values_list("pk", flat=True))


def test_a_failed_send_is_counted_rolled_back_and_sent_once_later(circle, freeze_time, monkeypatch):
    MeetingFactory(circle=circle, starts_at=london(2026, 10, 29, 18, 30))
    reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 28, 19, 0)))
    reminder = Reminder.objects.order_by("pk").first()

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server went away")

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.EmailMessage.send", refuse)
        with pytest.raises(smtplib.SMTPServerDisconnected):
            tasks.send_reminder(reminder.pk)
    reminder.refresh_from_db()
    assert reminder.sent_at is None
    assert reminder.attempts == 1
    assert "mail server went away" in reminder.last_error
    assert not Notification.objects.exists()  # the bell entry was rolled back too
    assert Reminder.objects.failing().count() == 1

    assert tasks.send_reminder(reminder.pk) == "sent"
    assert tasks.send_reminder(reminder.pk) == "already sent"
    assert len(mail.outbox) == 1
    reminder.refresh_from_db()
    assert (reminder.attempts, reminder.last_error) == (2, "")


def test_rows_that_keep_failing_stop_being_claimed(circle, freeze_time, settings):
    MeetingFactory(circle=circle, starts_at=london(2026, 10, 29, 18, 30))
    now = freeze_time(datetime.datetime(2026, 10, 28, 19, 0))
    reminders.sweep(now=now)
    Reminder.objects.update(attempts=settings.COSA_REMINDER_MAX_ATTEMPTS, claimed_at=None)

    assert reminders.sweep(now=now + datetime.timedelta(hours=1)).enqueued == 0


def test_sweep_records_its_run(circle, freeze_time):
    now = freeze_time(datetime.datetime(2026, 10, 28, 19, 0))
    run = reminders.sweep(now=now)
    assert SweepRun.objects.get() == run
    assert run.finished_at is not None and run.queries > 0 and run.error == ""


def test_meetings_generate_task_covers_open_circles_only(freeze_time, monkeypatch):
    freeze_time(datetime.datetime(2026, 10, 1, 12))
    open_circle = ActiveCircleFactory(launched_on=datetime.date(2026, 9, 3))
    ActiveCircleFactory(
        status=Circle.Status.ENDED,
        ended_on=datetime.date(2026, 9, 30),
        end_reason=Circle.EndReason.WITHDREW,
    )
    batches = []
    monkeypatch.setattr(tasks.meetings_generate_batch, "delay", batches.append)

    assert tasks.meetings_generate_all() == 1
    assert batches == [[open_circle.pk]]
    assert tasks.meetings_generate_batch(batches[0]) >= 4
    assert tasks.meetings_generate_batch(batches[0]) == 0  # idempotent
    assert Meeting.objects.filter(circle=open_circle).count() >= 4


def test_the_sweep_claims_batch_after_batch_until_none_are_left(circle, freeze_time, settings):
    settings.COSA_SWEEP_BATCH = 2
    for hour in (9, 10):
        MeetingFactory(circle=circle, starts_at=london(2026, 10, 29, hour, 0))
    run = reminders.sweep(now=freeze_time(datetime.datetime(2026, 10, 29, 8, 0)))
    assert run.created == run.enqueued == 6
    assert not Reminder.objects.filter(claimed_at=None).exists()


# The schedule -----------------------------------------------------------------------------


def test_one_static_beat_schedule_runs_the_sweep_every_few_minutes():
    from cosa.celery import SWEEP_INTERVAL_SECONDS, app

    schedule = app.conf.beat_schedule
    tasks_scheduled = [entry["task"] for entry in schedule.values()]
    assert tasks_scheduled.count("circles.tasks.sweep") == 1
    assert tasks_scheduled.count("circles.tasks.meetings_generate_all") == 1
    # Sends are never scheduled: only the sweep enqueues them. (Other apps add entries.)
    assert "circles.tasks.send_reminder" not in tasks_scheduled
    sweep_entry = next(e for e in schedule.values() if e["task"] == "circles.tasks.sweep")
    assert sweep_entry["schedule"] == SWEEP_INTERVAL_SECONDS <= 5 * 60


def test_docker_compose_runs_exactly_one_beat(settings):
    import re

    compose = (settings.BASE_DIR / "docker-compose.yml").read_text()
    # One service whose command is `celery ... beat`, and no worker with an embedded beat.
    assert len(re.findall(r"^\s*-\s+beat\s*$", compose, flags=re.MULTILINE)) == 1
    assert "--beat" not in compose and " -B" not in compose
    assert "replicas: 1" in compose


def test_send_tasks_are_acks_late_and_retry_with_a_short_backoff():
    assert tasks.send_reminder.acks_late and tasks.sweep.acks_late
    assert 0 < tasks.send_reminder.max_retries <= 10


def test_the_sweep_command_runs_one_sweep(circle, freeze_time):
    from io import StringIO

    from django.core.management import call_command

    MeetingFactory(circle=circle, starts_at=london(2026, 10, 29, 18, 30))
    freeze_time(datetime.datetime(2026, 10, 28, 19, 0))
    out = StringIO()
    call_command("reminders_sweep", stdout=out)
    assert "3 new, 3 enqueued" in out.getvalue()
    assert SweepRun.objects.count() == 1
