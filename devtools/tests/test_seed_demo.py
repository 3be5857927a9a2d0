"""seed_demo builds a complete fictional organisation once; demo_logins prints working logins."""

import datetime
import re
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.views import ROLE_START_PAGES
from circles.models import Circle, Concern, Covenant, Meeting, MeetingNote, ReviewMilestone
from coreMembers.models import CoreMember, Referral, SharingAgreement
from devtools import demo
from sharing.models import InformationSharingRecord, RecordRecipient
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

# The test settings run with DEBUG off, as production does: the demo commands need
# the flag there (test_demo_fence.py proves they refuse without it).
NOT_PRODUCTION = "--i-know-this-is-not-production"

# Every table the seed could touch: the project's apps, guardian's and auth's.
SNAPSHOT_APPS = {
    "accounts",
    "volunteers",
    "core_members",
    "circles",
    "sharing",
    "outcomes",
    "privacy",
    "guardian",
    "auth",
}


@pytest.fixture(scope="module")
def seed_output(django_db_setup, django_db_blocker):
    """Seed once for the module (a few seconds), rolled back when the module ends.

    Each test still runs in its own savepoint (pytest.mark.django_db), so logins
    and the second seed_demo run are undone after every test.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", NOT_PRODUCTION, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _snapshot():
    """Every row of every model in SNAPSHOT_APPS, including m2m and history tables."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in SNAPSHOT_APPS
    }


def test_a_second_run_changes_no_row_anywhere(seed_output):
    assert "Demo data created" in seed_output
    before = _snapshot()
    out = StringIO()

    call_command("seed_demo", NOT_PRODUCTION, stdout=out)

    assert out.getvalue().strip() == "Demo data already present; nothing changed."
    after = _snapshot()
    assert before.keys() == after.keys()
    assert [label for label in before if before[label] != after[label]] == []
    assert sum(len(rows) for rows in after.values()) > 1000


def test_it_creates_every_state(seed_output):
    assert set(CoreMember.objects.values_list("status", flat=True)) == set(CoreMember.Status.values)
    assert set(Referral.objects.values_list("status", flat=True)) == set(Referral.Status.values)
    assert set(Volunteer.objects.values_list("status", flat=True)) == set(Volunteer.Status.values)
    assert set(Circle.objects.values_list("status", flat=True)) == set(Circle.Status.values)
    assert set(Concern.objects.values_list("status", flat=True)) == set(Concern.Status.values)
    assert CoreMember.objects.filter(status=CoreMember.Status.IN_CIRCLE).count() == 3
    assert Circle.objects.open().filter(kind=Circle.Kind.THROUGH_THE_GATE).exists()
    assert Circle.objects.filter(
        status=Circle.Status.ENDED, end_reason=Circle.EndReason.COMPLETED
    ).exists()


def test_every_demo_user_logs_in_with_the_printed_password(seed_output, client):
    out = StringIO()
    call_command("demo_logins", "--url", "http://127.0.0.1:8000/", NOT_PRODUCTION, stdout=out)
    printed = out.getvalue()

    assert "http://127.0.0.1:8000/login/" in printed
    assert printed.count(demo.DEMO_PASSWORD) == len(re.findall(r"@example\.org", printed))
    roles = re.findall(r"^(Manager|Coordinator|Volunteer|Liaison) ", printed, re.MULTILINE)
    assert roles.count("Manager") == 1
    assert roles.count("Coordinator") == 3
    assert roles.count("Liaison") == 3
    assert 2 <= roles.count("Volunteer") <= 3
    users = User.objects.filter(email__endswith="@example.org")
    assert users.count() >= 20
    for user in users:
        assert client.login(email=user.email, password=demo.DEMO_PASSWORD), user.email
        client.logout()


def test_every_printed_login_reaches_its_roles_start_page_through_both_steps(seed_output):
    out = StringIO()
    call_command("demo_logins", "--url", "http://127.0.0.1:8000/", NOT_PRODUCTION, stdout=out)
    lines = [line for line in out.getvalue().splitlines() if "@example.org" in line]
    assert len(lines) >= 9
    for line in lines:
        role, email, password, code = re.search(
            r"^(\w+) .*?(\S+@example\.org)\s+(\S+)\s+(\w{8})\s", line
        ).groups()
        browser = Client()
        response = browser.post("/login/", {"username": email, "password": password})
        assert response.status_code == 302, email
        response = browser.post("/login/two-factor/", {"code": code})
        assert response.status_code == 302, email
        start = browser.get("/", follow=True)
        assert start.status_code == 200, email
        wanted = reverse(ROLE_START_PAGES[User.Role(role.upper())])
        assert start.redirect_chain[0][0] == wanted, (email, start.redirect_chain)


def test_printed_volunteers_are_in_open_circles(seed_output):
    printed = [row for row in demo.demo_logins() if row["role"] == "Volunteer"]
    assert printed  # otherwise the loop below checks nothing
    for row in printed:
        volunteer = Volunteer.objects.get(user__email=row["email"])
        assert volunteer.memberships.current().filter(circle__in=Circle.objects.open())


def test_it_builds_a_year_of_history(seed_output):
    now = timezone.now()
    minuted = Meeting.objects.filter(starts_at__lt=now, notes__isnull=False)
    assert minuted.count() > 150
    assert minuted.earliest("starts_at").starts_at < now - datetime.timedelta(days=330)
    assert set(MeetingNote.objects.values_list("status", flat=True)) == set(
        MeetingNote.Status.values
    )
    # Minutes were written within the 48 hours, not on the day the seed ran.
    reviewed = MeetingNote.objects.filter(status=MeetingNote.Status.REVIEWED)
    assert all(note.submitted_at <= note.meeting.minutes_due_at for note in reviewed)
    overdue = [
        meeting
        for meeting in Meeting.objects.filter(
            kind=Meeting.Kind.GROUP, status=Meeting.Status.SCHEDULED, starts_at__lt=now
        )
        if meeting.minutes_due_at < now
    ]
    assert len(overdue) >= 2
    ratings = set()
    for field in MeetingNote.RISK_FIELDS:
        ratings |= set(MeetingNote.objects.values_list(field, flat=True))
    assert {0, 1, 2, 3} <= ratings
    for circle in Circle.objects.exclude(status=Circle.Status.FORMING):
        done = set(
            circle.milestones.filter(completed_on__isnull=False).values_list("kind", flat=True)
        )
        assert {"M3", "M6", "M9"} <= done
    assert ReviewMilestone.objects.filter(decision=ReviewMilestone.Decision.STEP_DOWN).exists()
    assert Covenant.objects.filter(version=2, frequency="FORTNIGHTLY").exists()


def test_it_has_concerns_and_an_acknowledged_shared_record(seed_output):
    assert Concern.objects.filter(severity=Concern.Severity.RED).exists()
    assert Concern.objects.filter(
        severity=Concern.Severity.RED, imminent_risk=True, status=Concern.Status.RAISED
    ).exists()
    shared = Concern.objects.get(status=Concern.Status.SHARED).shared_record
    assert shared.recipients.count() >= 2
    assert shared.recipients.filter(acknowledged_at__isnull=False).count() == 1
    assert RecordRecipient.objects.filter(acknowledged_at__isnull=False).exists()
    assert set(InformationSharingRecord.objects.values_list("status", flat=True)) >= {
        "DRAFT",
        "SHARED",
        "ACKNOWLEDGED",
    }
    today = timezone.localdate()
    assert SharingAgreement.objects.filter(withdrawn_on__isnull=False).exists()
    assert SharingAgreement.objects.filter(expires_on__lte=today).exists()


def test_the_services_made_the_permission_grants(seed_output):
    circle = Circle.objects.get(name="Tuesday circle")
    primary = circle.memberships.get(role="PRIMARY").volunteer.user
    assert primary.has_perm("circles.view_circle", circle)
    assert circle.coordinator.has_perm("circles.change_circle", circle)
    liaison = User.objects.get(email="sandra.holloway@example.org")
    assert liaison.has_perm("core_members.view_identity", circle.core_member)
    assert not liaison.has_perm("circles.view_circle", circle)
    outsider = Circle.objects.get(name="Wednesday circle").memberships.first().volunteer.user
    assert not outsider.has_perm("circles.view_circle", circle)


def test_a_volunteer_has_a_dbs_recheck_due_within_60_days(seed_output):
    soon = timezone.localdate() + datetime.timedelta(days=60)
    active = Volunteer.objects.active()
    assert active.filter(dbs_checks__recheck_due_on__lte=soon).exists()
    assert active.count() >= 8


def test_everything_is_fictional(seed_output):
    assert not User.objects.exclude(email__endswith="@example.org").exists()
    assert all(
        cm.offence_summary.startswith("Fictional demo record") for cm in CoreMember.objects.all()
    )


def test_every_demo_account_has_ten_backup_codes_and_no_authenticator(seed_output):
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    users = User.objects.filter(email__endswith="@example.org")
    assert users.count() >= 20
    for user in users:
        device = StaticDevice.objects.get(user=user, confirmed=True)
        assert device.token_set.count() == demo.DEMO_CODES_KEPT, user.email
    # No authenticator secret is made for anyone, let alone one shared by every demo.
    assert not TOTPDevice.objects.filter(user__in=users).exists()


def test_each_printed_code_logs_the_account_in_once_and_more_logins_remain(seed_output):
    out = StringIO()
    call_command("demo_logins", NOT_PRODUCTION, stdout=out)
    line = next(line for line in out.getvalue().splitlines() if demo.MANAGER_EMAIL in line)
    codes = re.search(r"(\w{8}) (\w{8}) (\w{8})", line).groups()
    assert len(set(codes)) == 3

    for code in codes:
        browser = Client()
        browser.post("/login/", {"username": demo.MANAGER_EMAIL, "password": demo.DEMO_PASSWORD})
        response = browser.post("/login/two-factor/", {"code": code}, follow=True)
        assert response.redirect_chain, code
        assert b"last backup code" not in response.content
    # A used code is spent.
    browser = Client()
    browser.post("/login/", {"username": demo.MANAGER_EMAIL, "password": demo.DEMO_PASSWORD})
    assert browser.post("/login/two-factor/", {"code": codes[0]}).status_code == 200

    # Printing again tops the account up to ten unused codes.
    call_command("demo_logins", NOT_PRODUCTION, stdout=StringIO())
    manager = User.objects.get(email=demo.MANAGER_EMAIL)
    assert len(demo.demo_backup_codes(manager)) == demo.DEMO_CODES_KEPT
    assert not set(codes) & set(demo.demo_backup_codes(manager))


@pytest.mark.django_db
def test_the_demo_history_names_who_did_each_write():
    """Only the first account (the manager's own) is made by nobody."""
    from accounts.models import User
    from devtools.demo import seed_demo
    from volunteers.models import TrainingRecord, Volunteer, VolunteerHours

    seed_demo()
    for model in (User, Volunteer, TrainingRecord, VolunteerHours):
        unnamed = model.history.filter(history_user__isnull=True)
        if model is User:
            assert list(unnamed.values_list("email", flat=True)) == ["manager@example.org"]
        else:
            assert not unnamed.exists(), model.__name__


def test_every_shared_records_due_time_follows_its_backdated_sharing(seed_output):
    """The dashboard's overdue list reads acknowledge_due_at: it must match notified_at."""
    from sharing.models import RecordRecipient

    recipients = list(
        RecordRecipient.objects.filter(notified_at__isnull=False).select_related("record")
    )
    assert recipients
    for recipient in recipients:
        assert recipient.acknowledge_due_at == recipient.record.acknowledge_due_from(
            recipient.notified_at
        ), recipient.record


def test_it_shows_a_step_down_a_one_off_and_a_bank_holiday_meeting(seed_output):
    from circles.models import FrequencyChange

    stepped = Circle.objects.get(name="Wednesday circle")
    history = list(
        FrequencyChange.objects.filter(circle=stepped)
        .order_by("pk")
        .values_list("frequency", "review__kind")
    )
    assert history == [("WEEKLY", None), ("FORTNIGHTLY", ReviewMilestone.Kind.MONTH_9)]
    assert stepped.frequency == "FORTNIGHTLY"
    upcoming = Meeting.objects.upcoming()
    assert upcoming.filter(kind=Meeting.Kind.ONE_TO_ONE).exists()
    assert upcoming.filter(moved_from__isnull=False).exists()
    assert any(meeting.bank_holiday for meeting in upcoming)
