"""The Core Member record page and its edit forms: who sees which part, who may change it.

Each form: the outsider's 404 first, the assigned liaison's 403 (they see the Core Member
but may not change the record), bad input shown on the form with nothing written.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from accounts.tests.factories import AgencyFactory, LiaisonFactory, VolunteerUserFactory
from circles.models import Circle
from circles.tests.factories import CircleFactory
from coreMembers import services
from coreMembers.models import (
    CoreMember,
    LiaisonAssignment,
    MappaRecord,
    RiskAssessment,
    SharingAgreement,
)
from coreMembers.tests.factories import login, make_referral

TODAY = timezone.localdate


def days(n):
    return (TODAY() + datetime.timedelta(days=n)).isoformat()


def url(name, *args):
    return reverse(f"core_members:{name}", args=args)


@pytest.fixture
def core_member(agency, coordinator):
    core_member = make_referral(agency, coordinator=coordinator).core_member
    services.core_member_update(
        core_member=core_member,
        probation_crn="X765432",
        offence_summary="Fictional offence summary text.",
    )
    return core_member


@pytest.fixture
def assigned_liaison(core_member, liaison):
    services.liaison_assign(
        core_member=core_member, liaison=liaison, role=LiaisonAssignment.Role.OFFENDER_MANAGER
    )
    return liaison


def refused_to_outsiders(client, path, data, *, outsiders, liaison=None):
    """Outsiders get 404 on GET and POST, the assigned liaison 403."""
    for user in outsiders:
        login(client, user)
        assert client.get(path).status_code == 404, user
        assert client.post(path, data).status_code == 404, user
    if liaison is not None:
        login(client, liaison)
        assert client.get(path).status_code == 403
        assert client.post(path, data).status_code == 403


# The record page --------------------------------------------------------------------------


@pytest.mark.django_db
def test_detail_is_404_for_outsiders(client, core_member, other_coordinator):
    for user in (other_coordinator, VolunteerUserFactory(), LiaisonFactory()):
        login(client, user)
        assert client.get(url("detail", core_member.pk)).status_code == 404


@pytest.mark.django_db
def test_owner_sees_the_full_record_and_the_read_is_logged(client, coordinator, core_member):
    services.mappa_record(core_member=core_member, category=1, level=2, effective_from=TODAY())
    login(client, coordinator)
    response = client.get(url("detail", core_member.pk))
    assert response.status_code == 200
    assert response.templates[0].name == "core_members/detail.html"
    for text in (b"X765432", b"Fictional offence summary", b"MAPPA history", b"Record a change"):
        assert text in response.content
    assert response.context["can_change"] is True
    assert response.context["is_manager"] is False
    assert b"Change coordinator" not in response.content
    log = AccessLog.objects.get(user=coordinator, action=AccessLog.Action.VIEW)
    assert log.core_member_id == core_member.pk


@pytest.mark.django_db
def test_manager_may_change_the_coordinator_from_the_record(client, manager, core_member):
    login(client, manager)
    response = client.get(url("detail", core_member.pk))
    assert b"Change coordinator" in response.content
    assert response.context["can_change"] is True


@pytest.mark.django_db
def test_liaison_sees_identity_not_the_full_record(client, core_member, assigned_liaison):
    login(client, assigned_liaison)
    response = client.get(url("detail", core_member.pk))
    assert response.status_code == 200
    assert response.templates[0].name == "core_members/liaison_detail.html"
    for text in (b"Fictional offence summary", b"MAPPA", b"Risk assessments"):
        assert text not in response.content
    # The offender manager reads the CRN: probation's own reference for him.
    assert b"X765432" in response.content
    assert AccessLog.objects.filter(user=assigned_liaison, core_member_id=core_member.pk).exists()


@pytest.mark.django_db
def test_record_shows_no_current_agreement_and_open_referral(client, coordinator, core_member):
    login(client, coordinator)
    response = client.get(url("detail", core_member.pk))
    assert b"No current agreement" in response.content
    assert response.context["open_referral"] == core_member.referrals.get()


@pytest.mark.django_db
def test_record_names_his_latest_circle(client, coordinator, core_member):
    login(client, coordinator)
    response = client.get(url("detail", core_member.pk))
    assert response.context["circle"] is None
    assert b"None yet" in response.content
    first = CircleFactory(
        core_member=core_member,
        coordinator=coordinator,
        name="Tuesday circle",
        status=Circle.Status.ENDED,
        launched_on=days_ago(400),
        ended_on=days_ago(30),
        end_reason=Circle.EndReason.COMPLETED,
    )
    second = CircleFactory(core_member=core_member, coordinator=coordinator, name="Friday circle")
    Circle.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(400))
    response = client.get(url("detail", core_member.pk))
    assert response.context["circle"] == second
    assert b"Friday circle" in response.content
    assert b"Tuesday circle" not in response.content
    assert b"None yet" not in response.content


def _detail_queries(client, core_member, django_assert_max_num_queries):
    with django_assert_max_num_queries(DETAIL_QUERIES) as captured:
        assert client.get(url("detail", core_member.pk)).status_code == 200
    return len(captured.captured_queries)


# Fifteen: session, user (with the bell's count) and device, the request's savepoint and
# its release, the Core Member with his latest circle, the access-log row, the record's
# parts one query each (agreements with their agencies, referrals, liaisons, MAPPA
# history, risk assessments), the other numbers to call, the shared records and the
# documents. Equal at one and at five rows of each part.
DETAIL_QUERIES = 15


@pytest.mark.django_db
def test_record_page_queries_do_not_grow_with_its_history(
    client, agency, coordinator, core_member, django_assert_max_num_queries
):
    login(client, coordinator)

    def add(n):
        services.mappa_record(
            core_member=core_member, category=1, level=1 + n % 3, effective_from=days_ago(n)
        )
        services.risk_assessment_record(
            core_member=core_member,
            tool="ARMS",
            band="LOW",
            assessed_on=days_ago(n),
            agency=agency,
        )
        services.sharing_agreement_record(
            core_member=core_member,
            signed_on=days_ago(n),
            expires_on=days_ago(n - 300),
            agencies=[agency, AgencyFactory()],
        )
        services.liaison_assign(
            core_member=core_member, liaison=LiaisonFactory(), role="OFFENDER_MANAGER"
        )

    add(1)
    few = _detail_queries(client, core_member, django_assert_max_num_queries)
    for n in range(2, 6):
        add(n)
    assert _detail_queries(client, core_member, django_assert_max_num_queries) == few


def days_ago(n):
    return TODAY() - datetime.timedelta(days=n)


# Identity and statutory edits -----------------------------------------------------------


@pytest.mark.django_db
def test_identity_edit_refusals(client, core_member, other_coordinator, assigned_liaison):
    refused_to_outsiders(
        client,
        url("identity_edit", core_member.pk),
        {"first_name": "Hacked"},
        outsiders=[other_coordinator, VolunteerUserFactory()],
        liaison=assigned_liaison,
    )
    core_member.refresh_from_db()
    assert core_member.first_name == "Alan"


@pytest.mark.django_db
def test_identity_edit_bad_input_writes_nothing(client, coordinator, core_member):
    login(client, coordinator)
    before = core_member.history.count()
    response = client.post(
        url("identity_edit", core_member.pk),
        {"first_name": "", "last_name": "Example", "date_of_birth": "not a date"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"first_name", "date_of_birth"}
    core_member.refresh_from_db()
    assert core_member.first_name == "Alan"
    assert core_member.history.count() == before


@pytest.mark.django_db
def test_identity_edit_saves_and_logs_the_form_read(client, coordinator, core_member):
    login(client, coordinator)
    assert client.get(url("identity_edit", core_member.pk)).status_code == 200
    assert AccessLog.objects.filter(detail="edit form: overview", user=coordinator).exists()
    response = client.post(
        url("identity_edit", core_member.pk),
        {
            "first_name": "Alan",
            "last_name": "Example",
            "preferred_name": "Al",
            "date_of_birth": "1970-01-01",
            "needs_and_adaptations": "Large print, please.",
        },
    )
    assert response.status_code == 302
    core_member.refresh_from_db()
    assert core_member.preferred_name == "Al"
    assert core_member.needs_and_adaptations == "Large print, please."


STATUTORY = {
    "probation_crn": "X765432",
    "pnc_reference": "99/123456A",
    "visor_reference": "V0001",
    "notification_start": "2024-01-01",
    "notification_end": "",
    "notification_indefinite": "on",
    "licence_end": "2027-06-30",
    "has_shpo": "on",
    "shpo_end": "2030-01-01",
    "shpo_prohibitions": "No unsupervised contact with children.",
    "offence_summary": "Fictional offence summary text.",
}


@pytest.mark.django_db
def test_statutory_edit_refusals(client, core_member, other_coordinator, assigned_liaison):
    refused_to_outsiders(
        client,
        url("statutory_edit", core_member.pk),
        STATUTORY,
        outsiders=[other_coordinator],
        liaison=assigned_liaison,
    )
    core_member.refresh_from_db()
    assert core_member.pnc_reference == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"notification_end": "2030-01-01"}, "notification_end"),  # indefinite has no end
        ({"has_shpo": ""}, "shpo_end"),  # an end needs a SHPO
        ({"notification_indefinite": "", "notification_end": "2023-01-01"}, "__all__"),
    ],
)
def test_statutory_edit_bad_input_writes_nothing(client, coordinator, core_member, changes, field):
    login(client, coordinator)
    before = core_member.history.count()
    response = client.post(url("statutory_edit", core_member.pk), {**STATUTORY, **changes})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert core_member.history.count() == before
    core_member.refresh_from_db()
    assert core_member.pnc_reference == ""


@pytest.mark.django_db
def test_statutory_edit_saves(client, coordinator, core_member):
    login(client, coordinator)
    response = client.post(url("statutory_edit", core_member.pk), STATUTORY)
    assert response.status_code == 302
    assert response["Location"].endswith("#statutory")
    core_member.refresh_from_db()
    assert core_member.notification_indefinite is True
    assert core_member.has_shpo is True
    assert core_member.shpo_end == datetime.date(2030, 1, 1)
    assert core_member.licence_end == datetime.date(2027, 6, 30)


# MAPPA and risk ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_mappa_refusals(client, core_member, other_coordinator, assigned_liaison):
    data = {"category": 1, "level": 2, "effective_from": days(0)}
    refused_to_outsiders(
        client,
        url("mappa_add", core_member.pk),
        data,
        outsiders=[other_coordinator],
        liaison=assigned_liaison,
    )
    assert not MappaRecord.objects.exists()


@pytest.mark.django_db
def test_mappa_bad_input_writes_nothing(client, coordinator, core_member):
    login(client, coordinator)
    response = client.post(
        url("mappa_add", core_member.pk), {"category": 9, "level": "", "effective_from": days(2)}
    )
    assert set(response.context["form"].errors) == {"category", "level", "effective_from"}
    assert not MappaRecord.objects.exists()


@pytest.mark.django_db
def test_mappa_changes_are_kept_as_dated_history(client, coordinator, core_member):
    login(client, coordinator)
    path = url("mappa_add", core_member.pk)
    client.post(path, {"category": 1, "level": 1, "effective_from": days(-100)})
    client.post(path, {"category": 1, "level": 2, "effective_from": days(-10)})
    core_member.refresh_from_db()
    assert (core_member.mappa_category, core_member.mappa_level) == (1, 2)
    assert list(core_member.mappa_history.values_list("level", flat=True)) == [2, 1]
    assert core_member.mappa_history.first().recorded_by == coordinator
    # A second entry on the same day is refused on the form, not with a 500.
    response = client.post(path, {"category": 1, "level": 3, "effective_from": days(-10)})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert core_member.mappa_history.count() == 2
    page = client.get(url("detail", core_member.pk))
    assert page.content.count(b"<td>Alice Ashdown</td>") == 2


@pytest.mark.django_db
def test_risk_assessment_refusals(client, agency, core_member, other_coordinator, assigned_liaison):
    data = {"tool": "RM2000_S", "band": "HIGH", "assessed_on": days(-1), "agency": agency.pk}
    refused_to_outsiders(
        client,
        url("risk_assessment_add", core_member.pk),
        data,
        outsiders=[other_coordinator],
        liaison=assigned_liaison,
    )
    assert not RiskAssessment.objects.exists()


@pytest.mark.django_db
def test_risk_assessment_bad_input_writes_nothing(client, agency, coordinator, core_member):
    login(client, coordinator)
    response = client.post(
        url("risk_assessment_add", core_member.pk),
        {"tool": "GUESSWORK", "band": "", "assessed_on": days(5), "agency": agency.pk},
    )
    assert set(response.context["form"].errors) == {"tool", "band", "assessed_on"}
    assert not RiskAssessment.objects.exists()


@pytest.mark.django_db
def test_risk_assessment_recorded(client, agency, coordinator, core_member):
    login(client, coordinator)
    response = client.post(
        url("risk_assessment_add", core_member.pk),
        {
            "tool": "STATIC_99R",
            "score": "4",
            "band": "MEDIUM",
            "assessed_on": days(-7),
            "agency": agency.pk,
        },
    )
    assert response.status_code == 302
    assessment = RiskAssessment.objects.get()
    assert (assessment.tool, assessment.score, assessment.band) == ("STATIC_99R", "4", "MEDIUM")
    assert assessment.recorded_by == coordinator
    assert b"Static-99R" in client.get(url("detail", core_member.pk)).content


# Sharing agreements -------------------------------------------------------------------------


@pytest.mark.django_db
def test_agreement_refusals(client, agency, core_member, other_coordinator, assigned_liaison):
    data = {"signed_on": days(0), "expires_on": days(365), "agencies": [agency.pk]}
    refused_to_outsiders(
        client,
        url("agreement_add", core_member.pk),
        data,
        outsiders=[other_coordinator],
        liaison=assigned_liaison,
    )
    assert not SharingAgreement.objects.exists()


@pytest.mark.django_db
def test_agreement_bad_input_writes_nothing(client, coordinator, core_member):
    login(client, coordinator)
    response = client.post(
        url("agreement_add", core_member.pk),
        {"signed_on": days(0), "expires_on": days(-1), "agencies": []},
    )
    assert set(response.context["form"].errors) == {"expires_on", "agencies"}
    assert not SharingAgreement.objects.exists()


@pytest.mark.django_db
def test_agreement_recorded_with_its_scope_then_withdrawn(client, coordinator, core_member):
    probation, police = AgencyFactory(), AgencyFactory()
    login(client, coordinator)
    response = client.post(
        url("agreement_add", core_member.pk),
        {"signed_on": days(-5), "expires_on": days(360), "agencies": [probation.pk, police.pk]},
    )
    assert response.status_code == 302
    agreement = SharingAgreement.objects.get()
    assert agreement.version == 1
    assert set(agreement.agencies.all()) == {probation, police}
    assert agreement.is_current()

    withdraw = url("agreement_withdraw", core_member.pk, agreement.pk)
    assert client.get(withdraw).status_code == 200
    response = client.post(withdraw, {"withdrawn_on": days(-6), "withdrawal_reason": " "})
    assert set(response.context["form"].errors) == {"withdrawn_on", "withdrawal_reason"}
    agreement.refresh_from_db()
    assert agreement.withdrawn_on is None

    response = client.post(
        withdraw, {"withdrawn_on": days(0), "withdrawal_reason": "Changed mind."}
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.withdrawn_on == TODAY()
    assert agreement.withdrawal_reason == "Changed mind."
    assert not agreement.is_current()

    # Withdrawing twice is a form error, not a 500.
    again = client.post(withdraw, {"withdrawn_on": days(0), "withdrawal_reason": "Again."})
    assert again.status_code == 200
    assert "already withdrawn" in str(again.context["form"].errors)


@pytest.mark.django_db
def test_agreement_withdraw_refusals(client, agency, core_member, other_coordinator, liaison):
    services.liaison_assign(core_member=core_member, liaison=liaison, role="OFFENDER_MANAGER")
    agreement = services.sharing_agreement_record(
        core_member=core_member,
        signed_on=TODAY(),
        expires_on=TODAY().replace(year=2099),
        agencies=[agency],
    )
    data = {"withdrawn_on": days(0), "withdrawal_reason": "x"}
    refused_to_outsiders(
        client,
        url("agreement_withdraw", core_member.pk, agreement.pk),
        data,
        outsiders=[other_coordinator],
        liaison=liaison,
    )
    agreement.refresh_from_db()
    assert agreement.withdrawn_on is None


@pytest.mark.django_db
def test_agreement_of_another_core_member_is_404(client, agency, coordinator, core_member):
    other = make_referral(agency, coordinator=coordinator, last_name="Other").core_member
    agreement = services.sharing_agreement_record(
        core_member=other,
        signed_on=TODAY(),
        expires_on=TODAY().replace(year=2099),
        agencies=[agency],
    )
    login(client, coordinator)
    assert client.get(url("agreement_withdraw", core_member.pk, agreement.pk)).status_code == 404


# Liaisons ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_liaison_assign_refusals(client, core_member, other_coordinator, assigned_liaison):
    newcomer = LiaisonFactory()
    data = {"liaison": newcomer.pk, "role": "POLICE_PPU", "started_on": days(0)}
    refused_to_outsiders(
        client,
        url("liaison_add", core_member.pk),
        data,
        outsiders=[other_coordinator],
        liaison=assigned_liaison,
    )
    assert not LiaisonAssignment.objects.filter(liaison=newcomer).exists()


@pytest.mark.django_db
def test_liaison_assign_bad_input_writes_nothing(
    client, coordinator, core_member, assigned_liaison
):
    login(client, coordinator)
    path = url("liaison_add", core_member.pk)
    # A coordinator is not a liaison; an unknown role is refused.
    response = client.post(path, {"liaison": coordinator.pk, "role": "SPY", "started_on": days(0)})
    assert set(response.context["form"].errors) == {"liaison", "role"}
    # Assigning the same liaison twice is a form error.
    response = client.post(
        path, {"liaison": assigned_liaison.pk, "role": "OFFENDER_MANAGER", "started_on": days(0)}
    )
    assert response.status_code == 200
    assert "already assigned" in str(response.context["form"].errors)
    assert LiaisonAssignment.objects.count() == 1


@pytest.mark.django_db
def test_assigning_a_liaison_gives_them_the_core_member(client, coordinator, core_member):
    police = LiaisonFactory(
        first_name="Pete", last_name="Police", agency=AgencyFactory(kind="POLICE_PPU")
    )
    login(client, coordinator)
    response = client.post(
        url("liaison_add", core_member.pk),
        {"liaison": police.pk, "role": "POLICE_PPU", "started_on": days(0)},
    )
    assert response.status_code == 302
    login(client, police)
    assert client.get(url("detail", core_member.pk)).status_code == 200


@pytest.mark.django_db
def test_ending_an_assignment(
    client, coordinator, other_coordinator, core_member, assigned_liaison
):
    assignment = LiaisonAssignment.objects.get()
    path = url("liaison_end", core_member.pk, assignment.pk)
    refused_to_outsiders(
        client,
        path,
        {"ended_on": days(0)},
        outsiders=[other_coordinator],
        liaison=assigned_liaison,
    )
    login(client, coordinator)
    response = client.post(path, {"ended_on": days(-40)})  # before it started
    assert "ended_on" in response.context["form"].errors
    assignment.refresh_from_db()
    assert assignment.ended_on is None

    response = client.post(path, {"ended_on": days(0)})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.ended_on == TODAY()
    login(client, assigned_liaison)
    assert client.get(url("detail", core_member.pk)).status_code == 404


# Coordinator assignment -------------------------------------------------------------------


@pytest.mark.django_db
def test_only_managers_assign_coordinators(
    client, core_member, coordinator, other_coordinator, assigned_liaison
):
    path = reverse("circles:coordinator_handover", args=[core_member.pk])
    data = {"coordinator": other_coordinator.pk}
    login(client, other_coordinator)
    assert client.get(path).status_code == 404
    assert client.post(path, data).status_code == 404
    for user in (coordinator, assigned_liaison):
        login(client, user)
        assert client.get(path).status_code == 403
        assert client.post(path, data).status_code == 403
    core_member.refresh_from_db()
    assert core_member.coordinator == coordinator


@pytest.mark.django_db
def test_manager_moves_the_case_to_another_coordinator(
    client, manager, coordinator, other_coordinator, core_member, assigned_liaison
):
    login(client, manager)
    path = reverse("circles:coordinator_handover", args=[core_member.pk])
    response = client.post(path, {"coordinator": assigned_liaison.pk})
    assert response.status_code == 200
    assert "coordinator" in response.context["form"].errors

    response = client.post(path, {"coordinator": other_coordinator.pk})
    assert response.status_code == 302
    core_member.refresh_from_db()
    assert core_member.coordinator == other_coordinator
    assert core_member.referrals.get().coordinator == other_coordinator

    login(client, coordinator)
    assert client.get(url("detail", core_member.pk)).status_code == 404
    login(client, other_coordinator)
    assert client.get(url("detail", core_member.pk)).status_code == 200


@pytest.mark.django_db
def test_moving_a_case_moves_its_open_circle(client, world):
    circle = world.objects["circle"]
    new = world.users["other_coordinator"]
    login(client, world.users["manager"])
    response = client.post(
        reverse("circles:coordinator_handover", args=[circle.core_member_id]),
        {"coordinator": new.pk},
    )
    assert response.status_code == 302
    circle.refresh_from_db()
    assert circle.coordinator == new
    login(client, world.users["owner"])
    assert client.get(reverse("circles:detail", args=[circle.pk])).status_code == 404
    assert client.get(url("detail", circle.core_member_id)).status_code == 404


@pytest.mark.django_db
def test_core_member_update_refuses_fields_with_their_own_service(core_member):
    with pytest.raises(ValueError, match="mappa_level"):
        services.core_member_update(core_member=core_member, mappa_level=3)
    with pytest.raises(ValueError, match="status"):
        services.core_member_update(core_member=core_member, status=CoreMember.Status.ENDED)


@pytest.mark.django_db
def test_the_record_edited_in_two_tabs_refuses_the_stale_save_and_keeps_its_text(
    client, coordinator, core_member
):
    import re

    login(client, coordinator)
    edit = url("identity_edit", core_member.pk)
    tab_a, tab_b = client.get(edit).content.decode(), client.get(edit).content.decode()
    version = re.compile(r'name="version" value="(\d+)"')
    data = {"first_name": "Alan", "last_name": "Example", "date_of_birth": "1970-01-01"}
    first = client.post(
        edit,
        {**data, "needs_and_adaptations": "Large print.", "version": version.search(tab_a)[1]},
    )
    assert first.status_code == 302
    second = client.post(
        edit,
        {**data, "needs_and_adaptations": "An interpreter.", "version": version.search(tab_b)[1]},
    )
    assert second.status_code == 409
    page = second.content.decode()
    assert "Large print." in page and "An interpreter." in page
    core_member.refresh_from_db()
    assert core_member.needs_and_adaptations == "Large print."
    again = client.post(
        edit,
        {
            **data,
            "needs_and_adaptations": "Large print; an interpreter.",
            "version": version.search(page)[1],
        },
    )
    assert again.status_code == 302
    core_member.refresh_from_db()
    assert core_member.needs_and_adaptations == "Large print; an interpreter."


@pytest.mark.django_db
def test_each_agreement_lists_its_own_agencies_from_one_query(
    client, coordinator, core_member, django_assert_num_queries
):
    first, second, third = (AgencyFactory(name=n) for n in ("Zeta Police", "Alpha YOT", "Mid PS"))
    services.sharing_agreement_record(
        core_member=core_member, signed_on=days_ago(400), expires_on=days_ago(35), agencies=[first]
    )
    services.sharing_agreement_record(
        core_member=core_member,
        signed_on=days_ago(30),
        expires_on=days_ago(-335),
        agencies=[first, second, third],
    )
    with django_assert_num_queries(1):
        agreements = core_member.sharing_agreements.listed_with_agency_names()
    assert [(a.version, a.agency_names) for a in agreements] == [
        (2, ["Alpha YOT", "Mid PS", "Zeta Police"]),
        (1, ["Zeta Police"]),
    ]
    # An agreement that lost its agencies (outside the service) still appears.
    agreements[1].agencies.clear()
    listed = core_member.sharing_agreements.listed_with_agency_names()
    assert [(a.version, a.agency_names) for a in listed] == [
        (2, ["Alpha YOT", "Mid PS", "Zeta Police"]),
        (1, []),
    ]
    login(client, coordinator)
    page = client.get(url("detail", core_member.pk)).content.decode()
    assert "In scope: Alpha YOT, Mid PS, Zeta Police" in page
    assert "In scope: none" in page
