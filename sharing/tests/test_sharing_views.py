"""Shared-record pages: who reaches what, compose and approve, the inbox, print, admin.

Negative paths first: outsiders 404, the wrong role 403, bad input shown on the form
with nothing written, a shared record refusing every change.
"""

import pytest
from django.urls import reverse

from accounts.models import AccessLog
from accounts.tests.factories import VolunteerUserFactory
from circles.models import Concern
from circles.tests.factories import MeetingFactory, MeetingNoteFactory
from coreMembers import services
from coreMembers.tests.factories import RiskAssessmentFactory
from sharing import services as sharing_services
from sharing.models import InformationSharingRecord, RecordRecipient
from sharing.tests.sharing_support import DETAILS, SUMMARY, build_case

Record = InformationSharingRecord


def url(name, *args):
    return reverse(f"sharing:{name}", args=args)


@pytest.fixture(name="case")
def _case(db):
    return build_case()


@pytest.fixture
def as_user(client):
    def login(user):
        client.logout()
        client.force_login(user)
        return client

    return login


def form_data(case, **overrides):
    data = {
        "category": Record.Category.RISK_BEHAVIOUR,
        "urgency": Record.Urgency.URGENT,
        "summary": SUMMARY,
        "details": DETAILS,
        "legal_basis": Record.LegalBasis.CONSENT,
        "override_reason": "",
        "recipients": [case.liaison.pk],
    }
    data.update(overrides)
    return data


# Who reaches a record ---------------------------------------------------------------------


def test_outsiders_get_404_on_every_record_page(case, as_user):
    record = case.compose()
    outsider_volunteer = VolunteerUserFactory()
    pages = ["record_detail", "record_print", "record_addendum", "record_edit"]
    for user in (case.other_coordinator, case.unassigned_liaison, outsider_volunteer):
        client = as_user(user)
        for name in pages:
            assert client.get(url(name, record.pk)).status_code == 404, (user, name)
        assert (
            client.post(url("record_acknowledge", record.pk), {"response": "x"}).status_code == 404
        )
        assert client.post(url("record_approve", record.pk)).status_code == 404
        assert client.get(url("record_compose", case.core_member.pk)).status_code == 404
    assert not RecordRecipient.objects.filter(acknowledged_at__isnull=False).exists()


def test_a_volunteer_gets_403_on_the_lists(case, as_user):
    client = as_user(VolunteerUserFactory())
    assert client.get(url("records")).status_code == 403
    assert client.get(url("record_approvals")).status_code == 403


def test_a_liaison_cannot_see_a_record_not_sent_to_them(case, as_user):
    """The police liaison is assigned to the same Core Member but was not a recipient."""
    record = case.compose()
    client = as_user(case.police_liaison)
    assert client.get(url("record_detail", record.pk)).status_code == 404
    assert client.get(url("record_print", record.pk)).status_code == 404
    response = client.get(url("records"))
    assert SUMMARY not in response.content.decode()
    assert client.get(reverse("core_members:detail", args=[case.core_member.pk])).status_code == 200


def test_a_liaison_cannot_see_an_override_before_it_is_approved(case, as_user):
    record = case.override()
    client = as_user(case.liaison)
    assert client.get(url("record_detail", record.pk)).status_code == 404
    assert SUMMARY not in client.get(url("records")).content.decode()


def test_a_liaison_may_read_but_not_compose_approve_or_change(case, as_user):
    record = case.compose()
    client = as_user(case.liaison)
    assert client.get(url("record_compose", case.core_member.pk)).status_code == 403
    assert client.get(url("record_addendum", record.pk)).status_code == 403
    assert client.post(url("record_edit", record.pk), form_data(case)).status_code == 403
    assert client.get(url("record_approvals")).status_code == 403
    assert Record.objects.count() == 1


def test_a_liaison_sees_only_their_own_acknowledgement(case, as_user):
    record = case.override(recipients=[case.liaison, case.police_liaison])
    sharing_services.record_approve_override(record=record, acting_user=case.manager)
    sharing_services.record_acknowledge(
        record=record, acting_user=case.police_liaison, response="Police-response-text"
    )
    for name in ("record_detail", "record_print"):
        page = as_user(case.liaison).get(url(name, record.pk)).content.decode()
        assert "Police-response-text" not in page and "Percy" not in page
        assert DETAILS in page


# Acknowledging ---------------------------------------------------------------------------


def test_acknowledging_needs_a_response_and_happens_once(case, as_user):
    record = case.compose()
    client = as_user(case.liaison)
    response = client.post(url("record_acknowledge", record.pk), {"response": "  "})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not RecordRecipient.objects.filter(acknowledged_at__isnull=False).exists()

    response = client.post(url("record_acknowledge", record.pk), {"response": "Home visit booked."})
    assert response.status_code == 302
    assert AccessLog.objects.filter(action=AccessLog.Action.ACKNOWLEDGE).count() == 1

    response = client.post(url("record_acknowledge", record.pk), {"response": "Second time"})
    assert response.status_code == 200
    assert "already acknowledged" in response.content.decode()
    assert record.recipients.get().response == "Home visit booked."
    page = client.get(url("record_detail", record.pk)).content.decode()
    assert 'name="response"' not in page


# Composing -------------------------------------------------------------------------------


def test_consent_to_an_agency_out_of_scope_is_refused_on_the_form(case, as_user):
    client = as_user(case.owner)
    response = client.post(
        url("record_compose", case.core_member.pk),
        form_data(case, recipients=[case.liaison.pk, case.police_liaison.pk]),
    )
    assert response.status_code == 200
    assert "does not cover Percy Police" in response.content.decode()
    assert not Record.objects.exists()


def test_a_withdrawn_agreement_blocks_sharing_through_the_form(case, as_user):
    services.sharing_agreement_withdraw(agreement=case.agreement, reason="Withdrawn today")
    response = as_user(case.owner).post(url("record_compose", case.core_member.pk), form_data(case))
    assert response.status_code == 200
    assert "no current sharing agreement" in response.content.decode()
    assert not Record.objects.exists() and not RecordRecipient.objects.exists()


def test_an_override_without_a_reason_is_refused_on_the_form(case, as_user):
    response = as_user(case.owner).post(
        url("record_compose", case.core_member.pk),
        form_data(case, legal_basis=Record.LegalBasis.PUBLIC_PROTECTION),
    )
    assert response.status_code == 200
    assert "needs a written reason" in response.content.decode()
    assert not Record.objects.exists()


def test_composing_from_a_concern_shares_it_and_marks_the_concern(case, as_user):
    concern = case.concern(imminent_risk=True, description="Concern-description-text")
    client = as_user(case.owner)
    page = client.get(url("record_compose", case.core_member.pk) + f"?concern={concern.pk}")
    assert page.status_code == 200
    assert "Concern-description-text" in page.content.decode()  # prefilled for editing
    response = client.post(
        url("record_compose", case.core_member.pk) + f"?concern={concern.pk}", form_data(case)
    )
    record = Record.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("record_detail", record.pk)
    assert record.status == Record.Status.SHARED and record.source_concern == concern
    concern.refresh_from_db()
    assert concern.status == Concern.Status.SHARED
    page = client.get(url("record_detail", record.pk)).content.decode()
    assert reverse("circles:concern_detail", args=[case.circle.pk, concern.pk]) in page
    assert AccessLog.objects.filter(
        action=AccessLog.Action.SHARE, object_id=str(record.pk)
    ).exists()


def test_a_concern_or_meeting_of_another_core_member_is_404(case, as_user):
    other = build_case()
    client = as_user(case.manager)
    compose = url("record_compose", case.core_member.pk)
    assert client.get(compose + f"?concern={other.concern().pk}").status_code == 404
    assert (
        client.get(compose + f"?meeting={MeetingFactory(circle=other.circle).pk}").status_code
        == 404
    )
    assert client.get(compose + "?concern=abc").status_code == 404


def test_composing_from_a_meeting_links_it(case, as_user):
    meeting = MeetingFactory(circle=case.circle)
    response = as_user(case.owner).post(
        url("record_compose", case.core_member.pk) + f"?meeting={meeting.pk}", form_data(case)
    )
    assert response.status_code == 302
    assert Record.objects.get().source_meeting == meeting


# Override and second approval ------------------------------------------------------------


def test_an_override_waits_and_its_author_cannot_approve_it(case, as_user):
    client = as_user(case.owner)
    client.post(
        url("record_compose", case.core_member.pk),
        form_data(
            case,
            legal_basis=Record.LegalBasis.PUBLIC_PROTECTION,
            override_reason="Risk to a named child",
            recipients=[case.police_liaison.pk],
        ),
    )
    record = Record.objects.get()
    assert record.status == Record.Status.AWAITING_APPROVAL
    page = client.get(url("record_detail", record.pk)).content.decode()
    assert "Approve and send" not in page
    response = client.post(url("record_approve", record.pk))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == Record.Status.AWAITING_APPROVAL and record.approved_by is None
    assert not RecordRecipient.objects.filter(notified_at__isnull=False).exists()

    manager = as_user(case.manager)
    queue = manager.get(url("record_approvals")).content.decode()
    assert SUMMARY in queue and "Risk to a named child" in queue
    assert "Approve and send" in manager.get(url("record_detail", record.pk)).content.decode()
    assert manager.post(url("record_approve", record.pk)).status_code == 302
    record.refresh_from_db()
    assert record.status == Record.Status.SHARED and record.approved_by == case.manager
    assert as_user(case.police_liaison).get(url("record_detail", record.pk)).status_code == 200


def test_another_coordinator_without_the_core_member_cannot_approve(case, as_user):
    record = case.override()
    response = as_user(case.other_coordinator).post(url("record_approve", record.pk))
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.status == Record.Status.AWAITING_APPROVAL


def test_declining_needs_a_reason_and_returns_the_record_to_a_draft(case, as_user):
    record = case.override()
    client = as_user(case.manager)
    response = client.post(url("record_decline", record.pk), {"reason": ""})
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.status == Record.Status.AWAITING_APPROVAL
    response = client.post(url("record_decline", record.pk), {"reason": "Consent covers it"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == Record.Status.DRAFT
    # The author changes the draft to consent and sends it.
    response = as_user(case.owner).post(url("record_edit", record.pk), form_data(case))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == Record.Status.SHARED
    assert record.legal_basis == Record.LegalBasis.CONSENT and record.override_reason == ""


# Immutable once shared -------------------------------------------------------------------


def test_the_edit_form_refuses_a_shared_record(case, as_user):
    record = case.compose()
    for user in (case.owner, case.manager):
        client = as_user(user)
        assert client.get(url("record_edit", record.pk)).status_code == 403
        response = client.post(url("record_edit", record.pk), form_data(case, summary="Changed"))
        assert response.status_code == 403
    record.refresh_from_db()
    assert record.summary == SUMMARY and record.details == DETAILS


def test_the_admin_refuses_to_change_or_delete_a_shared_record(case, as_user):
    record = case.compose()
    recipient = record.recipients.get()
    manager = case.manager
    manager.is_superuser = True  # the most the admin ever allows
    manager.save(update_fields=["is_superuser"])
    client = as_user(manager)
    base = f"/admin/sharing/informationsharingrecord/{record.pk}"
    complete = {  # every field of the record, as a revert or change form would send it
        "core_member": record.core_member_id,
        "category": "OTHER",
        "urgency": "ROUTINE",
        "summary": "Changed by admin",
        "details": "Changed",
        "legal_basis": "CONSENT",
        "status": "DRAFT",
        "created_by": case.owner.pk,
        "created_at_0": "2026-01-01",
        "created_at_1": "10:00",
        "recipients-TOTAL_FORMS": "0",
        "recipients-INITIAL_FORMS": "0",
    }
    assert client.get(f"{base}/change/").status_code == 200  # read-only view
    assert client.post(f"{base}/change/", complete).status_code == 403
    assert client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    client.post(
        "/admin/sharing/informationsharingrecord/",
        {"action": "delete_selected", "_selected_action": [record.pk]},
    )
    # simple-history's "revert" saved a POST for mere viewers until its admin refused it.
    version = record.history.order_by("history_id").first().history_id
    assert client.get(f"{base}/history/{version}/").status_code == 200
    assert client.post(f"{base}/history/{version}/", complete).status_code == 403
    rbase = f"/admin/sharing/recordrecipient/{recipient.pk}"
    forged = {"record": record.pk, "liaison": case.liaison.pk, "response": "Forged"}
    assert client.post(f"{rbase}/change/", forged).status_code == 403
    assert client.post(f"{rbase}/delete/", {"post": "yes"}).status_code == 403
    version = recipient.history.first().history_id
    assert client.post(f"{rbase}/history/{version}/", forged).status_code == 403
    record.refresh_from_db()
    assert (record.summary, record.details, record.status) == (SUMMARY, DETAILS, "SHARED")
    assert record.recipients.get().response == ""


# The liaison's pages -----------------------------------------------------------------------


def test_inbox_puts_waiting_and_urgent_first_and_filters(case, as_user):
    routine_done = case.compose(urgency="ROUTINE", summary="Routine acknowledged")
    sharing_services.record_acknowledge(
        record=routine_done, acting_user=case.liaison, response="Seen"
    )
    case.compose(urgency="ROUTINE", summary="Routine waiting")
    case.compose(urgency="URGENT", summary="Urgent waiting")
    case.compose(urgency="PRIORITY", summary="Priority waiting")
    other = build_case()
    other_record = other.compose(summary="Other Core Member's record")
    services.liaison_assign(
        core_member=other.core_member, liaison=case.liaison, role="OFFENDER_MANAGER"
    )
    client = as_user(case.liaison)
    page = client.get(url("records")).context["page"]
    assert [r.summary for r in page] == [
        "Urgent waiting",
        "Priority waiting",
        "Routine waiting",
        "Routine acknowledged",
    ]
    assert other_record.pk not in [r.pk for r in page]
    page = client.get(url("records"), {"urgency": "ROUTINE"}).context["page"]
    assert [r.summary for r in page] == ["Routine waiting", "Routine acknowledged"]
    page = client.get(url("records"), {"core_member": other.core_member.reference})
    assert list(page.context["page"]) == []
    page = client.get(url("records"), {"core_member": case.core_member.reference.lower()})
    assert len(page.context["page"]) == 4
    assert AccessLog.objects.filter(action=AccessLog.Action.SEARCH, user=case.liaison).exists()


def test_inbox_query_count_does_not_grow_with_rows(case, as_user, django_assert_max_num_queries):
    for n in range(3):
        case.compose(summary=f"Record {n}")
    client = as_user(case.liaison)
    with django_assert_max_num_queries(INBOX_QUERIES):
        response = client.get(url("records"))
        assert len(response.context["page"]) == 3
    for n in range(25):
        case.compose(summary=f"More {n}", urgency="ROUTINE")
    with django_assert_max_num_queries(INBOX_QUERIES):
        response = client.get(url("records"))
        assert len(response.context["page"]) == 25


def test_staff_list_query_count_does_not_grow_with_rows(
    case, as_user, django_assert_max_num_queries
):
    for n in range(30):
        case.compose(summary=f"Record {n}")
    client = as_user(case.owner)
    with django_assert_max_num_queries(STAFF_LIST_QUERIES):
        response = client.get(url("records"))
        assert len(response.context["page"]) == 25
    for n in range(3):
        case.override(summary=f"Override {n}", recipients=[case.liaison, case.police_liaison])
    client = as_user(case.manager)
    with django_assert_max_num_queries(APPROVALS_QUERIES):
        response = client.get(url("record_approvals"))
        assert len(response.context["page"]) == 3
        assert "Percy Police" in response.content.decode()


# Measured on SQLite, whatever the number of rows: session read and save, user, second
# factor, bell count, count, page, and the request's savepoints (11, as
# cosa/tests/test_access.py budgets every list page).
INBOX_QUERIES = 11
STAFF_LIST_QUERIES = 11
APPROVALS_QUERIES = 13  # also its access-log row and the recipients, prefetched


def test_liaison_core_member_page_shows_identity_and_shared_records_only(case, as_user):
    volunteer = VolunteerUserFactory(first_name="Wilhelmina", last_name="Volunteerson")
    MeetingNoteFactory(
        meeting=MeetingFactory(circle=case.circle, status="HELD"),
        author=volunteer,
        summary="Minutes-marker-text",
    )
    RiskAssessmentFactory(core_member=case.core_member, score="Score-marker-77")
    case.core_member.offence_summary = "Offence-marker-text"
    case.core_member.pnc_reference = "PNC-marker-99"
    case.core_member.save(update_fields=["offence_summary", "pnc_reference"])
    mine = case.compose(summary="Sent to Lorna")
    case.override(summary="Pending override")
    not_mine = case.override(summary="Sent only to Percy", recipients=[case.police_liaison])
    sharing_services.record_approve_override(record=not_mine, acting_user=case.manager)
    page = (
        as_user(case.liaison)
        .get(reverse("core_members:detail", args=[case.core_member.pk]))
        .content.decode()
    )
    assert case.core_member.reference in page and "Sent to Lorna" in page
    assert url("record_detail", mine.pk) in page
    for hidden in (
        "Minutes-marker-text",
        "Wilhelmina",
        "Volunteerson",
        "Score-marker-77",
        "Offence-marker-text",
        "Pending override",
        "Sent only to Percy",
        "PNC-marker-99",
        "Share a record",
    ):
        assert hidden not in page, hidden
    # The offender manager reads his CRN, their own agency's reference; never the PNC.
    assert case.core_member.probation_crn in page


# Print -------------------------------------------------------------------------------------


def test_the_printable_record_has_its_addenda_and_acknowledgements_and_is_logged(
    case, as_user, django_assert_max_num_queries
):
    record = case.compose()
    sharing_services.record_acknowledge(
        record=record, acting_user=case.liaison, response="Visit booked"
    )
    addendum = case.compose(addendum_to=record, summary="Correction: Wednesday")
    client = as_user(case.owner)
    with django_assert_max_num_queries(14):
        response = client.get(url("record_print", record.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert DETAILS in page and "Correction: Wednesday" in page and "Visit booked" in page
    assert 'style="' not in page
    assert AccessLog.objects.filter(
        action=AccessLog.Action.EXPORT, object_id=str(record.pk), user=case.owner
    ).exists()
    assert addendum.addendum_to == record


def test_reading_a_record_is_logged(case, as_user):
    record = case.compose()
    as_user(case.liaison).get(url("record_detail", record.pk))
    assert AccessLog.objects.filter(
        action=AccessLog.Action.VIEW, object_id=str(record.pk), user=case.liaison
    ).exists()
