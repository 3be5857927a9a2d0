"""Subject access, legal hold, retention and erasure."""

import datetime
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from accounts.models import AccessLog, Agency, User
from accounts.services import user_create
from circles import services as circle_services
from circles.models import Circle, Concern, Meeting, MeetingNote
from coreMembers.models import CoreMember
from cosa.tests.world import active_volunteer, launched_circle
from privacy import retention
from privacy.models import ErasureLog

pytestmark = pytest.mark.django_db


def _person(role, first, last, agency=None):
    return user_create(
        email=f"{first.lower()}.{last.lower()}@example.org",
        first_name=first,
        last_name=last,
        role=role,
        agency=agency,
    )


@pytest.fixture
def case():
    """A circle with minutes and a concern, its Core Member, coordinator and manager."""
    probation = Agency.objects.create(name="Probation West", kind=Agency.Kind.PROBATION)
    coordinator = _person(User.Role.COORDINATOR, "Cora", "Ordway")
    manager = _person(User.Role.MANAGER, "Mani", "Gerrard")
    volunteers = [
        active_volunteer("Quentin", "Quillfeather"),
        active_volunteer("Rosalind", "Rookwood"),
        active_volunteer("Sebastian", "Sallowmere"),
    ]
    circle = launched_circle(
        coordinator=coordinator,
        volunteers=volunteers,
        agencies=[probation],
        first="Toby",
        last="Tranter",
        launched_days_ago=60,
    )
    meeting = Meeting.objects.create(
        circle=circle, starts_at=timezone.now() - datetime.timedelta(days=3), venue=circle.venue
    )
    circle_services.note_save(
        meeting=meeting,
        acting_user=volunteers[0].user,
        volunteers_present=volunteers[:2],
        submit=True,
        attendance=MeetingNote.Attendance.YES,
        summary="Talked about the allotment plot.",
    )
    circle_services.concern_raise(
        circle=circle,
        acting_user=volunteers[1].user,
        category=Concern.Category.values[0],
        severity=Concern.Severity.AMBER,
        description="Mentioned a new friend with children.",
    )
    return {
        "circle": circle,
        "core_member": circle.core_member,
        "coordinator": coordinator,
        "manager": manager,
        "volunteers": volunteers,
    }


def _end(case, days_ago):
    circle = case["circle"]
    circle_services.circle_end(
        circle=circle,
        reason=Circle.EndReason.COMPLETED,
        acting_user=case["coordinator"],
        ended_on=timezone.localdate() - datetime.timedelta(days=days_ago),
    )
    case["core_member"].refresh_from_db()


# Subject access -----------------------------------------------------------------------


def test_the_export_holds_the_record_with_volunteers_redacted(case):
    data = retention.subject_access_export(case["core_member"])
    text = json.dumps(data)
    assert data["core_member"]["reference"] == case["core_member"].reference
    assert "Talked about the allotment plot." in text
    assert "Mentioned a new friend with children." in text
    for volunteer in case["volunteers"]:
        assert volunteer.user.last_name not in text
        assert volunteer.user.email not in text
    minutes = [m for m in data["circles"][0]["meetings"] if m["minutes"]][0]["minutes"][0]
    assert minutes["author"] == "Volunteer A"
    assert minutes["volunteers_present"] == ["Volunteer A", "Volunteer B"]
    assert data["circles"][0]["concerns"][0]["raised_by"] == "Volunteer B"
    # The coordinator is a professional acting in role: named, with the role.
    assert data["circles"][0]["coordinator"] == "Cora Ordway (Coordinator)"


def test_the_export_page_is_for_the_manager_and_is_logged(client, case):
    url = f"/core-members/{case['core_member'].pk}/subject-access.json"
    client.force_login(case["coordinator"])
    assert client.get(url).status_code == 403
    client.force_login(case["manager"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content)["core_member"]["last_name"] == "Tranter"
    assert AccessLog.objects.filter(
        user=case["manager"],
        action=AccessLog.Action.EXPORT,
        core_member_id=case["core_member"].pk,
    ).exists()


# Retention ----------------------------------------------------------------------------


def test_an_open_record_is_never_due_and_cannot_be_erased(case):
    assert retention.closed_on(case["core_member"]) is None
    assert retention.retention_due(timezone.localdate() + datetime.timedelta(days=9000)) == []
    with pytest.raises(ValidationError, match="Only a closed record"):
        retention.core_member_erase(
            core_member=case["core_member"],
            acting_user=case["manager"],
            basis=ErasureLog.Basis.REQUEST,
            reason="Asked",
        )
    assert CoreMember.objects.filter(pk=case["core_member"].pk).exists()


@override_settings(COSA_RETAIN_CORE_MEMBER_YEARS=7)
def test_a_closed_record_is_due_seven_years_after_its_circle_ended(case):
    _end(case, days_ago=10)
    ended = timezone.localdate() - datetime.timedelta(days=10)
    assert retention.closed_on(case["core_member"]) == ended
    due_on = retention.retention_due_on(case["core_member"])
    assert due_on == ended.replace(year=ended.year + 7)
    assert retention.retention_due(due_on - datetime.timedelta(days=1)) == []
    assert [row[0] for row in retention.retention_due(due_on)] == [case["core_member"]]


def test_the_sweep_erases_everything_and_its_history_once(case):
    _end(case, days_ago=10)
    core_member = case["core_member"]
    pk, circle_pk = core_member.pk, case["circle"].pk
    AccessLog.objects.create(user=case["manager"], action="VIEW", core_member_id=pk)
    far_future = timezone.localdate() + datetime.timedelta(days=365 * 8)

    erased = retention.retention_sweep(far_future)

    assert len(erased) == 1
    log = erased[0]
    assert log.reference == core_member.reference
    assert log.erased_by is None
    assert log.basis == ErasureLog.Basis.RETENTION
    assert log.counts["core_members.coremember"] == 1
    assert log.counts["circles.meetingnote"] == 1
    assert log.counts["circles.concern"] == 1
    assert not CoreMember.objects.filter(pk=pk).exists()
    assert not Circle.objects.filter(pk=circle_pk).exists()
    assert not Meeting.objects.filter(circle_id=circle_pk).exists()
    # No copy survives in the change history.
    assert not CoreMember.history.filter(id=pk).exists()
    assert not Circle.history.filter(id=circle_pk).exists()
    assert not MeetingNote.history.filter(summary__contains="allotment").exists()
    assert not Concern.history.filter(description__contains="children").exists()
    # The access log keeps who looked (no content); the volunteers remain.
    assert AccessLog.objects.filter(core_member_id=pk).exists()
    assert all(User.objects.filter(pk=v.user.pk).exists() for v in case["volunteers"])
    # Running again erases nothing more.
    assert retention.retention_sweep(far_future) == []
    assert ErasureLog.objects.count() == 1


def test_a_legal_hold_stops_the_sweep_until_released(case):
    _end(case, days_ago=10)
    core_member = case["core_member"]
    with pytest.raises(ValidationError):
        retention.legal_hold_set(core_member=core_member, acting_user=case["manager"], reason=" ")
    with pytest.raises(ValidationError, match="service manager"):
        retention.legal_hold_set(
            core_member=core_member, acting_user=case["coordinator"], reason="Inquiry"
        )
    retention.legal_hold_set(
        core_member=core_member, acting_user=case["manager"], reason="Serious case review"
    )
    far_future = timezone.localdate() + datetime.timedelta(days=365 * 8)
    assert retention.retention_sweep(far_future) == []
    with pytest.raises(ValidationError, match="legal hold"):
        retention.core_member_erase(
            core_member=core_member,
            acting_user=case["manager"],
            basis=ErasureLog.Basis.REQUEST,
            reason="Asked",
        )
    retention.legal_hold_release(core_member=core_member, acting_user=case["manager"])
    assert len(retention.retention_sweep(far_future)) == 1


def test_the_database_refuses_a_hold_without_a_reason(case, db_refuses):
    with db_refuses("core_member_legal_hold_has_reason"):
        CoreMember.objects.filter(pk=case["core_member"].pk).update(legal_hold=True)


def test_the_erasure_log_is_append_only(case):
    _end(case, days_ago=10)
    log = retention.core_member_erase(
        core_member=case["core_member"],
        acting_user=case["manager"],
        basis=ErasureLog.Basis.REQUEST,
        reason="Decided by the data protection lead",
    )
    with pytest.raises(PermissionError):
        log.save()
    with pytest.raises(PermissionError):
        log.delete()
    with pytest.raises(PermissionError):
        ErasureLog.objects.all().delete()


# Pages --------------------------------------------------------------------------------


def test_erasing_from_the_page_needs_the_reference_typed(client, case):
    _end(case, days_ago=10)
    core_member = case["core_member"]
    client.force_login(case["manager"])
    url = f"/core-members/{core_member.pk}/erase/"
    response = client.post(url, {"reason": "Decided", "confirm_reference": "CM-999999"})
    assert response.status_code == 400
    assert "not this record" in response.content.decode()
    assert CoreMember.objects.filter(pk=core_member.pk).exists()
    response = client.post(url, {"reason": "Decided", "confirm_reference": core_member.reference})
    assert response.status_code == 302
    assert not CoreMember.objects.filter(pk=core_member.pk).exists()
    assert ErasureLog.objects.get().erased_by == case["manager"]
    page = client.get("/core-members/privacy/").content.decode()
    assert core_member.reference in page


def test_the_hold_form_sets_and_releases(client, case):
    core_member = case["core_member"]
    client.force_login(case["manager"])
    url = f"/core-members/{core_member.pk}/legal-hold/"
    client.post(url, {"reason": "Police inquiry"})
    core_member.refresh_from_db()
    assert core_member.legal_hold and core_member.legal_hold_reason == "Police inquiry"
    client.post(url, {"action": "release"})
    core_member.refresh_from_db()
    assert not core_member.legal_hold


def test_finding_the_records_due_is_one_query_however_many(case, django_assert_num_queries):
    _end(case, days_ago=10)
    far_future = timezone.localdate() + datetime.timedelta(days=365 * 8)
    with django_assert_num_queries(1):
        due = retention.retention_due(far_future)
    assert [row[0] for row in due] == [case["core_member"]]
    ended = timezone.localdate() - datetime.timedelta(days=10)
    assert due[0][1] == ended


# Drafts: unsent text about him is his data too ----------------------------------------


def _draft_about(case, author, text):
    from formpages.models import Draft

    return Draft.objects.create(
        author=author,
        path=f"/circles/{case['circle'].pk}/concerns/new/",
        data={"concern_description": text},
        core_member_ref=case["core_member"].pk,
        circle_ref=case["circle"].pk,
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )


def test_the_export_lists_unsent_drafts_with_their_authors_redacted(case):
    _draft_about(case, case["volunteers"][2].user, "Half-typed worry about the allotment")
    export = retention.subject_access_export(case["core_member"])
    assert [d["text"] for d in export["drafts"]] == [
        {"concern_description": "Half-typed worry about the allotment"}
    ]
    assert export["drafts"][0]["author"].startswith("Volunteer ")
    assert "Sallowmere" not in json.dumps(export["drafts"])


def test_erasure_takes_the_drafts_about_him_and_no_others(case):
    from formpages.models import Draft

    # Ending the circle purges its volunteers' drafts; the coordinator's stays until erasure.
    _end(case, days_ago=10)
    _draft_about(case, case["coordinator"], "About Toby")
    elsewhere = Draft.objects.create(
        author=case["coordinator"],
        path="/core-members/999/",
        data={"x": "another Core Member"},
        core_member_ref=case["core_member"].pk + 1000,
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    far_future = timezone.localdate() + datetime.timedelta(days=365 * 8)
    (log,) = retention.retention_sweep(far_future)
    assert log.counts["formpages.draft"] == 1
    assert list(Draft.objects.all()) == [elsewhere]


def test_erasure_refuses_a_reminder_kind_it_does_not_cover(case, monkeypatch):
    from circles.models import Reminder

    _end(case, days_ago=10)
    monkeypatch.setitem(Reminder.KIND_MODELS, "NEW_KIND", "circles.Covenant")
    with pytest.raises(RuntimeError, match="circles.Covenant"):
        retention.core_member_erase(
            core_member=case["core_member"],
            acting_user=case["manager"],
            basis=ErasureLog.Basis.RETENTION,
            reason="Retention period over",
        )
    assert CoreMember.objects.filter(pk=case["core_member"].pk).exists()


def test_erasure_takes_the_reminders_of_his_shared_records(case):
    """The records' reminders are named by the sharing app's label since the move."""
    from circles.models import Reminder

    assert Reminder.KIND_MODELS[Reminder.Kind.RECORD_UNACKNOWLEDGED] == "sharing.RecordRecipient"
    _end(case, days_ago=10)
    # Without the sharing label covered, erasure now refuses instead of leaving them.
    retention.core_member_erase(
        core_member=case["core_member"],
        acting_user=case["manager"],
        basis=ErasureLog.Basis.RETENTION,
        reason="Retention period over",
    )
    assert not CoreMember.objects.filter(pk=case["core_member"].pk).exists()


ONCE = re.compile(r'name="_once" value="([0-9a-f]{32})"')


def _tokens(response):
    return ONCE.findall(response.content.decode())


def test_every_form_on_the_privacy_page_carries_a_one_time_token(client, case):
    core_member = case["core_member"]
    client.force_login(case["manager"])
    tokens = _tokens(client.get(f"/core-members/{core_member.pk}/privacy/"))
    # The hold and the erasure: two forms, two different tokens.
    assert len(tokens) == len(set(tokens)) == 2


def test_a_hold_posted_twice_is_set_once(client, case):
    core_member = case["core_member"]
    client.force_login(case["manager"])
    page = client.get(f"/core-members/{core_member.pk}/privacy/")
    hold_token = _tokens(page)[0]
    url = f"/core-members/{core_member.pk}/legal-hold/"
    data = {"reason": "Police inquiry", "_once": hold_token}
    first = client.post(url, data)
    core_member.refresh_from_db()
    since = core_member.legal_hold_since
    second = client.post(url, data, follow=True)
    assert first.status_code == 302
    assert "already sent" in second.content.decode()
    core_member.refresh_from_db()
    assert core_member.legal_hold_since == since
    assert core_member.history.filter(legal_hold=True).count() == 1


def test_a_hold_without_a_reason_is_refused_with_a_message(client, case):
    core_member = case["core_member"]
    client.force_login(case["manager"])
    response = client.post(f"/core-members/{core_member.pk}/legal-hold/", {"reason": ""})
    assert response.status_code == 302
    core_member.refresh_from_db()
    assert not core_member.legal_hold
    page = client.get(response.url).content.decode()
    assert "This field is required." in page


def test_safeguarding_actions_and_contacts_are_exported_then_erased(case):
    from circles.models import ConcernAction, SafeguardingContact

    concern = case["circle"].concerns.get()
    circle_services.concern_action_record(
        concern=concern,
        acting_user=case["coordinator"],
        kind=ConcernAction.Kind.POLICE,
        outcome="Duty sergeant noted the fictional report.",
    )
    own = SafeguardingContact.objects.create(
        core_member=case["core_member"],
        name="Hostel night manager",
        phone="01632 960123",
        created_by=case["coordinator"],
    )
    desk = SafeguardingContact.objects.create(
        name="Police duty desk", phone="01632 960999", created_by=case["manager"]
    )
    text = json.dumps(retention.subject_access_export(case["core_member"]))
    assert "Duty sergeant noted the fictional report." in text
    assert "Hostel night manager" in text
    assert "Police duty desk" not in text  # service-wide, not his data

    _end(case, days_ago=10)
    retention.retention_sweep(timezone.localdate() + datetime.timedelta(days=365 * 8))

    assert not ConcernAction.objects.exists()
    assert not SafeguardingContact.objects.filter(pk=own.pk).exists()
    assert SafeguardingContact.objects.filter(pk=desk.pk).exists()


def test_exclusion_areas_are_exported_then_erased_with_their_history(case):
    core_member = case["core_member"]
    core_member.home_district = "LS6"
    core_member.exclusion_districts = ["BD1", "HX7"]
    core_member.save()
    data = retention.subject_access_export(core_member)
    assert data["core_member"]["exclusion_districts"] == ["BD1", "HX7"]
    assert data["core_member"]["home_district"] == "LS6"

    _end(case, days_ago=10)
    retention.retention_sweep(timezone.localdate() + datetime.timedelta(days=365 * 8))

    assert not CoreMember.objects.filter(pk=core_member.pk).exists()
    assert not CoreMember.history.filter(id=core_member.pk).exists()
