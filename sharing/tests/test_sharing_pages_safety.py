"""Nothing typed is lost, nothing is sent twice: the shared-record pages over HTTP.

A compose or addendum form posted twice (a double click, a resend) makes one record;
a draft saved from a page opened before someone else's save is refused (409) with both
texts on the page; the compose form's autosave is the author's alone.
"""

import re

import pytest
from django.urls import reverse

from formpages.models import Draft
from formpages.versions import StaleEdit
from sharing import services
from sharing.models import InformationSharingRecord, RecordRecipient
from sharing.tests.sharing_support import DETAILS, SUMMARY, build_case

Record = InformationSharingRecord

TOKEN = re.compile(r'name="_once" value="([0-9a-f]{32})"')
VERSION = re.compile(r'name="version" value="(\d+)"')
OVERRIDE_REASON = "Imminent risk to children; consent was withdrawn yesterday (fictional)."
TAB_A_DETAILS = "Tab A: he walked past the Quillfeather school gates on Tuesday and Thursday."
TAB_B_DETAILS = "Tab B: seen by a volunteer outside the Quillfeather school at 3pm on Tuesday."


def url(name, *args):
    return reverse(f"sharing:{name}", args=args)


@pytest.fixture(name="case")
def _case(db):
    return build_case()


@pytest.fixture(name="login")
def _login(client):
    """A fresh browser (a tab of its own) logged in as ``user``, second factor passed."""

    def log_in(user):
        tab = type(client)()
        tab.force_login(user)
        return tab

    return log_in


def token_of(response):
    found = TOKEN.search(response.content.decode())
    assert found, "the form carries no one-time token"
    return found.group(1)


def version_of(response):
    found = VERSION.search(response.content.decode())
    assert found, "the edit form carries no version"
    return found.group(1)


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


def override_data(case, **overrides):
    return form_data(
        case,
        legal_basis=Record.LegalBasis.PUBLIC_PROTECTION,
        override_reason=OVERRIDE_REASON,
        **overrides,
    )


def draft_of(case):
    return services.record_create(
        core_member=case.core_member,
        acting_user=case.owner,
        category=Record.Category.RISK_BEHAVIOUR,
        urgency=Record.Urgency.URGENT,
        summary=SUMMARY,
        details=DETAILS,
        legal_basis=Record.LegalBasis.PUBLIC_PROTECTION,
        override_reason=OVERRIDE_REASON,
        recipients=[case.liaison],
    )


# Autosave on the compose form -------------------------------------------------------------


def autosave(client, path, **data):
    return client.post(path, data, HTTP_X_COSA_DRAFT="save")


def test_an_outsider_coordinator_cannot_autosave_a_record_about_another_core_member(case, login):
    response = autosave(
        login(case.other_coordinator), url("record_compose", case.core_member.pk), details=DETAILS
    )
    assert response.status_code == 404
    assert not Draft.objects.exists()


def test_a_liaison_cannot_autosave_a_record(case, login):
    path = url("record_compose", case.core_member.pk)
    # Not assigned to the Core Member: the record does not exist for them.
    assert autosave(login(case.unassigned_liaison), path, details=DETAILS).status_code == 404
    # Assigned: they see the Core Member but may not write to them.
    assert autosave(login(case.liaison), path, details=DETAILS).status_code == 403
    assert not Draft.objects.exists()


def test_the_authors_autosave_keeps_the_text_about_the_core_member(case, login):
    response = autosave(
        login(case.owner), url("record_compose", case.core_member.pk), details=DETAILS
    )
    assert response.status_code == 204
    assert not Record.objects.exists()
    draft = Draft.objects.get()
    assert draft.data["details"] == DETAILS
    assert (draft.author, draft.core_member_ref) == (case.owner, case.core_member.pk)


def test_an_addendums_autosave_carries_the_records_core_member(case, login):
    original = case.compose()
    response = autosave(login(case.owner), url("record_addendum", original.pk), details=DETAILS)
    assert response.status_code == 204
    assert Draft.objects.get().core_member_ref == case.core_member.pk


# Posted twice, sent once ------------------------------------------------------------------


def test_the_compose_form_posted_twice_makes_one_record(case, login):
    client = login(case.owner)
    path = url("record_compose", case.core_member.pk)
    data = form_data(case, _once=token_of(client.get(path)))
    first = client.post(path, data)
    second = client.post(path, data)
    record = Record.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == url("record_detail", record.pk)
    assert record.is_shared
    assert list(RecordRecipient.objects.values_list("liaison", flat=True)) == [case.liaison.pk]


def test_the_addendum_form_posted_twice_makes_one_addendum(case, login):
    original = case.compose()
    client = login(case.owner)
    path = url("record_addendum", original.pk)
    data = form_data(case, summary="Addendum: the time was 3pm", _once=token_of(client.get(path)))
    first = client.post(path, data)
    second = client.post(path, data)
    addendum = Record.objects.get(addendum_to=original)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == url("record_detail", addendum.pk)
    assert RecordRecipient.objects.filter(record=addendum).count() == 1


def test_a_failed_compose_leaves_the_token_for_the_corrected_form(case, login):
    client = login(case.owner)
    path = url("record_compose", case.core_member.pk)
    token = token_of(client.get(path))
    refused = client.post(path, form_data(case, recipients=[case.police_liaison.pk], _once=token))
    assert refused.status_code == 200
    assert not Record.objects.exists()
    assert client.post(path, form_data(case, _once=token)).status_code == 302
    assert Record.objects.count() == 1


def test_the_acknowledgement_posted_twice_is_recorded_once(case, login):
    record = case.compose()
    client = login(case.liaison)
    page = client.get(url("record_detail", record.pk))
    data = {"response": "Home visit booked (fictional).", "_once": token_of(page)}
    first = client.post(url("record_acknowledge", record.pk), data)
    second = client.post(url("record_acknowledge", record.pk), data)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == url("record_detail", record.pk)
    assert RecordRecipient.objects.get(record=record).response == data["response"]


# Two tabs on one draft --------------------------------------------------------------------


def test_a_draft_saved_from_a_stale_page_is_refused_with_both_texts(case, login):
    draft = draft_of(case)
    path = url("record_edit", draft.pk)
    tab_a, tab_b = login(case.owner), login(case.owner)
    page_a, page_b = tab_a.get(path), tab_b.get(path)
    assert version_of(page_a) == version_of(page_b) == "1"

    saved = tab_a.post(
        path,
        override_data(
            case, details=TAB_A_DETAILS, version=version_of(page_a), _once=token_of(page_a)
        ),
    )
    assert saved.status_code == 302
    stale = tab_b.post(
        path,
        override_data(
            case, details=TAB_B_DETAILS, version=version_of(page_b), _once=token_of(page_b)
        ),
    )

    assert stale.status_code == 409
    html = stale.content.decode()
    assert "Someone else saved this while you were editing" in html
    assert TAB_A_DETAILS in html  # what A saved, beside the form
    assert '<p class="mb-1 fw-semibold">Details</p>' in html
    assert "RecordRecipient" not in html  # a relation is not shown as text to merge
    assert re.search(r"<textarea[^>]*>\s*" + re.escape(TAB_B_DETAILS), html)  # B's own text
    draft.refresh_from_db()
    assert draft.details == TAB_A_DETAILS
    assert draft.version == 2

    # B merges and saves again from the 409 page, which carries the new version.
    assert version_of(stale) == "2"
    again = tab_b.post(
        path,
        override_data(
            case, details=TAB_B_DETAILS, version=version_of(stale), _once=token_of(stale)
        ),
    )
    assert again.status_code == 302
    draft.refresh_from_db()
    assert draft.details == TAB_B_DETAILS
    assert draft.version == 3
    assert draft.status == Record.Status.AWAITING_APPROVAL


def test_an_edit_posted_without_a_version_is_taken_at_the_stored_one(case, login):
    """A client that sends no version (an old page) is not refused for it."""
    draft = draft_of(case)
    response = login(case.owner).post(
        url("record_edit", draft.pk), override_data(case, details=TAB_A_DETAILS)
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.details, draft.version) == (TAB_A_DETAILS, 2)


def test_a_refused_send_leaves_the_draft_and_its_version_as_they_were(case, login):
    draft = draft_of(case)
    client = login(case.owner)
    path = url("record_edit", draft.pk)
    page = client.get(path)
    # The police liaison is outside the agreement: consent cannot reach them.
    response = client.post(
        path,
        form_data(
            case,
            details=TAB_A_DETAILS,
            recipients=[case.police_liaison.pk],
            version=version_of(page),
            _once=token_of(page),
        ),
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert (draft.details, draft.version) == (DETAILS, 1)
    assert version_of(response) == "1"


# The services without a page --------------------------------------------------------------


def test_the_services_work_without_a_version_from_the_shell(case):
    draft = draft_of(case)
    services.record_update(record=draft, acting_user=case.owner, details=TAB_A_DETAILS)
    draft.refresh_from_db()
    assert (draft.details, draft.version) == (TAB_A_DETAILS, 2)
    services.record_update_and_send(
        record=draft,
        recipients=[case.liaison],
        acting_user=case.owner,
        details=TAB_B_DETAILS,
    )
    draft.refresh_from_db()
    assert (draft.details, draft.version) == (TAB_B_DETAILS, 3)


def test_the_service_refuses_a_stale_version(case):
    draft = draft_of(case)
    services.record_update(record=draft, acting_user=case.owner, details=TAB_A_DETAILS)
    with pytest.raises(StaleEdit):
        services.record_update(
            record=Record.objects.get(pk=draft.pk),
            acting_user=case.owner,
            details=TAB_B_DETAILS,
            version=1,
        )
    draft.refresh_from_db()
    assert (draft.details, draft.version) == (TAB_A_DETAILS, 2)
