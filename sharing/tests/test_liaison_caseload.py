"""Liaisons recognise their cases: name and their agency's reference while they cover a
Core Member, the CM- reference alone once the cover ended, and "My Core Members".

Negative paths first: everyone but a liaison gets 404 on the caseload page, another
liaison's list never names this Core Member, an ended cover shows the reference only.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from accounts.tests.factories import VolunteerUserFactory
from circles.models import MeetingNote
from circles.tests.factories import MeetingFactory, MeetingNoteFactory
from coreMembers import services
from coreMembers.models import CoreMember, LiaisonAssignment
from coreMembers.tests.factories import CoreMemberFactory
from sharing.tests.sharing_support import build_case

MINE = reverse("sharing:my_core_members")
INBOX = reverse("sharing:records")
MINUTES = "He spoke about the allotment and a quarrel with his neighbour Quentin."


@pytest.fixture(name="case")
def _case(db):
    case = build_case()
    CoreMember.objects.filter(pk=case.core_member.pk).update(
        probation_crn="X765432", pnc_reference="26/123456Q"
    )
    case.core_member.refresh_from_db()
    return case


@pytest.fixture
def as_user(client):
    def login(user):
        client.logout()
        client.force_login(user)
        return client

    return login


def _page_text(response):
    assert response.status_code == 200
    return response.content.decode()


# Who reaches the caseload -----------------------------------------------------------------


def test_everyone_but_a_liaison_gets_404_on_my_core_members(case, as_user):
    for user in (case.owner, case.other_coordinator, case.manager, VolunteerUserFactory()):
        assert as_user(user).get(MINE).status_code == 404, user


def test_another_liaison_never_sees_this_core_member_listed(case, as_user):
    text = _page_text(as_user(case.unassigned_liaison).get(MINE))
    assert case.core_member.reference not in text
    assert "Fictional" not in text
    assert "You cover no Core Member" in text


def test_a_liaison_whose_cover_ended_loses_him_from_the_list(case, as_user):
    assignment = LiaisonAssignment.objects.open().get(liaison=case.liaison)
    services.liaison_end(assignment=assignment, acting_user=case.owner)
    text = _page_text(as_user(case.liaison).get(MINE))
    assert case.core_member.reference not in text


def test_a_liaison_whose_cover_ended_reads_the_reference_only(case, as_user):
    record = case.compose()
    # The cover ended but the record's grants are not yet taken back (as between the
    # end and its revocation): the record page names him by reference alone.
    LiaisonAssignment.objects.filter(liaison=case.liaison).update(ended_on=timezone.localdate())
    client = as_user(case.liaison)
    for path in (INBOX, reverse("sharing:record_detail", args=[record.pk])):
        text = _page_text(client.get(path))
        assert case.core_member.reference in text
        assert "Fictional" not in text
        assert "X765432" not in text
    text = _page_text(client.get(reverse("core_members:detail", args=[case.core_member.pk])))
    assert case.core_member.reference in text
    assert "Fictional" not in text
    assert "X765432" not in text


def test_an_ended_cover_through_the_service_answers_404_on_the_record(case, as_user):
    record = case.compose()
    assignment = LiaisonAssignment.objects.open().get(liaison=case.liaison)
    services.liaison_end(assignment=assignment, acting_user=case.owner)
    client = as_user(case.liaison)
    assert client.get(reverse("sharing:record_detail", args=[record.pk])).status_code == 404
    text = _page_text(client.get(INBOX))
    assert "Fictional" not in text


# What a covering liaison reads ------------------------------------------------------------


def test_the_offender_manager_reads_name_and_crn_on_inbox_record_and_core_member(case, as_user):
    record = case.compose()
    client = as_user(case.liaison)
    for path in (
        INBOX,
        reverse("sharing:record_detail", args=[record.pk]),
        reverse("sharing:record_print", args=[record.pk]),
        reverse("core_members:detail", args=[case.core_member.pk]),
        MINE,
    ):
        text = _page_text(client.get(path))
        assert case.core_member.reference in text, path
        assert "Fictional" in text, path
        assert "CRN" in text and "X765432" in text, path
        # Another agency's reference is not theirs to read.
        assert "26/123456Q" not in text, path


def test_the_police_liaison_reads_the_pnc_reference_not_the_crn(case, as_user):
    text = _page_text(
        as_user(case.police_liaison).get(reverse("core_members:detail", args=[case.core_member.pk]))
    )
    assert "26/123456Q" in text
    assert "X765432" not in text


def test_my_core_members_shows_status_last_attended_date_and_waiting_count(case, as_user):
    attended_at = timezone.now() - datetime.timedelta(days=9)
    MeetingNoteFactory(
        meeting=MeetingFactory(circle=case.circle, starts_at=attended_at, status="HELD"),
        status=MeetingNote.Status.SUBMITTED,
        submitted_at=attended_at,
        summary=MINUTES,
    )
    # A later meeting he missed and a draft of one he came to are not "attended".
    MeetingNoteFactory(
        meeting=MeetingFactory(
            circle=case.circle, starts_at=attended_at + datetime.timedelta(days=3)
        ),
        status=MeetingNote.Status.SUBMITTED,
        submitted_at=attended_at,
        attendance=MeetingNote.Attendance.NO,
        absence_reason="Unwell",
        summary=MINUTES,
    )
    MeetingNoteFactory(
        meeting=MeetingFactory(
            circle=case.circle, starts_at=attended_at + datetime.timedelta(days=5)
        ),
        summary=MINUTES,
    )
    case.compose()
    case.compose(summary="Second record")
    text = _page_text(as_user(case.liaison).get(MINE))
    assert "Fictional" in text and "X765432" in text
    assert "Active" in text
    assert timezone.localtime(attended_at).strftime("%-d %b %Y") in text
    assert "<strong>2</strong>" in text
    # Dates only: nothing of the minutes, nobody who was present.
    assert "allotment" not in text
    assert "Quentin" not in text
    assert AccessLog.objects.filter(
        user=case.liaison, action=AccessLog.Action.LIST, detail="my core members"
    ).exists()


def test_acknowledged_records_leave_the_waiting_count(case, as_user):
    from sharing import services as sharing_services

    record = case.compose()
    sharing_services.record_acknowledge(
        record=record, acting_user=case.liaison, response="Noted; home visit booked."
    )
    text = _page_text(as_user(case.liaison).get(MINE))
    assert "<strong>" not in text.split("<tbody>")[1].split("</tbody>")[0]


def test_the_nav_offers_my_core_members_to_liaisons_only(case, as_user):
    assert MINE in _page_text(as_user(case.liaison).get(INBOX))
    assert MINE not in _page_text(as_user(case.owner).get(INBOX))


# Queries ----------------------------------------------------------------------------------


def _cover_more(case, count):
    for _ in range(count):
        core_member = CoreMemberFactory()
        services.liaison_assign(
            core_member=core_member,
            liaison=case.liaison,
            role=LiaisonAssignment.Role.OFFENDER_MANAGER,
        )


def test_my_core_members_costs_the_same_queries_at_two_sizes(
    case, as_user, django_assert_num_queries
):
    client = as_user(case.liaison)
    client.get(MINE)
    # Session, user, device, the page's count and rows, the access log; SAVEPOINT/RELEASE.
    with django_assert_num_queries(8):
        _page_text(client.get(MINE))
    _cover_more(case, 12)
    with django_assert_num_queries(8):
        text = _page_text(client.get(MINE))
    assert text.count("CRN") >= 13


def test_the_inbox_costs_the_same_queries_at_two_sizes(case, as_user, django_assert_num_queries):
    case.compose()
    client = as_user(case.liaison)
    client.get(INBOX)
    with django_assert_num_queries(7):
        _page_text(client.get(INBOX))
    for n in range(6):
        case.compose(summary=f"Record {n}")
    with django_assert_num_queries(7):
        _page_text(client.get(INBOX))
