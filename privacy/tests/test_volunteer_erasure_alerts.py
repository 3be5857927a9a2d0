"""An erased volunteer's name leaves no trace in other people's bells, nor in the
reminders and lone-working alerts stored for them: the alerts staff got in the
volunteer's time (supervision and DBS recheck due, a claim, a RED concern, an
emergency meeting, a lone-working call for help, their account locked) are made
through the real services, then the volunteer is erased."""

import datetime
import importlib
import json
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from accounts import throttle
from accounts.models import Agency, Notification, User
from accounts.notifications import notification_create
from circles import reminders
from circles import services as circle_services
from circles.models import Concern, Reminder
from cosa.tests.world import _user, active_volunteer, launched_circle
from loneworking import services as loneworking_services
from loneworking.models import AlertRecipient, CheckIn
from privacy import retention
from privacy.tests.planted_support import tables_holding
from privacy.volunteers import (
    ERASED_ALERT_BODY,
    ERASED_ALERT_SUBJECT,
    alerts_about,
    volunteer_erase,
)
from volunteering import services as volunteering_services
from volunteers.models import SupervisionSession, Volunteer

pytestmark = pytest.mark.django_db

FIRST = "Ottoline"
LAST = "Brackenridge"
TODAY = timezone.localdate
# Where alerts and reminders are stored (the e-mail goes from the Notification row).
STORES = (Notification, Reminder, AlertRecipient, CheckIn)


@pytest.fixture
def served(settings):
    """A volunteer who raised every staff alert there is about a volunteer, then left."""
    settings.COSA_SUPERVISION_INTERVAL_WEEKS = 8
    settings.COSA_SUPERVISION_REMINDERS = True
    coordinator = _user(User.Role.COORDINATOR, "Cora", "Cardew")
    manager = _user(User.Role.MANAGER, "Mani", "Marlowe")
    # DBS recheck due within the reminder's 60 days.
    issued = TODAY() - relativedelta(years=3) + datetime.timedelta(days=30)
    volunteer = active_volunteer(FIRST, LAST, issued_on=issued)
    user = volunteer.user
    circle = launched_circle(
        coordinator=coordinator,
        volunteers=[volunteer, active_volunteer("Fay", "Filler1"), active_volunteer("Fay", "F2")],
        agencies=[Agency.objects.get_or_create(name="Probation North", kind="PROBATION")[0]],
        first="Ned",
        last="Nobody",
        circle_name="Wednesday circle",
    )
    # Supervision due four days ago.
    SupervisionSession.objects.create(
        volunteer=volunteer,
        coordinator=coordinator,
        held_on=TODAY() - datetime.timedelta(days=60),
        notes="Fine",
    )
    reminders.sweep()
    for reminder in Reminder.objects.unsent().filter(recipient__role=User.Role.COORDINATOR):
        reminders.reminder_send(reminder_id=reminder.pk)
    volunteering_services.claim_submit(
        volunteer=volunteer,
        acting_user=user,
        circle=circle,
        kind="MILEAGE",
        incurred_on=TODAY(),
        description="Drive to the meeting",
        miles=Decimal("4"),
    )
    circle_services.concern_raise(
        circle=circle,
        acting_user=user,
        category=Concern.Category.values[0],
        severity=Concern.Severity.RED,
        description="Said he had been near the school.",
    )
    circle_services.emergency_meeting_request(
        circle=circle,
        starts_at=timezone.now() + datetime.timedelta(hours=3),
        venue="Community hall",
        acting_user=user,
    )
    checkin, _ = loneworking_services.checkin_start(
        circle=circle,
        kind="ONE_TO_ONE",
        venue="Café on the corner",
        expected_end_at=timezone.now() + datetime.timedelta(hours=1),
        phone="07700 900123",
        acting_user=user,
    )
    loneworking_services.checkin_help(checkin=checkin, acting_user=user)
    for n in range(settings.COSA_LOGIN_ACCOUNT_FAILURE_LIMIT):
        throttle.login_failure_record(account=user.email, ip_address=f"203.0.113.{n}")
    notification_create(recipient=user, subject=f"Hello {FIRST}", link="/")
    circle_services.volunteer_leave(volunteer=volunteer, reason="Moved away")
    Volunteer.objects.filter(pk=volunteer.pk).update(left_on=TODAY() - relativedelta(months=73))
    return {
        "volunteer": Volunteer.objects.select_related("user").get(pk=volunteer.pk),
        "email": user.email,
        "coordinator": coordinator,
        "manager": manager,
    }


def _erase(served):
    return volunteer_erase(
        volunteer=served["volunteer"],
        acting_user=served["manager"],
        basis="REQUEST",
        reason="Asked to be forgotten",
    )


def _staff_alerts(served):
    return Notification.objects.exclude(recipient=served["volunteer"].user)


def test_the_fixture_raised_the_staff_alerts_it_means_to(served):
    subjects = " / ".join(_staff_alerts(served).values_list("subject", flat=True))
    for expected in (
        "Supervision due on",
        "DBS recheck due",
        "an expense claim to decide",
        "an urgent concern",
        "an emergency meeting",
        "a volunteer has asked for help",
        "An account's logins are locked",
    ):
        assert expected in subjects, expected


def test_no_staff_alert_names_the_volunteer_when_it_is_written(served):
    """Only the alert about their own account says whose it is (its e-mail address):
    the one kind erasure finds by its link and rewords."""
    about_them = set(alerts_about(served["volunteer"]).values_list("pk", flat=True))
    for alert in _staff_alerts(served):
        text = f"{alert.subject} {alert.body}".lower()
        if alert.pk in about_them:
            continue
        for planted in (FIRST, LAST, served["email"]):
            assert planted.lower() not in text, (alert.subject, planted)
    locked = _staff_alerts(served).filter(subject="An account's logins are locked")
    assert locked.count() == 1 and locked.get().pk in about_them


def test_the_export_lists_the_staff_alerts_about_them_before_erasure(served):
    data = retention.volunteer_export(served["volunteer"])
    alerts = data["alerts_to_staff_about_them"]
    assert {a["subject"] for a in alerts} >= {"An account's logins are locked"}
    assert any(served["email"] in a["body"] for a in alerts)
    assert {a["to"] for a in alerts} <= {"Manager", "Coordinator"}
    # Other people's bells only: their own are under "notifications".
    assert data["notifications"] == [
        {"subject": f"Hello {FIRST}", "body": "", "at": data["notifications"][0]["at"]}
    ]


def test_after_erasure_neither_name_nor_address_survives_in_any_alert_or_reminder(served):
    for planted in (FIRST, LAST):
        assert tables_holding(planted, STORES), planted  # planted for real, before
    _erase(served)
    for planted in (FIRST, LAST, served["email"]):
        assert tables_holding(planted, STORES) == [], planted


def test_after_erasure_neither_name_survives_in_any_table(served):
    _erase(served)
    for planted in (FIRST, LAST):
        assert tables_holding(planted) == [], planted


def test_the_staff_alerts_stay_as_dated_rows_in_neutral_words(served):
    before = _staff_alerts(served).count()
    about = list(alerts_about(served["volunteer"]).values_list("pk", flat=True))
    assert about
    log = _erase(served)
    assert _staff_alerts(served).count() == before
    reworded = Notification.objects.filter(pk__in=about)
    assert set(reworded.values_list("subject", "body")) == {
        (ERASED_ALERT_SUBJECT, ERASED_ALERT_BODY)
    }
    assert log.counts["accounts.notification (reworded)"] == len(about)
    erased = Volunteer.objects.select_related("user").get(pk=served["volunteer"].pk)
    data = retention.volunteer_export(erased)
    text = json.dumps(data, cls=DjangoJSONEncoder).lower()
    assert FIRST.lower() not in text and LAST.lower() not in text
    assert {a["subject"] for a in data["alerts_to_staff_about_them"]} == {ERASED_ALERT_SUBJECT}


def test_another_volunteers_alerts_are_untouched(served):
    other = active_volunteer("Rowena", "Staysput")
    kept = notification_create(
        recipient=served["coordinator"],
        subject="An account's logins are locked",
        body=f"Logins to the account {other.user.email} are paused.",
        link=f"/admin/accounts/user/{other.user_id}/change/",
    )
    _erase(served)
    kept.refresh_from_db()
    assert other.user.email in kept.body


# Rows written before the alerts stopped naming volunteers ------------------------------------


def test_the_migration_rewords_old_supervision_alerts_and_erased_volunteers_alerts(served):
    migration = importlib.import_module("privacy.migrations.0003_alerts_name_no_volunteer")
    coordinator, volunteer = served["coordinator"], served["volunteer"]
    old = notification_create(
        recipient=coordinator, subject=f"Supervision due: {FIRST}", link="/volunteering/"
    )
    # Erased before erasure reworded alerts: their lockout alert still names the address.
    _erase(served)
    stale = notification_create(
        recipient=served["manager"],
        subject="An account's logins are locked",
        body=f"Logins to the account {served['email']} are paused.",
        link=f"/admin/accounts/user/{volunteer.user_id}/change/",
    )
    unrelated = notification_create(recipient=coordinator, subject="Minutes due", link="/")

    migration.forwards(apps, None)

    old.refresh_from_db()
    stale.refresh_from_db()
    unrelated.refresh_from_db()
    assert old.subject == "Supervision due for a volunteer"
    assert (stale.subject, stale.body) == (ERASED_ALERT_SUBJECT, ERASED_ALERT_BODY)
    assert unrelated.subject == "Minutes due"
    assert tables_holding(FIRST, STORES) == [] and tables_holding(LAST, STORES) == []
