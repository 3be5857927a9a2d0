"""What a liaison who made a referral sees of it, and for how long (DESIGN §4).

The referrer sees what they submitted, the status and the outcome category, never the
staff's decision note, until some days after the decision (COSA_REFERRER_SEES_DAYS,
90 unless set); then the page and the list entry are gone (404), unless they are
assigned to the Core Member. Negative paths first.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import LiaisonFactory
from coreMembers import services
from coreMembers.models import LiaisonAssignment, Referral
from coreMembers.tests.factories import login, make_referral

NOTE_CANARY = "Canary-Decision-Note-7Q"
STAFF_DOCUMENT_CANARY = "Canary-Staff-Assessment-9Z"
PDF = b"%PDF-1.4\n% fictional referral form\n"


def detail_url(referral):
    return reverse("core_members:referral_detail", args=[referral.pk])


def list_pks(client):
    response = client.get(reverse("core_members:referrals"))
    assert response.status_code == 200
    return [r.pk for r in response.context["page"]]


def decided_days_ago(referral, days):
    """Move the decision into the past, as the passing days would."""
    Referral.objects.filter(pk=referral.pk).update(
        decided_at=timezone.now() - datetime.timedelta(days=days)
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def referrer(agency):
    return LiaisonFactory(first_name="Rhian", last_name="Referrer", agency=agency)


@pytest.fixture
def made(agency, referrer, media):
    """A referral the liaison made today, with a form they uploaded."""
    return make_referral(
        agency,
        last_name="Fictionalson",
        acting_user=referrer,
        documents=[("Referral form", SimpleUploadedFile("form.pdf", PDF))],
    )


@pytest.fixture
def accepted(made, coordinator):
    services.referral_assign(referral=made, coordinator=coordinator, acting_user=None)
    services.referral_start_assessment(referral=made, acting_user=coordinator)
    services.referral_accept(referral=made, acting_user=coordinator, reason=NOTE_CANARY)
    services.referral_document_add(
        referral=made,
        title=STAFF_DOCUMENT_CANARY,
        file=SimpleUploadedFile("assessment.pdf", PDF),
        acting_user=coordinator,
    )
    made.refresh_from_db()
    return made


@pytest.mark.django_db
def test_another_liaison_of_the_same_agency_gets_404_and_an_empty_list(client, agency, made):
    login(client, LiaisonFactory(agency=agency))
    assert client.get(detail_url(made)).status_code == 404
    assert list_pks(client) == []


@pytest.mark.django_db
def test_the_referrer_loses_it_91_days_after_the_decision(client, referrer, accepted):
    decided_days_ago(accepted, 91)
    login(client, referrer)
    assert client.get(detail_url(accepted)).status_code == 404
    assert accepted.pk not in list_pks(client)
    document = accepted.documents.get(uploaded_by=referrer)
    download = reverse("core_members:referral_document", args=[accepted.pk, document.pk])
    assert client.get(download).status_code == 404


@pytest.mark.django_db
def test_a_declined_referral_goes_the_same_way(client, referrer, made):
    services.referral_decline(referral=made, acting_user=None, reason=NOTE_CANARY)
    decided_days_ago(made, 91)
    login(client, referrer)
    assert client.get(detail_url(made)).status_code == 404


@pytest.mark.django_db
def test_an_ended_assignment_brings_back_the_referrer_rule(client, referrer, accepted):
    assignment = services.liaison_assign(
        core_member=accepted.core_member,
        liaison=referrer,
        role=LiaisonAssignment.Role.OFFENDER_MANAGER,
    )
    services.liaison_end(assignment=assignment)
    decided_days_ago(accepted, 91)
    login(client, referrer)
    assert client.get(detail_url(accepted)).status_code == 404
    assert accepted.pk not in list_pks(client)


@pytest.mark.django_db
def test_the_period_is_a_setting(client, settings, referrer, accepted):
    settings.COSA_REFERRER_SEES_DAYS = 10
    decided_days_ago(accepted, 11)
    login(client, referrer)
    assert client.get(detail_url(accepted)).status_code == 404


@pytest.mark.django_db
def test_the_staff_decision_note_and_staff_documents_never_reach_the_referrer(
    client, referrer, accepted
):
    login(client, referrer)
    response = client.get(detail_url(accepted))
    assert response.status_code == 200
    assert NOTE_CANARY.encode() not in response.content
    assert STAFF_DOCUMENT_CANARY.encode() not in response.content
    listing = client.get(reverse("core_members:referrals"))
    assert NOTE_CANARY.encode() not in listing.content
    staff_document = accepted.documents.exclude(uploaded_by=referrer).get()
    download = reverse("core_members:referral_document", args=[accepted.pk, staff_document.pk])
    assert client.get(download).status_code == 404
    # The coordinator does see both.
    login(client, accepted.coordinator)
    staff_page = client.get(detail_url(accepted)).content
    assert NOTE_CANARY.encode() in staff_page and STAFF_DOCUMENT_CANARY.encode() in staff_page


@pytest.mark.django_db
def test_the_referrer_sees_what_they_submitted_before_the_decision(client, referrer, made):
    login(client, referrer)
    response = client.get(detail_url(made))
    assert response.status_code == 200
    assert b"Fictionalson" in response.content
    assert b"1 January 1970" in response.content
    assert b"Isolated on release" in response.content
    assert b"Received" in response.content
    assert b"Referral form" in response.content
    assert made.pk in list_pks(client)
    document = made.documents.get()
    download = reverse("core_members:referral_document", args=[made.pk, document.pk])
    assert client.get(download).status_code == 200


@pytest.mark.django_db
def test_after_the_decision_the_referrer_sees_status_and_outcome_for_90_days(
    client, referrer, accepted
):
    decided_days_ago(accepted, 89)
    login(client, referrer)
    response = client.get(detail_url(accepted))
    assert response.status_code == 200
    assert b"Accepted" in response.content
    assert b"On your list until" in response.content
    assert NOTE_CANARY.encode() not in response.content
    assert accepted.pk in list_pks(client)


@pytest.mark.django_db
def test_a_referrer_assigned_to_the_core_member_keeps_seeing_it(client, referrer, accepted):
    services.liaison_assign(
        core_member=accepted.core_member,
        liaison=referrer,
        role=LiaisonAssignment.Role.OFFENDER_MANAGER,
    )
    decided_days_ago(accepted, 400)
    login(client, referrer)
    response = client.get(detail_url(accepted))
    assert response.status_code == 200
    assert NOTE_CANARY.encode() not in response.content
    assert b"On your list until" not in response.content
    assert accepted.pk in list_pks(client)
