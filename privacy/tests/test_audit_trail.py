"""The manager's audit trail: who, when, what in words, what happened, the changes.

Negative paths first: everyone but a manager gets 404 on every audit page; sensitive
values are hidden from a manager without the permission; bad filters are a clear error
with nothing listed; the export is logged and carries the same masks.
"""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from accounts.tests.factories import ManagerFactory, VolunteerUserFactory
from circles.models import MeetingNote
from circles.tests.factories import MeetingFactory, MeetingNoteFactory
from coreMembers import services
from coreMembers.tests.factories import CoreMemberFactory
from privacy.views import AUDIT_PAGE_SIZE
from sharing.tests.sharing_support import build_case

AUDIT = reverse("privacy:audit")
EXPORT = reverse("privacy:audit_export")
OFFENCE_BEFORE = "Offence-text-before"
OFFENCE_AFTER = "Offence-text-after"


@pytest.fixture(name="case")
def _case(db):
    case = build_case()
    case.circle.name = "Tuesday circle"
    case.circle.save(update_fields=["name"])
    case.core_member.offence_summary = OFFENCE_BEFORE
    case.core_member.save(update_fields=["offence_summary"])
    return case


@pytest.fixture
def as_user(client):
    def login(user):
        client.logout()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def dpo(db):
    """A manager who may read sensitive values: the data protection lead."""
    manager = ManagerFactory(first_name="Dilys", last_name="Protection")
    manager.user_permissions.add(Permission.objects.get(codename="view_sensitive_audit_values"))
    return manager


def _text(response, status=200):
    assert response.status_code == status
    return response.content.decode()


def _change_offence(case):
    services.core_member_update(
        core_member=case.core_member,
        acting_user=case.owner,
        offence_summary=OFFENCE_AFTER,
        preferred_name="Alf",
    )


# Who reaches it ---------------------------------------------------------------------------


def test_everyone_but_a_manager_gets_404_on_every_audit_page(case, as_user):
    paths = (AUDIT, EXPORT, f"{AUDIT}?core_member={case.core_member.reference}&days=90")
    for user in (case.owner, case.liaison, VolunteerUserFactory()):
        client = as_user(user)
        for path in paths:
            assert client.get(path).status_code == 404, (user, path)
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_a_plain_manager_reads_that_sensitive_fields_changed_but_not_their_values(case, as_user):
    _change_offence(case)
    text = _text(as_user(case.manager).get(AUDIT, {"kind": "core_members.coremember"}))
    assert "Olwen Owner" in text and "(Coordinator)" in text
    assert f"Core Member {case.core_member.reference} (Alf Fictional)" in text
    assert "Changed" in text
    assert "Offence summary" in text and "(hidden)" in text
    assert OFFENCE_BEFORE not in text and OFFENCE_AFTER not in text
    # An ordinary field's old and new values are shown to every manager.
    assert "Preferred name</strong>: — → Alf" in text


def test_the_data_protection_lead_reads_the_old_and_new_values(case, as_user, dpo):
    _change_offence(case)
    text = _text(as_user(dpo).get(AUDIT, {"kind": "core_members.coremember"}))
    assert f"{OFFENCE_BEFORE} → {OFFENCE_AFTER}" in text


def test_an_entrys_free_text_is_hidden_from_a_plain_manager(case, as_user, dpo):
    as_user(case.owner).get(reverse("core_members:index"), {"q": "Fictional"})
    plain = _text(as_user(case.manager).get(AUDIT, {"who": case.owner.email}))
    assert "Searched" in plain
    assert "core members: Fictional" not in plain and "(hidden)" in plain
    lead = _text(as_user(dpo).get(AUDIT, {"who": case.owner.email}))
    assert "core members: Fictional" in lead


# What the entries say -----------------------------------------------------------------------


def test_reads_name_who_when_and_the_object_in_words(case, as_user):
    meeting = MeetingFactory(
        circle=case.circle, starts_at=timezone.make_aware(datetime.datetime(2026, 11, 3, 19))
    )
    note = MeetingNoteFactory(
        meeting=meeting,
        status=MeetingNote.Status.SUBMITTED,
        submitted_at=timezone.now(),
        summary="Minutes-content-marker",
    )
    AccessLog.objects.create(
        user=case.owner,
        action=AccessLog.Action.VIEW,
        object_type="circles.meetingnote",
        object_id=str(note.pk),
        core_member_id=case.core_member.pk,
    )
    as_user(case.liaison).get(reverse("core_members:detail", args=[case.core_member.pk]))
    text = _text(as_user(case.manager).get(AUDIT, {"what": "read"}))
    assert "Minutes of the Tuesday circle, 3 Nov 2026" in text
    assert f"Core Member {case.core_member.reference} (Alfred Fictional)" in text
    assert "Lorna Probation" in text and "(Liaison)" in text
    assert "Viewed" in text
    assert "Minutes-content-marker" not in text
    # UK format, local time.
    local = timezone.localtime(AccessLog.objects.filter(user=case.liaison).first().at)
    assert local.strftime("%-d %b %Y, %H:%M") in text


def test_who_has_looked_at_this_core_member_in_the_last_90_days(case, as_user):
    other = CoreMemberFactory(first_name="Bertram", last_name="Elsewhere")
    as_user(case.liaison).get(reverse("core_members:detail", args=[case.core_member.pk]))
    as_user(case.manager).get(reverse("core_members:detail", args=[other.pk]))
    AccessLog.objects.create(
        user=case.police_liaison,
        action=AccessLog.Action.VIEW,
        object_type="core_members.coremember",
        object_id=str(case.core_member.pk),
        core_member_id=case.core_member.pk,
        at=timezone.now() - datetime.timedelta(days=120),
    )
    client = as_user(case.manager)
    page = _text(client.get(reverse("core_members:detail", args=[case.core_member.pk])))
    link = f"{AUDIT}?core_member={case.core_member.reference}&amp;days=90"
    assert link in page
    text = _text(client.get(AUDIT, {"core_member": case.core_member.reference, "days": 90}))
    assert "Lorna Probation" in text
    assert "Bertram" not in text
    # Looked at 120 days ago: outside the window (he is named only as the cover's).
    assert "Percy Police <span" not in text
    everything = _text(client.get(AUDIT, {"core_member": case.core_member.reference}))
    assert "Percy Police <span" in everything


# Filters ------------------------------------------------------------------------------------


def test_the_user_and_kind_filters_keep_only_matching_entries(case, as_user):
    as_user(case.liaison).get(reverse("core_members:detail", args=[case.core_member.pk]))
    as_user(case.police_liaison).get(reverse("core_members:detail", args=[case.core_member.pk]))
    _change_offence(case)
    client = as_user(case.manager)
    text = _text(client.get(AUDIT, {"who": case.liaison.email.upper()}))
    assert "Lorna Probation" in text
    assert "Percy Police" not in text and "Olwen Owner" not in text
    text = _text(client.get(AUDIT, {"kind": "core_members.coremember", "what": "change"}))
    assert "Olwen Owner" in text
    assert "Lorna Probation" not in text


def test_the_date_range_is_whole_uk_days(case, as_user):
    AccessLog.objects.create(
        user=case.police_liaison,
        action=AccessLog.Action.VIEW,
        object_type="core_members.coremember",
        object_id=str(case.core_member.pk),
        core_member_id=case.core_member.pk,
        # 23:30 UTC on 30 June is 00:30 on 1 July in London (summer time).
        at=datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC),
    )
    client = as_user(case.manager)
    july = _text(client.get(AUDIT, {"date_from": "2026-07-01", "date_to": "2026-07-01"}))
    assert "Percy Police" in july and "1 Jul 2026, 00:30" in july
    june = _text(client.get(AUDIT, {"date_from": "2026-06-30", "date_to": "2026-06-30"}))
    assert "Percy Police" not in june


@pytest.mark.parametrize(
    "params, message",
    [
        ({"date_from": "2026-13-45"}, "Enter a valid date."),
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "on or after the start date"),
        ({"date_from": "2099-01-01"}, "cannot be in the future"),
        ({"who": "nobody@example.org"}, "Nobody has that e-mail address."),
        ({"core_member": "CM-999999"}, "No Core Member has that reference."),
        ({"kind": "auth.group"}, "Select a valid choice."),
        ({"days": "90", "date_from": "2026-01-01"}, "not both"),
        ({"days": "0"}, "greater than or equal to 1"),
    ],
)
def test_bad_filters_are_a_clear_error_and_list_nothing(case, as_user, params, message):
    as_user(case.liaison).get(reverse("core_members:detail", args=[case.core_member.pk]))
    client = as_user(case.manager)
    text = _text(client.get(AUDIT, params), status=400)
    assert "There is a problem" in text and message in text
    assert "Lorna Probation" not in text
    assert client.get(EXPORT, params).status_code == 400
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


# The export ---------------------------------------------------------------------------------


def _csv(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_the_csv_has_the_filtered_entries_masked_and_the_export_is_logged(case, as_user):
    _change_offence(case)
    as_user(case.liaison).get(reverse("core_members:detail", args=[case.core_member.pk]))
    rows = _csv(
        as_user(case.manager).get(
            EXPORT, {"core_member": case.core_member.reference, "kind": "core_members.coremember"}
        )
    )
    assert rows[0][:6] == ["when (UK time)", "who", "role", "what", "happened", "object"]
    body = rows[1:]
    assert any(r[1] == "Lorna Probation" and r[3] == "read" for r in body)
    change = next(r for r in body if r[3] == "change" and r[4] == "Changed")
    assert change[1] == "Olwen Owner" and change[2] == "Coordinator"
    assert "Offence summary: (hidden) → (hidden)" in change[6]
    assert "Preferred name: — → Alf" in change[6]
    assert all(OFFENCE_AFTER not in cell for r in body for cell in r)
    logged = AccessLog.objects.get(action=AccessLog.Action.EXPORT, user=case.manager)
    assert logged.detail.startswith("audit-trail.csv:")
    assert case.core_member.reference in logged.detail


def test_the_csv_streams_every_entry_whatever_the_chunk(case, as_user, monkeypatch):
    """No cap: with a chunk of 3 rows, the 40-odd entries all arrive, newest first, and
    the export is logged once, before the first row."""
    from privacy import views

    monkeypatch.setattr(views, "AUDIT_EXPORT_CHUNK", 3)
    client = as_user(case.manager)
    for n in range(12):
        services.core_member_update(
            core_member=case.core_member, acting_user=case.manager, preferred_name=f"Alf {n}"
        )
        client.get(reverse("core_members:detail", args=[case.core_member.pk]))
    params = {"core_member": case.core_member.reference}
    response = client.get(EXPORT, params)
    assert response.streaming
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT).count() == 1
    body = _csv(response)[1:]
    from privacy.audit_trail import trail_entries
    from privacy.forms import AuditFilterForm

    form = AuditFilterForm(params)
    assert form.is_valid()
    assert len(body) == trail_entries(form.trail_filter()).count() > 3 * 10
    assert sum(1 for r in body if r[4] == "Changed") >= 12
    moments = [datetime.datetime.strptime(r[0], "%d/%m/%Y %H:%M:%S") for r in body]
    assert moments == sorted(moments, reverse=True)


def test_the_data_protection_leads_csv_has_the_values(case, as_user, dpo):
    _change_offence(case)
    rows = _csv(as_user(dpo).get(EXPORT, {"kind": "core_members.coremember", "what": "change"}))
    assert any(f"{OFFENCE_BEFORE} → {OFFENCE_AFTER}" in r[6] for r in rows[1:])


# Queries ------------------------------------------------------------------------------------


def _activity(case, client, rounds):
    """Each round: a read of the Core Member, a change to him, a read of a record."""
    record = case.compose()
    for n in range(rounds):
        client.get(reverse("core_members:detail", args=[case.core_member.pk]))
        services.core_member_update(
            core_member=case.core_member, acting_user=case.manager, preferred_name=f"Alf {n}"
        )
        client.get(reverse("sharing:record_detail", args=[record.pk]))


def test_a_page_of_the_trail_costs_the_same_queries_at_two_sizes(
    case, as_user, django_assert_num_queries
):
    client = as_user(case.manager)
    params = {"who": case.manager.email}
    _activity(case, client, 2)
    client.get(AUDIT, params)
    # Session, user, device; the who filter's user; the page's count and rows (the
    # access log's detail and path with them); the Core Member's history and earlier
    # versions; the Core Members and records named; the people named; the permission
    # check (one query, direct or by group); the access log's write; SAVEPOINT and
    # RELEASE: 15, whatever the rows.
    with django_assert_num_queries(15):
        small = _text(client.get(AUDIT, params))
    _activity(case, client, 30)
    with django_assert_num_queries(15):
        large = _text(client.get(AUDIT, params))
    assert small.count("<tr>") < large.count("<tr>")
    assert "Shared record about" in large and "Changed" in large


def test_a_page_of_reads_counts_them_with_its_rows(case, as_user, django_assert_num_queries):
    client = as_user(case.manager)
    params = {"what": "read"}
    _activity(case, client, 2)
    client.get(AUDIT, params)
    # Session, user, device; the page's rows with their count (reads only: no union);
    # the Core Members and records named; the people named; the permission check; the
    # access log's write; SAVEPOINT and RELEASE: 11, whatever the rows.
    with django_assert_num_queries(11):
        _text(client.get(AUDIT, params))
    _activity(case, client, 30)
    reads = AccessLog.objects.filter(action__in=["VIEW", "LIST", "SEARCH"]).count()
    assert reads > AUDIT_PAGE_SIZE
    with django_assert_num_queries(11):
        first = _text(client.get(AUDIT, params))
    assert f"{reads} entries." in first
    assert "Page 1 of 2" in first
    last = _text(client.get(AUDIT, {**params, "page": "2"}))
    # The first page's own read is counted now.
    assert f"{reads + 1} entries." in last
    assert "Page 2 of 2" in last
    assert last.count("<tr>") == reads + 1 - AUDIT_PAGE_SIZE + 1  # and the header's


# Giving the permission --------------------------------------------------------------------


def test_the_command_gives_and_takes_back_the_values_to_a_manager_only(case):
    from django.core.management import CommandError, call_command

    from privacy.access import sees_sensitive_audit_values

    with pytest.raises(CommandError, match="Only an active manager"):
        call_command("audit_values_access", case.owner.email)
    with pytest.raises(CommandError, match="Nobody has"):
        call_command("audit_values_access", "nobody@example.org")
    call_command("audit_values_access", case.manager.email.upper())
    manager = type(case.manager).objects.get(pk=case.manager.pk)
    assert sees_sensitive_audit_values(manager)
    call_command("audit_values_access", case.manager.email, "--revoke")
    manager = type(case.manager).objects.get(pk=case.manager.pk)
    assert not sees_sensitive_audit_values(manager)


def test_changes_to_sign_ins_are_an_empty_list_not_an_error(case, as_user):
    text = _text(as_user(case.manager).get(AUDIT, {"kind": "none", "what": "change"}))
    assert "No entries match." in text


def test_a_document_read_is_named_in_words(case, as_user, settings, tmp_path):
    from documents.tests.factories import add_document

    settings.MEDIA_ROOT = tmp_path / "media"
    document = add_document(
        case.core_member, case.owner, category="LICENCE_CONDITIONS", title="Licence v2"
    )
    AccessLog.objects.create(
        user=case.owner,
        action=AccessLog.Action.VIEW,
        object_type="documents.document",
        object_id=str(document.pk),
        core_member_id=case.core_member.pk,
    )
    text = _text(as_user(case.manager).get(AUDIT, {"kind": "documents.document"}))
    assert "Document: Licence v2 (Licence conditions," in text
    # A kind without a change history is still one of the filter's choices, not an error.
    assert "No entries match." not in text
