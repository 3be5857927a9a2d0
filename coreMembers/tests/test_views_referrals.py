"""Referral pages: list, new (with documents), decisions, assignment, documents.

Negative paths first in each group: the outsider's 404, the read-only 403, bad input
shown on the form with nothing written.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from accounts.tests.factories import AgencyFactory, LiaisonFactory, VolunteerUserFactory
from coreMembers import services
from coreMembers.models import CoreMember, Referral, ReferralDocument
from coreMembers.tests.factories import login, make_referral
from cosa import uploads

PDF = b"%PDF-1.4\n% fictional referral form\n"


@pytest.fixture
def referral(agency, coordinator):
    return make_referral(agency, coordinator=coordinator)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def url(name, *args):
    return reverse(f"core_members:{name}", args=args)


def new_referral_data(agency, **overrides):
    data = {
        "first_name": "Norman",
        "last_name": "Newcombe",
        "preferred_name": "Norm",
        "date_of_birth": "1968-04-02",
        "probation_crn": "X123456",
        "source_agency": agency.pk,
        "referrer_name": "Rita Referrer",
        "referrer_email": "rita@probation.example.org",
        "received_on": timezone.localdate().isoformat(),
        "reason": "Released last month; no family contact.",
    }
    data.update(overrides)
    return data


# The list ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_refuses_volunteers(client):
    login(client, VolunteerUserFactory())
    assert client.get(url("referrals")).status_code == 403


@pytest.mark.django_db
def test_list_hides_other_coordinators_referrals(client, agency, referral, other_coordinator):
    make_referral(agency, coordinator=other_coordinator, last_name="Elsewhere")
    login(client, other_coordinator)
    page = client.get(url("referrals")).context["page"]
    assert [r.core_member.last_name for r in page] == ["Elsewhere"]


@pytest.mark.django_db
def test_list_shows_a_liaison_only_the_referrals_they_made(client, agency, referral, liaison):
    own = make_referral(agency, last_name="Mine", acting_user=liaison)
    login(client, liaison)
    response = client.get(url("referrals"))
    assert [r.pk for r in response.context["page"]] == [own.pk]
    assert b"Example" not in response.content


@pytest.mark.django_db
def test_list_filters_by_state_newest_first_and_logs(client, agency, coordinator, referral):
    older = make_referral(agency, coordinator=coordinator, last_name="Older", received_days_ago=30)
    declined = make_referral(agency, coordinator=coordinator, last_name="Gone")
    services.referral_decline(referral=declined, acting_user=coordinator, reason="Out of area.")
    login(client, coordinator)

    page = client.get(url("referrals")).context["page"]
    assert [r.pk for r in page] == [declined.pk, referral.pk, older.pk]

    page = client.get(url("referrals"), {"status": "open"}).context["page"]
    assert [r.pk for r in page] == [referral.pk, older.pk]
    page = client.get(url("referrals"), {"status": "DECLINED"}).context["page"]
    assert [r.pk for r in page] == [declined.pk]
    page = client.get(url("referrals"), {"q": "older"}).context["page"]
    assert [r.pk for r in page] == [older.pk]

    logs = AccessLog.objects.filter(user=coordinator, detail__startswith="referrals:")
    assert logs.count() == 4
    assert logs.filter(action=AccessLog.Action.SEARCH).count() == 1


@pytest.mark.django_db
def test_managers_filter_open_unassigned_referrals(client, agency, manager, referral, liaison):
    waiting = make_referral(agency, last_name="Waiting", acting_user=liaison)
    login(client, manager)
    page = client.get(url("referrals"), {"status": "unassigned"}).context["page"]
    assert [r.pk for r in page] == [waiting.pk]


@pytest.mark.django_db
def test_list_ignores_a_bad_state_filter(client, coordinator, referral):
    login(client, coordinator)
    response = client.get(url("referrals"), {"status": "NONSENSE"})
    assert response.status_code == 200
    assert [r.pk for r in response.context["page"]] == [referral.pk]


@pytest.mark.django_db
def test_list_is_paginated_and_keeps_the_filter_in_page_links(client, agency, coordinator):
    for n in range(27):
        make_referral(agency, coordinator=coordinator, last_name=f"Person{n}")
    login(client, coordinator)
    response = client.get(url("referrals"), {"status": "open"})
    assert len(response.context["page"]) == 25
    assert b"?status=open&amp;page=2" in response.content
    assert len(client.get(url("referrals"), {"status": "open", "page": 2}).context["page"]) == 2


# Twelve: session, user, two-factor device, the access-log row, the count, the page (one
# query with its related rows), the unread-notification badge, and the session's savepoints
# and idle-timeout update. None of them depends on the number of referrals.
LIST_QUERIES = 12


def _count_list_queries(client, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url("referrals"))
        for referral in response.context["page"]:
            _ = (referral.core_member.display_name, referral.source_agency.name)
            _ = referral.coordinator
    return len(captured.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["coordinator", "manager", "liaison"])
def test_list_query_count_is_pinned_and_does_not_grow(
    client, agency, coordinator, manager, liaison, role, django_assert_max_num_queries
):
    user = {"coordinator": coordinator, "manager": manager, "liaison": liaison}[role]
    login(client, user)
    made_by = liaison if role == "liaison" else None
    make_referral(agency, coordinator=coordinator, last_name="First", acting_user=made_by)
    few = _count_list_queries(client, django_assert_max_num_queries, LIST_QUERIES)
    for n in range(20):
        make_referral(agency, coordinator=coordinator, last_name=f"More{n}", acting_user=made_by)
    many = _count_list_queries(client, django_assert_max_num_queries, LIST_QUERIES)
    assert many == few


# New referral -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_refuses_volunteers(client, agency):
    login(client, VolunteerUserFactory())
    assert client.get(url("referral_create")).status_code == 403
    response = client.post(url("referral_create"), new_referral_data(agency))
    assert response.status_code == 403
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_create_with_bad_input_shows_errors_and_writes_nothing(client, agency, coordinator):
    login(client, coordinator)
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post(
        url("referral_create"),
        new_referral_data(agency, first_name="", reason="   ", received_on=future),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"first_name", "reason", "received_on"}
    assert not CoreMember.objects.exists()
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_coordinator_creates_a_referral_that_is_theirs(client, agency, coordinator, media):
    login(client, coordinator)
    document = SimpleUploadedFile("Referral form.pdf", PDF, content_type="application/pdf")
    response = client.post(
        url("referral_create"), {**new_referral_data(agency), "documents": [document]}
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("referral_detail", referral.pk)
    core_member = referral.core_member
    assert core_member.reference.startswith("CM-")
    assert (core_member.first_name, core_member.preferred_name) == ("Norman", "Norm")
    assert core_member.probation_crn == "X123456"
    assert referral.coordinator == coordinator == core_member.coordinator
    assert referral.created_by == coordinator
    assert referral.referrer_email == "rita@probation.example.org"
    stored = referral.documents.get()
    assert stored.title == "Referral form.pdf"
    assert stored.uploaded_by == coordinator
    assert (media / stored.file.name).read_bytes() == PDF
    # The grant was given: the coordinator can open the new record.
    assert client.get(url("detail", core_member.pk)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("malware.exe", b"MZ\x90\x00", "not an accepted format"),
        ("disguised.pdf", b"MZ\x90\x00 not a pdf", "not really a PDF"),
        ("empty.pdf", b"", "is empty"),
        ("notes.txt", b"\xff\xfe\x00binary\x00\xff", "not a plain text"),
    ],
)
def test_create_refuses_bad_documents_and_writes_nothing(
    client, agency, coordinator, media, name, content, message
):
    login(client, coordinator)
    upload = SimpleUploadedFile(name, content)
    response = client.post(
        url("referral_create"), {**new_referral_data(agency), "documents": [upload]}
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["documents"])
    assert not Referral.objects.exists()
    assert not CoreMember.objects.exists()
    assert not ReferralDocument.objects.exists()


@pytest.mark.django_db
def test_create_refuses_an_oversized_document(client, agency, coordinator, media, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_BYTES", 10)
    login(client, coordinator)
    upload = SimpleUploadedFile("big.pdf", PDF)
    response = client.post(
        url("referral_create"), {**new_referral_data(agency), "documents": [upload]}
    )
    assert "is larger than 10 bytes" in " ".join(response.context["form"].errors["documents"])
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_create_renames_a_document_to_a_safe_file_name(client, agency, coordinator, media):
    login(client, coordinator)
    upload = SimpleUploadedFile("../../etc/pass wd;rm.pdf", PDF)
    client.post(url("referral_create"), {**new_referral_data(agency), "documents": [upload]})
    stored = ReferralDocument.objects.get()
    assert ".." not in stored.file.name and " " not in stored.file.name
    assert stored.file.name.startswith("referrals/")
    assert stored.file.name.endswith(".pdf")


@pytest.mark.django_db
def test_manager_creates_and_assigns_a_referral(client, agency, manager, coordinator):
    login(client, manager)
    client.post(url("referral_create"), new_referral_data(agency, coordinator=coordinator.pk))
    referral = Referral.objects.get()
    assert referral.coordinator == coordinator
    assert referral.core_member.coordinator == coordinator


@pytest.mark.django_db
def test_manager_may_leave_a_referral_unassigned(client, agency, manager, coordinator):
    login(client, manager)
    client.post(url("referral_create"), new_referral_data(agency))
    referral = Referral.objects.get()
    assert referral.coordinator is None
    login(client, coordinator)
    assert client.get(url("referral_detail", referral.pk)).status_code == 404


@pytest.mark.django_db
def test_liaison_refers_their_own_case_from_their_agency(client, liaison, coordinator):
    login(client, liaison)
    form = client.get(url("referral_create")).context["form"]
    assert "source_agency" not in form.fields and "coordinator" not in form.fields
    other_agency = AgencyFactory()
    response = client.post(
        url("referral_create"),
        # A forged agency is ignored: the liaison's own agency is recorded.
        new_referral_data(other_agency, referrer_name="Someone Else"),
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert referral.source_agency == liaison.agency
    assert referral.referrer_name == "Lena Lockwood"
    assert referral.created_by == liaison
    assert referral.coordinator is None
    # The liaison follows the referral, but gets no Core Member record from making it.
    assert client.get(url("referral_detail", referral.pk)).status_code == 200
    assert client.get(url("detail", referral.core_member.pk)).status_code == 404


@pytest.mark.django_db
def test_re_referral_of_a_core_member_not_accepted(client, agency, coordinator, referral):
    services.referral_decline(referral=referral, acting_user=coordinator, reason="Not now.")
    core_member = referral.core_member
    login(client, coordinator)
    create = f"{url('referral_create')}?core_member={core_member.pk}"
    form = client.get(create).context["form"]
    assert "first_name" not in form.fields
    data = new_referral_data(agency, reason="Circumstances changed.")
    response = client.post(create, data)
    assert response.status_code == 302
    assert core_member.referrals.count() == 2
    core_member.refresh_from_db()
    assert core_member.status == CoreMember.Status.REFERRED
    assert CoreMember.objects.count() == 1


@pytest.mark.django_db
def test_re_referral_of_someone_elses_core_member_is_404(
    client, agency, referral, other_coordinator
):
    login(client, other_coordinator)
    create = f"{url('referral_create')}?core_member={referral.core_member.pk}"
    assert client.get(create).status_code == 404
    assert client.get(f"{url('referral_create')}?core_member=abc").status_code == 404


@pytest.mark.django_db
def test_a_second_open_referral_is_a_form_error(client, agency, coordinator, referral):
    login(client, coordinator)
    create = f"{url('referral_create')}?core_member={referral.core_member.pk}"
    response = client.post(create, new_referral_data(agency))
    assert response.status_code == 200
    assert "refer again only after" in str(response.context["form"].errors)
    assert Referral.objects.count() == 1


@pytest.mark.django_db
def test_a_core_member_in_a_circle_cannot_be_referred_again(client, world):
    core_member = world.objects["core_member"]
    login(client, world.users["owner"])
    create = f"{url('referral_create')}?core_member={core_member.pk}"
    response = client.post(create, new_referral_data(core_member.referrals.get().source_agency))
    assert response.status_code == 200
    assert "In a circle" in str(response.context["form"].errors)
    assert core_member.referrals.count() == 1


# Detail -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_detail_is_404_for_outsiders(client, referral, other_coordinator, liaison):
    for user in (other_coordinator, liaison, VolunteerUserFactory()):
        login(client, user)
        assert client.get(url("referral_detail", referral.pk)).status_code == 404


@pytest.mark.django_db
def test_detail_logs_the_read_and_offers_the_next_steps(client, coordinator, referral):
    login(client, coordinator)
    response = client.get(url("referral_detail", referral.pk))
    assert response.status_code == 200
    assert response.context["can_assess"] and response.context["can_decline"]
    assert not response.context["can_accept"]  # assess first
    log = AccessLog.objects.get(user=coordinator, action=AccessLog.Action.VIEW)
    assert log.object_type == "core_members.referral"
    assert log.core_member_id == referral.core_member_id


@pytest.mark.django_db
def test_liaison_sees_the_state_of_their_referral_not_the_decision_note(client, agency, liaison):
    referral = make_referral(agency, acting_user=liaison)
    services.referral_decline(referral=referral, acting_user=None, reason="Internal note XYZ.")
    login(client, liaison)
    response = client.get(url("referral_detail", referral.pk))
    assert response.status_code == 200
    assert b"Declined" in response.content
    assert b"Internal note XYZ" not in response.content
    assert b"Decline" + b"\xe2\x80\xa6" not in response.content  # no decision buttons


# Decisions --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["assess", "accept", "decline", "withdraw"])
def test_decisions_are_404_for_outsiders(client, referral, other_coordinator, action):
    login(client, other_coordinator)
    assert client.get(url(f"referral_{action}", referral.pk)).status_code == 404
    assert client.post(url(f"referral_{action}", referral.pk), {"reason": "x"}).status_code == 404
    referral.refresh_from_db()
    assert referral.status == Referral.Status.RECEIVED


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["assess", "decline", "withdraw"])
def test_the_referring_liaison_may_not_decide(client, agency, liaison, action):
    referral = make_referral(agency, acting_user=liaison)
    login(client, liaison)
    assert client.get(url(f"referral_{action}", referral.pk)).status_code == 403
    assert client.post(url(f"referral_{action}", referral.pk), {"reason": "x"}).status_code == 403
    referral.refresh_from_db()
    assert referral.status == Referral.Status.RECEIVED


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["decline", "withdraw"])
def test_decline_and_withdraw_need_a_reason(client, coordinator, referral, action):
    login(client, coordinator)
    assert client.get(url(f"referral_{action}", referral.pk)).status_code == 200
    response = client.post(url(f"referral_{action}", referral.pk), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Give a reason."]
    referral.refresh_from_db()
    assert referral.status == Referral.Status.RECEIVED
    assert referral.decided_at is None


@pytest.mark.django_db
def test_decide_refuses_get_with_a_method_other_than_get_or_post(client, coordinator, referral):
    login(client, coordinator)
    assert client.put(url("referral_assess", referral.pk)).status_code == 405


@pytest.mark.django_db
def test_assess_then_accept(client, coordinator, referral):
    login(client, coordinator)
    response = client.post(url("referral_assess", referral.pk))
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ASSESSING

    response = client.post(url("referral_accept", referral.pk), {"reason": "Good fit."})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert referral.decided_by == coordinator
    assert referral.decision_reason == "Good fit."
    assert referral.core_member.status == CoreMember.Status.ACCEPTED


@pytest.mark.django_db
def test_an_illegal_step_is_a_form_error_not_a_500(client, coordinator, referral):
    login(client, coordinator)
    response = client.post(url("referral_accept", referral.pk))  # not assessed yet
    assert response.status_code == 200
    assert "Cannot move from Received to Accepted" in str(response.context["form"].errors)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.RECEIVED


@pytest.mark.django_db
def test_decline_records_the_reason_and_closes_the_core_member(client, coordinator, referral):
    login(client, coordinator)
    response = client.post(url("referral_decline", referral.pk), {"reason": "Out of area."})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECLINED
    assert referral.decision_reason == "Out of area."
    assert referral.core_member.status == CoreMember.Status.NOT_ACCEPTED


@pytest.mark.django_db
def test_manager_withdraws_an_accepted_referral(client, manager, coordinator, referral):
    services.referral_start_assessment(referral=referral, acting_user=coordinator)
    services.referral_accept(referral=referral, acting_user=coordinator)
    login(client, manager)
    response = client.post(url("referral_withdraw", referral.pk), {"reason": "Moved away."})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WITHDRAWN
    assert referral.decided_by == manager


# Assignment -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_a_manager_assigns_a_referral(client, agency, manager, coordinator, other_coordinator):
    referral = make_referral(agency)
    login(client, coordinator)
    assert client.post(url("referral_assign", referral.pk)).status_code == 404  # unseen
    owned = make_referral(agency, coordinator=coordinator, last_name="Owned")
    response = client.post(url("referral_assign", owned.pk), {"coordinator": coordinator.pk})
    assert response.status_code == 403

    login(client, manager)
    response = client.post(url("referral_assign", referral.pk), {"coordinator": "999999"})
    assert response.status_code == 200
    assert "coordinator" in response.context["form"].errors
    response = client.post(
        url("referral_assign", referral.pk), {"coordinator": other_coordinator.pk}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.coordinator == other_coordinator

    login(client, other_coordinator)
    assert client.get(url("referral_detail", referral.pk)).status_code == 200


@pytest.mark.django_db
def test_a_liaison_cannot_be_assigned_as_coordinator(client, agency, manager, liaison):
    referral = make_referral(agency)
    login(client, manager)
    response = client.post(url("referral_assign", referral.pk), {"coordinator": liaison.pk})
    assert response.status_code == 200
    referral.refresh_from_db()
    assert referral.coordinator is None


# Documents --------------------------------------------------------------------------------


@pytest.fixture
def document(referral, coordinator, media):
    return services.referral_document_add(
        referral=referral,
        title="Referral form.pdf",
        file=SimpleUploadedFile("referral-form.pdf", PDF),
        acting_user=coordinator,
    )


@pytest.mark.django_db
def test_document_download_is_404_for_outsiders(client, document, other_coordinator, liaison):
    for user in (other_coordinator, liaison, VolunteerUserFactory()):
        login(client, user)
        response = client.get(url("referral_document", document.referral_id, document.pk))
        assert response.status_code == 404
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


@pytest.mark.django_db
def test_document_of_another_referral_is_404(client, agency, coordinator, document):
    other = make_referral(agency, coordinator=coordinator, last_name="Other")
    login(client, coordinator)
    assert client.get(url("referral_document", other.pk, document.pk)).status_code == 404


@pytest.mark.django_db
def test_document_download_is_logged(client, coordinator, document):
    login(client, coordinator)
    response = client.get(url("referral_document", document.referral_id, document.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert log.user == coordinator
    assert log.core_member_id == document.referral.core_member_id


@pytest.mark.django_db
def test_a_missing_file_is_404_not_500(client, coordinator, document, media):
    (media / document.file.name).unlink()
    login(client, coordinator)
    response = client.get(url("referral_document", document.referral_id, document.pk))
    assert response.status_code == 404


@pytest.mark.django_db
def test_adding_documents_later(client, coordinator, other_coordinator, referral, media):
    login(client, other_coordinator)
    assert client.get(url("referral_document_add", referral.pk)).status_code == 404
    login(client, coordinator)
    response = client.post(url("referral_document_add", referral.pk), {})
    assert response.status_code == 200
    assert "documents" in response.context["form"].errors
    files = [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.txt", b"plain notes")]
    response = client.post(url("referral_document_add", referral.pk), {"documents": files})
    assert response.status_code == 302
    assert sorted(referral.documents.values_list("title", flat=True)) == ["a.pdf", "b.txt"]


@pytest.mark.django_db
def test_at_most_five_documents_at_once(client, coordinator, referral, media):
    login(client, coordinator)
    files = [SimpleUploadedFile(f"{n}.pdf", PDF) for n in range(6)]
    response = client.post(url("referral_document_add", referral.pk), {"documents": files})
    assert response.status_code == 200
    assert not referral.documents.exists()


@pytest.mark.django_db
def test_liaison_of_another_agency_never_sees_the_referral(client, agency, coordinator):
    referral = make_referral(agency, acting_user=LiaisonFactory())
    login(client, LiaisonFactory())
    assert client.get(url("referral_detail", referral.pk)).status_code == 404


@pytest.mark.django_db
def test_a_withdrawn_referral_is_not_reassigned(
    client, agency, manager, coordinator, other_coordinator
):
    referral = make_referral(agency, coordinator=coordinator)
    services.referral_withdraw(referral=referral, reason="Moved away.", acting_user=manager)
    login(client, manager)
    page = client.get(url("referral_detail", referral.pk)).content.decode()
    assert url("referral_assign", referral.pk) not in page
    response = client.post(
        url("referral_assign", referral.pk), {"coordinator": other_coordinator.pk}
    )
    assert response.status_code == 200
    assert "was withdrawn: it is not reassigned" in response.content.decode()
    referral.refresh_from_db()
    assert referral.coordinator == coordinator
