"""Leak tests: lists, searches, counts and exports never carry another circle's data,
and field-level limits hold for volunteers and liaisons (DESIGN §4)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agency
from coreMembers.models import RiskAssessment
from cosa.tests.world import LEAK_MARKERS
from volunteers.models import SupervisionSession

LIST_PAGES = (
    ("circles:index", {}),
    ("circles:index", {"q": "Quixotic"}),
    ("circles:index", {"q": "Marmalade"}),
    ("circles:export", {}),
    ("core_members:index", {}),
    ("core_members:index", {"q": "Quixotic"}),
    ("core_members:export", {}),
    ("sharing:records", {}),
    ("volunteers:index", {}),
    ("volunteers:export", {}),
    ("circles:mine", {}),
    ("reports:index", {}),
)

# Sensitive values planted on circle A's Core Member and volunteers.
OFFENCE = "OFFENCE-SUMMARY-SECRET"
CRN = "X999CRN"
PNC = "PNC-12-345678Q"
VISOR = "VISOR-ABC-777"
RISK_SCORE = "RISKSCORE-77"
SUPERVISION = "SUPERVISION-NOTE-SECRET"


def _get(client, user, name, params=None, **kwargs):
    client.force_login(user)
    response = client.get(reverse(name, kwargs=kwargs), params or {})
    return response


def _body(response):
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _plant_sensitive(world):
    core_member = world.objects["core_member"]
    core_member.offence_summary = OFFENCE
    core_member.probation_crn = CRN
    core_member.pnc_reference = PNC
    core_member.visor_reference = VISOR
    core_member.save()
    RiskAssessment.objects.create(
        core_member=core_member,
        tool=RiskAssessment.Tool.RM2000_S,
        score=RISK_SCORE,
        band=RiskAssessment.Band.MEDIUM,
        assessed_on=timezone.localdate() - datetime.timedelta(days=100),
        agency=Agency.objects.first(),
    )
    SupervisionSession.objects.create(
        volunteer=world.objects["volunteer"],
        coordinator=world.users["owner"],
        held_on=timezone.localdate(),
        notes=SUPERVISION,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["owner", "volunteer_in_circle", "liaison_assigned"])
def test_lists_searches_and_exports_never_show_another_circle(client, world, actor):
    user = world.users[actor]
    other = world.objects["other_circle"]
    checked = 0
    for name, params in LIST_PAGES:
        response = _get(client, user, name, params)
        if response.status_code == 403:
            continue  # a page this role never uses
        if response.status_code == 302:
            # Sent on to its own start page (a volunteer at the pool): listed above too.
            assert response["Location"] in {reverse(page) for page, _ in LIST_PAGES}
            continue
        assert response.status_code == 200, (name, params)
        body = _body(response)
        query = params.get("q", "")
        for marker in LEAK_MARKERS:
            if marker != query:
                assert marker not in body, (actor, name, params, marker)
        assert reverse("circles:detail", args=[other.pk]) not in body
        assert other.core_member.reference not in body
        checked += 1
    assert checked >= 3


@pytest.mark.django_db
def test_counts_cover_only_own_caseload(client, world):
    response = _get(client, world.users["owner"], "reports:index")
    assert response.status_code == 200
    rows = {row["status"]: row["n"] for row in response.context["circles_by_status"]}
    assert rows == {"ACTIVE": 1}
    manager = _get(client, world.users["manager"], "reports:index")
    assert {row["status"]: row["n"] for row in manager.context["circles_by_status"]} == {
        "ACTIVE": 2
    }


@pytest.mark.django_db
def test_volunteer_never_receives_risk_references_offence_or_supervision(client, world):
    _plant_sensitive(world)
    user = world.users["volunteer_in_circle"]
    circle, meeting = world.objects["circle"], world.objects["meeting"]
    pages = [
        ("circles:mine", {}),
        ("circles:index", {}),
        ("circles:detail", {"pk": circle.pk}),
        ("circles:note_detail", {"pk": circle.pk, "meeting_pk": meeting.pk}),
        ("circles:concern_detail", {"pk": circle.pk, "concern_pk": world.objects["concern"].pk}),
        ("volunteers:detail", {"pk": world.objects["volunteer"].pk}),
    ]
    for name, kwargs in pages:
        response = _get(client, user, name, **kwargs)
        assert response.status_code == 200, name
        body = _body(response)
        for secret in (OFFENCE, CRN, PNC, VISOR, RISK_SCORE, SUPERVISION, "RM2000"):
            assert secret not in body, (name, secret)
        # The briefing: first name or preferred name only, never the surname.
        assert world.objects["core_member"].last_name not in body, name


@pytest.mark.django_db
def test_liaison_never_receives_minutes_or_volunteer_identities(client, world):
    _plant_sensitive(world)
    user = world.users["liaison_assigned"]
    record = world.objects["record"]
    pages = [
        ("core_members:index", {}, {}),
        ("core_members:export", {}, {}),
        ("core_members:detail", {}, {"pk": world.objects["core_member"].pk}),
        ("sharing:records", {}, {}),
        ("sharing:record_detail", {}, {"pk": record.pk}),
        ("sharing:my_core_members", {}, {}),
    ]
    volunteer_names = ("Ivy", "Inside", "Ida", "Iris", "Lena", "Leaver")
    for name, params, kwargs in pages:
        response = _get(client, user, name, params, **kwargs)
        assert response.status_code == 200, name
        body = _body(response)
        assert "A calm meeting about work." not in body, name
        assert "Mentioned visiting a park" not in body, name  # the concern's own words
        for secret in (OFFENCE, RISK_SCORE, SUPERVISION):
            assert secret not in body, (name, secret)
        for volunteer_name in volunteer_names:
            assert volunteer_name not in body, (name, volunteer_name)
    # What was shared with them is there.
    response = _get(client, user, "sharing:record_detail", pk=record.pk)
    assert record.details in _body(response)


@pytest.mark.django_db
def test_unassigned_liaison_search_finds_nothing(client, world):
    response = _get(client, world.users["liaison_unassigned"], "core_members:index", {"q": "Alan"})
    assert response.status_code == 200
    assert list(response.context["page"]) == []
