"""Validation that knows the domain: a risk score fits its tool, a liaison's role fits
their agency. Each rule is refused from the service (as the shell would call it) and
from the form over HTTP, with a message saying what is allowed and nothing written.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agency
from accounts.tests.factories import AgencyFactory, LiaisonFactory
from coreMembers import services
from coreMembers.models import LiaisonAssignment, RiskAssessment
from coreMembers.tests.factories import login, make_referral

pytestmark = pytest.mark.django_db

LAST_WEEK = timezone.localdate() - datetime.timedelta(days=7)


@pytest.fixture
def core_member(agency, coordinator):
    return make_referral(agency, coordinator=coordinator).core_member


def _record(core_member, agency, **kw):
    values = {"tool": "RM2000_S", "band": "HIGH", "score": "", "assessed_on": LAST_WEEK}
    values.update(kw)
    return services.risk_assessment_record(core_member=core_member, agency=agency, **values)


def _post_risk(client, core_member, agency, **kw):
    data = {"tool": "RM2000_S", "band": "HIGH", "score": "", "assessed_on": LAST_WEEK}
    data.update(kw, agency=agency.pk)
    return client.post(reverse("core_members:risk_assessment_add", args=[core_member.pk]), data)


# Risk scores: refused first ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "band", "score", "allowed"),
    [
        ("RM2000_S", "HIGH", "banana", "Low, Medium, High or Very high"),
        ("RM2000_V", "LOW", "7", "Low, Medium, High or Very high"),
        ("OSP_C", "MEDIUM", "Moderate", "Low, Medium, High or Very high"),
        ("OASYS_ROSH", "HIGH", "banana", "Low, Medium, High or Very high"),
        ("STATIC_99R", "HIGH", "banana", "a whole number from -3 to 12"),
        ("STATIC_99R", "HIGH", "13", "a whole number from -3 to 12"),
        ("STATIC_99R", "LOW", "-4", "a whole number from -3 to 12"),
        ("STATIC_99R", "LOW", "2.5", "a whole number from -3 to 12"),
        ("STATIC_99R", "LOW", "", "a whole number from -3 to 12"),
    ],
)
def test_the_service_refuses_a_score_outside_the_tool(
    core_member, agency, coordinator, tool, band, score, allowed
):
    with pytest.raises(ValidationError) as refused:
        _record(core_member, agency, tool=tool, band=band, score=score, acting_user=coordinator)
    assert allowed in " ".join(refused.value.message_dict["score"])
    assert not RiskAssessment.objects.exists()


def test_the_service_refuses_a_score_that_contradicts_the_band(core_member, agency):
    with pytest.raises(ValidationError) as refused:
        _record(core_member, agency, tool="OASYS_ROSH", band="LOW", score="Very high")
    assert "must agree" in refused.value.message_dict["score"][0]
    assert not RiskAssessment.objects.exists()


def test_the_service_refuses_a_band_the_tool_does_not_have(core_member, agency):
    # OSP/I has no "very high" category.
    with pytest.raises(ValidationError) as refused:
        _record(core_member, agency, tool="OSP_I", band="VERY_HIGH")
    assert refused.value.message_dict["band"] == ["OSP/I bands are Low, Medium or High."]
    assert not RiskAssessment.objects.exists()


def test_the_model_refuses_banana_from_any_caller(core_member, agency):
    assessment = RiskAssessment(
        core_member=core_member,
        tool="RM2000_C",
        band="HIGH",
        score="banana",
        assessed_on=LAST_WEEK,
        agency=agency,
    )
    with pytest.raises(ValidationError) as refused:
        assessment.full_clean()
    assert "score" in refused.value.message_dict


def test_the_form_refuses_banana_and_says_what_is_allowed(client, core_member, agency, coordinator):
    login(client, coordinator)
    response = _post_risk(client, core_member, agency, score="banana")
    assert response.status_code == 200
    assert response.context["form"].errors["score"] == [
        'RM2000 scores are Low, Medium, High or Very high, not "banana".'
    ]
    assert b"There is a problem" in response.content
    assert b'href="#id_score"' in response.content
    assert not RiskAssessment.objects.exists()


def test_the_form_refuses_a_static_99r_score_out_of_range(client, core_member, agency, coordinator):
    login(client, coordinator)
    response = _post_risk(client, core_member, agency, tool="STATIC_99R", score="20")
    assert "from -3 to 12" in response.context["form"].errors["score"][0]
    assert not RiskAssessment.objects.exists()


def test_the_form_says_what_each_tool_allows(client, core_member, coordinator):
    login(client, coordinator)
    response = client.get(reverse("core_members:risk_assessment_add", args=[core_member.pk]))
    assert "Static-99R: a whole number from -3 to 12" in response.content.decode()
    assert b"There is a problem" not in response.content


# Risk scores: accepted ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "band", "score", "stored"),
    [
        ("RM2000_S", "VERY_HIGH", "very  HIGH", "Very high"),
        ("OSP_C", "MEDIUM", "medium", "Medium"),
        ("OASYS_ROSH", "LOW", "", ""),
        ("STATIC_99R", "LOW", "-3", "-3"),
        ("STATIC_99R", "HIGH", " 12 ", "12"),
    ],
)
def test_a_score_in_the_tools_terms_is_stored_as_the_tool_writes_it(
    core_member, agency, tool, band, score, stored
):
    assessment = _record(core_member, agency, tool=tool, band=band, score=score)
    assessment.refresh_from_db()
    assert assessment.score == stored


# Liaison roles and agencies: refused first -------------------------------------------------


def _liaison_of(kind):
    return LiaisonFactory(agency=AgencyFactory(name=f"Northshire {kind}", kind=kind))


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        (LiaisonAssignment.Role.POLICE_PPU, Agency.Kind.PROBATION),
        (LiaisonAssignment.Role.POLICE_PPU, Agency.Kind.MAPPA),
        (LiaisonAssignment.Role.OFFENDER_MANAGER, Agency.Kind.POLICE_PPU),
        (LiaisonAssignment.Role.OFFENDER_MANAGER, Agency.Kind.OTHER),
        (LiaisonAssignment.Role.MAPPA, Agency.Kind.PROBATION),
        (LiaisonAssignment.Role.MAPPA, Agency.Kind.POLICE_PPU),
    ],
)
def test_the_service_refuses_a_role_the_agency_does_not_hold(core_member, coordinator, role, kind):
    liaison = _liaison_of(kind)
    with pytest.raises(ValidationError) as refused:
        services.liaison_assign(
            core_member=core_member, liaison=liaison, role=role, acting_user=coordinator
        )
    assert f"; Northshire {kind} is recorded as" in refused.value.message_dict["role"][0]
    assert not LiaisonAssignment.objects.exists()
    assert not liaison.has_perm("core_members.view_identity", core_member)


def test_the_form_refuses_a_probation_officer_as_the_police_unit(
    client, core_member, coordinator, liaison
):
    login(client, coordinator)
    response = client.post(
        reverse("core_members:liaison_add", args=[core_member.pk]),
        {"liaison": liaison.pk, "role": "POLICE_PPU", "started_on": LAST_WEEK},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["role"] == [
        "A police public-protection unit liaison must come from the police; "
        "Northshire Probation is recorded as probation."
    ]
    assert b'href="#id_role"' in response.content
    assert not LiaisonAssignment.objects.exists()


def test_an_assignment_made_before_the_rule_can_still_be_ended(core_member, liaison):
    # Data entered before the rule existed: the wrong cover must still be removable.
    assignment = LiaisonAssignment.objects.create(
        core_member=core_member, liaison=liaison, role="POLICE_PPU", started_on=LAST_WEEK
    )
    services.liaison_end(assignment=assignment)
    assignment.refresh_from_db()
    assert assignment.ended_on == timezone.localdate()


def test_changing_the_role_of_an_assignment_is_checked(core_member, liaison):
    assignment = services.liaison_assign(
        core_member=core_member, liaison=liaison, role="OFFENDER_MANAGER"
    )
    assignment.role = "MAPPA"
    with pytest.raises(ValidationError):
        assignment.full_clean()


# Liaison roles and agencies: accepted ------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        (LiaisonAssignment.Role.OFFENDER_MANAGER, Agency.Kind.PROBATION),
        (LiaisonAssignment.Role.OFFENDER_MANAGER, Agency.Kind.PRISON),
        (LiaisonAssignment.Role.OFFENDER_MANAGER, Agency.Kind.YOUTH_JUSTICE),
        (LiaisonAssignment.Role.POLICE_PPU, Agency.Kind.POLICE_PPU),
        (LiaisonAssignment.Role.MAPPA, Agency.Kind.MAPPA),
    ],
)
def test_a_role_the_agency_holds_is_assigned(core_member, role, kind):
    liaison = _liaison_of(kind)
    assignment = services.liaison_assign(core_member=core_member, liaison=liaison, role=role)
    assert assignment.pk is not None
