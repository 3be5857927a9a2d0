"""The GOV.UK-style error summary every form page draws after an invalid post."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from coreMembers.models import RiskAssessment
from coreMembers.tests.factories import login, make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(agency, coordinator):
    core_member = make_referral(agency, coordinator=coordinator).core_member
    return reverse("core_members:risk_assessment_add", args=[core_member.pk])


def _summary(html):
    match = re.search(r"<div[^>]*data-error-summary[^>]*>.*?</div>", html, re.S)
    return match.group(0) if match else None


def test_an_invalid_post_shows_the_summary_linking_to_each_field(client, coordinator, page):
    login(client, coordinator)
    response = client.post(page, {"tool": "GUESSWORK", "score": "", "band": ""})
    assert response.status_code == 200
    html = response.content.decode()
    summary = _summary(html)
    assert summary is not None
    assert 'role="alert"' in summary
    assert "There is a problem" in summary
    for field in ("tool", "band", "assessed_on", "agency"):
        assert f'href="#id_{field}"' in summary, field
        assert f'id="id_{field}"' in html, field  # the link lands on the field
    assert 'href="#id_score"' not in summary  # no error there, no link
    # Inside the form, before the fields.
    form_at = html.index("<form")
    assert form_at < html.index("data-error-summary") < html.index('name="tool"')
    assert not RiskAssessment.objects.exists()


def test_a_get_has_no_summary_but_explains_the_asterisk(client, coordinator, page):
    login(client, coordinator)
    html = client.get(page).content.decode()
    assert _summary(html) is None
    assert "There is a problem" not in html
    assert html.count("are required.") == 1
    assert 'class="asteriskField"' in html  # crispy's marker on the required labels


def test_focus_moves_to_the_summary_from_a_static_script_not_an_inline_one(
    client, coordinator, page
):
    login(client, coordinator)
    html = client.post(page, {"tool": ""}).content.decode()
    assert re.search(r'<script src="[^"]*js/error-summary\.js"></script>', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # the CSP forbids inline script
    script = Path(finders.find("js/error-summary.js")).read_text()
    assert "[data-error-summary]" in script and ".focus()" in script


def test_a_checkbox_list_is_linked_by_its_first_option(client, agency, coordinator):
    # A list of checkboxes has no element with the field's own id.
    core_member = make_referral(agency, coordinator=coordinator).core_member
    login(client, coordinator)
    response = client.post(
        reverse("core_members:agreement_add", args=[core_member.pk]),
        {"signed_on": "2026-01-05", "expires_on": "2027-01-05"},
    )
    html = response.content.decode()
    assert 'href="#id_agencies_0"' in _summary(html)
    assert 'id="id_agencies_0"' in html
