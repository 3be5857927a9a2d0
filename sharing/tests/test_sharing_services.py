"""Shared-record services: lawful basis, second approval, immutability, acknowledgement."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from circles.models import Concern
from coreMembers import services
from sharing import services as sharing_services
from sharing.access import records_visible_to
from sharing.models import InformationSharingRecord, RecordRecipient
from sharing.tests.sharing_support import DETAILS, SUMMARY, build_case

Status = InformationSharingRecord.Status
Urgency = InformationSharingRecord.Urgency


@pytest.fixture(name="case")
def _case(db):
    return build_case()


@pytest.fixture
def alerts(monkeypatch):
    """Every notify() call the services make: what the e-mail and the bell would say."""
    sent = []

    def fake_notify(*, recipient, subject, link, body="", email=True):
        sent.append({"to": recipient, "subject": subject, "link": link, "body": body})

    monkeypatch.setattr(sharing_services, "notify", fake_notify)
    return sent


def _nothing_written():
    return not InformationSharingRecord.objects.exists() and not RecordRecipient.objects.exists()


# Lawful basis: consent ------------------------------------------------------------------


def test_consent_refuses_an_assigned_liaison_whose_agency_is_out_of_scope(case):
    with pytest.raises(ValidationError) as caught:
        case.compose(recipients=[case.liaison, case.police_liaison])
    assert "Percy Police" in caught.value.message_dict["recipients"][0]
    assert _nothing_written()


def test_consent_refuses_a_liaison_in_scope_but_not_assigned(case):
    with pytest.raises(ValidationError) as caught:
        case.compose(recipients=[case.unassigned_liaison])
    assert "recipients" in caught.value.message_dict
    assert _nothing_written()


def test_withdrawn_agreement_blocks_consent_sharing_at_once(case):
    services.sharing_agreement_withdraw(agreement=case.agreement, reason="Changed his mind")
    with pytest.raises(ValidationError) as caught:
        case.compose()
    assert "legal_basis" in caught.value.message_dict
    assert _nothing_written()


def test_expired_agreement_blocks_consent_sharing(case):
    today = timezone.localdate()
    case.agreement.signed_on = today - datetime.timedelta(days=400)
    case.agreement.expires_on = today
    case.agreement.save()
    with pytest.raises(ValidationError):
        case.compose()
    assert _nothing_written()


def test_a_draft_made_before_withdrawal_cannot_be_shared_after_it(case):
    record = sharing_services.record_create(
        core_member=case.core_member,
        acting_user=case.owner,
        category="OTHER",
        urgency=Urgency.ROUTINE,
        summary=SUMMARY,
        details=DETAILS,
        recipients=[case.liaison],
    )
    services.sharing_agreement_withdraw(agreement=case.agreement, reason="Withdrawn")
    with pytest.raises(ValidationError):
        sharing_services.record_share(
            record=record, recipients=[case.liaison], acting_user=case.owner
        )
    record.refresh_from_db()
    assert record.status == Status.DRAFT
    assert not records_visible_to(case.liaison).exists()


def test_a_volunteer_or_liaison_cannot_compose(case):
    with pytest.raises(ValidationError):
        case.compose(acting_user=case.liaison)
    assert _nothing_written()


def test_consent_share_grants_the_recipient_and_sets_the_due_time(db, freeze_time):
    now = freeze_time(datetime.datetime(2026, 3, 10, 9, 0))
    case = build_case()
    record = case.compose()
    assert record.status == Status.SHARED
    assert record.shared_at == now and record.shared_by == case.owner
    recipient = record.recipients.get()
    assert recipient.liaison == case.liaison
    assert recipient.notified_at == now
    assert recipient.acknowledge_due_at == now + datetime.timedelta(hours=4)
    assert list(records_visible_to(case.liaison)) == [record]
    assert not records_visible_to(case.police_liaison).exists()


def test_the_notification_names_no_text_of_the_record(case, alerts):
    record = case.compose()
    assert [alert["to"] for alert in alerts] == [case.liaison]
    alert = alerts[0]
    assert alert["link"] == f"/core-members/records/{record.pk}/"
    text = f"{alert['subject']}\n{alert['body']}"
    for secret in (
        SUMMARY,
        DETAILS,
        "Quillfeather",
        case.core_member.first_name,
        case.core_member.last_name,
        case.core_member.reference,
    ):
        assert secret not in text
    assert "urgent" in alert["subject"]


def test_the_real_email_carries_only_the_link(case, django_capture_on_commit_callbacks, settings):
    """Through accounts.notifications as it is: whatever it sends holds no record text."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        case.compose()
    assert [message.to for message in mail.outbox] == [[case.liaison.email]]
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        assert SUMMARY not in text and DETAILS not in text and "Quillfeather" not in text
        assert case.core_member.last_name not in text


# Lawful basis: public-protection override ------------------------------------------------


def test_an_override_needs_a_written_reason(case):
    with pytest.raises(ValidationError):
        case.override(override_reason="  ")
    assert _nothing_written()


def test_an_override_is_not_sent_until_a_second_person_approves(case, alerts):
    record = case.override(recipients=[case.liaison, case.police_liaison])
    assert record.status == Status.AWAITING_APPROVAL
    assert record.shared_at is None
    assert not records_visible_to(case.liaison).exists()
    assert not records_visible_to(case.police_liaison).exists()
    # The approvers hear about it; the liaisons hear nothing yet.
    told = {alert["to"] for alert in alerts}
    assert told == {case.manager, case.second_manager}
    assert all(alert["link"] == "/core-members/records/approvals/" for alert in alerts)
    with pytest.raises(ValidationError):
        sharing_services.record_share(
            record=record, recipients=[case.liaison], acting_user=case.owner
        )


def test_the_author_cannot_approve_their_own_override(case):
    record = case.override()
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_approve_override(record=record, acting_user=case.owner)
    assert "approved_by" in caught.value.message_dict
    record.refresh_from_db()
    assert record.status == Status.AWAITING_APPROVAL and record.approved_by is None


def test_a_liaison_cannot_approve_an_override(case):
    record = case.override()
    with pytest.raises(ValidationError):
        sharing_services.record_approve_override(record=record, acting_user=case.liaison)
    record.refresh_from_db()
    assert record.status == Status.AWAITING_APPROVAL


def test_a_managers_approval_sends_the_override_even_outside_the_agreement(case, alerts):
    services.sharing_agreement_withdraw(agreement=case.agreement, reason="Withdrawn")
    record = case.override(recipients=[case.liaison, case.police_liaison])
    alerts.clear()
    record = sharing_services.record_approve_override(record=record, acting_user=case.manager)
    assert record.status == Status.SHARED
    assert record.approved_by == case.manager and record.approved_at is not None
    assert record.shared_by == case.manager and record.created_by == case.owner
    assert set(records_visible_to(case.police_liaison)) == {record}
    assert [alert["to"] for alert in alerts] == [case.liaison, case.police_liaison, case.owner]


def test_an_override_cannot_reach_an_unassigned_liaison(case):
    with pytest.raises(ValidationError):
        case.override(recipients=[case.unassigned_liaison])
    assert _nothing_written()


def test_a_declined_override_goes_back_to_a_draft_and_can_be_sent_on_consent(case):
    record = case.override()
    with pytest.raises(ValidationError):
        sharing_services.record_decline_override(
            record=record, acting_user=case.manager, reason=" "
        )
    sharing_services.record_decline_override(
        record=record, acting_user=case.manager, reason="Consent still covers probation."
    )
    record.refresh_from_db()
    assert record.status == Status.DRAFT
    assert "Consent still covers" in record.history.first().history_change_reason
    sharing_services.record_update(
        record=record, acting_user=case.owner, legal_basis="CONSENT", recipients=[case.liaison]
    )
    record = sharing_services.record_send(
        record=record, recipients=[case.liaison], acting_user=case.owner
    )
    assert record.status == Status.SHARED and record.override_reason == ""


def _declined_draft(case):
    record = case.override()
    sharing_services.record_decline_override(
        record=record, acting_user=case.manager, reason="Consent still covers probation."
    )
    record.refresh_from_db()
    return record


def test_a_refused_send_leaves_the_draft_as_it_was(case):
    record = _declined_draft(case)
    with pytest.raises(ValidationError) as caught:
        sharing_services.record_update_and_send(
            record=record,
            recipients=[case.unassigned_liaison],  # in scope but not assigned: refused
            acting_user=case.owner,
            summary="Reworded before sending",
            legal_basis="CONSENT",
        )
    assert "recipients" in caught.value.message_dict
    record.refresh_from_db()
    assert (record.summary, record.status) == (SUMMARY, Status.DRAFT)
    assert record.legal_basis == InformationSharingRecord.LegalBasis.PUBLIC_PROTECTION
    assert list(record.recipients.values_list("liaison", flat=True)) == [case.liaison.pk]


def test_a_draft_is_changed_and_sent_in_one_service(case):
    record = _declined_draft(case)
    record = sharing_services.record_update_and_send(
        record=record,
        recipients=[case.liaison],
        acting_user=case.owner,
        summary="Reworded before sending",
        legal_basis="CONSENT",
    )
    record.refresh_from_db()
    assert (record.summary, record.status, record.override_reason) == (
        "Reworded before sending",
        Status.SHARED,
        "",
    )
    assert case.liaison.has_perm("sharing.view_informationsharingrecord", record)


def test_changing_an_override_awaiting_approval_withdraws_it_from_the_approver(case):
    record = case.override()
    sharing_services.record_update(record=record, acting_user=case.owner, summary="Reworded")
    record.refresh_from_db()
    assert record.status == Status.DRAFT
    with pytest.raises(ValidationError):
        sharing_services.record_approve_override(record=record, acting_user=case.manager)


# Immutable once shared ------------------------------------------------------------------


def test_every_service_refuses_to_change_a_shared_record(case):
    record = case.compose()
    stale = InformationSharingRecord.objects.get(pk=record.pk)
    stale.status = Status.DRAFT  # a copy that believes it is still a draft
    attempts = [
        lambda: sharing_services.record_update(
            record=record, acting_user=case.owner, summary="Changed"
        ),
        lambda: sharing_services.record_update(
            record=stale, acting_user=case.owner, details="Changed"
        ),
        lambda: sharing_services.record_share(
            record=stale, recipients=[case.liaison], acting_user=case.owner
        ),
        lambda: sharing_services.record_send(
            record=stale, recipients=[case.liaison], acting_user=case.owner
        ),
        lambda: sharing_services.record_approve_override(record=record, acting_user=case.manager),
        lambda: sharing_services.record_decline_override(
            record=record, acting_user=case.manager, reason="x"
        ),
        lambda: sharing_services.record_submit_for_approval(
            record=stale, recipients=[case.liaison], acting_user=case.owner
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError):
            attempt()
    after = InformationSharingRecord.objects.get(pk=record.pk)
    assert (after.summary, after.details, after.status) == (SUMMARY, DETAILS, Status.SHARED)
    assert after.history.count() == record.history.count()
    assert list(after.recipients.values_list("liaison", flat=True)) == [case.liaison.pk]


def test_a_correction_is_an_addendum_shared_and_acknowledged_on_its_own(case):
    record = case.compose()
    addendum = case.compose(
        addendum_to=record, urgency=Urgency.ROUTINE, summary="Correction: it was Wednesday"
    )
    assert addendum.status == Status.SHARED and addendum.addendum_to == record
    assert set(records_visible_to(case.liaison)) == {record, addendum}
    sharing_services.record_acknowledge(
        record=addendum, acting_user=case.liaison, response="Noted."
    )
    addendum.refresh_from_db()
    record.refresh_from_db()
    assert addendum.status == Status.ACKNOWLEDGED and record.status == Status.SHARED


def test_an_addendum_needs_a_shared_record_of_the_same_core_member(case):
    draft = sharing_services.record_create(
        core_member=case.core_member,
        acting_user=case.owner,
        category="OTHER",
        urgency="ROUTINE",
        summary="Draft",
        details="Draft",
    )
    with pytest.raises(ValidationError) as caught:
        case.compose(addendum_to=draft)
    assert "addendum_to" in caught.value.message_dict
    other = build_other_shared_record()
    with pytest.raises(ValidationError):
        case.compose(addendum_to=other)
    assert InformationSharingRecord.objects.count() == 2


def build_other_shared_record():
    return build_case().compose()


# Acknowledgement ------------------------------------------------------------------------


def test_acknowledging_twice_is_refused_and_keeps_the_first_response(case):
    record = case.compose()
    sharing_services.record_acknowledge(
        record=record, acting_user=case.liaison, response="Visit booked."
    )
    with pytest.raises(ValidationError):
        sharing_services.record_acknowledge(
            record=record, acting_user=case.liaison, response="Again"
        )
    recipient = record.recipients.get()
    assert recipient.response == "Visit booked."
    record.refresh_from_db()
    assert record.status == Status.ACKNOWLEDGED


def test_only_a_recipient_of_a_shared_record_acknowledges(case):
    record = case.compose()
    with pytest.raises(ValidationError):
        sharing_services.record_acknowledge(
            record=record, acting_user=case.police_liaison, response="x"
        )
    pending = case.override()
    with pytest.raises(ValidationError):
        sharing_services.record_acknowledge(record=pending, acting_user=case.liaison, response="x")
    assert not RecordRecipient.objects.filter(acknowledged_at__isnull=False).exists()


def test_a_record_is_acknowledged_when_every_recipient_has(case):
    record = case.override(recipients=[case.liaison, case.police_liaison])
    sharing_services.record_approve_override(record=record, acting_user=case.manager)
    sharing_services.record_acknowledge(record=record, acting_user=case.liaison, response="Noted.")
    record.refresh_from_db()
    assert record.status == Status.SHARED
    sharing_services.record_acknowledge(
        record=record, acting_user=case.police_liaison, response="Seen."
    )
    record.refresh_from_db()
    assert record.status == Status.ACKNOWLEDGED


# Due times and overdue acknowledgements ---------------------------------------------------


@pytest.mark.parametrize(
    ("urgency", "shared", "due"),
    [
        (
            Urgency.URGENT,
            datetime.datetime(2026, 3, 13, 15, 0),
            datetime.datetime(2026, 3, 13, 19, 0),
        ),
        # Friday afternoon: two working days is Tuesday afternoon.
        (
            Urgency.PRIORITY,
            datetime.datetime(2026, 3, 13, 15, 0),
            datetime.datetime(2026, 3, 17, 15, 0),
        ),
        # Saturday counts Monday and Tuesday.
        (
            Urgency.PRIORITY,
            datetime.datetime(2026, 3, 14, 10, 0),
            datetime.datetime(2026, 3, 17, 10, 0),
        ),
        (
            Urgency.PRIORITY,
            datetime.datetime(2026, 3, 10, 9, 30),
            datetime.datetime(2026, 3, 12, 9, 30),
        ),
        (
            Urgency.ROUTINE,
            datetime.datetime(2026, 3, 10, 9, 30),
            datetime.datetime(2026, 3, 17, 9, 30),
        ),
    ],
)
def test_acknowledgement_due_time_follows_the_urgency(db, freeze_time, urgency, shared, due):
    freeze_time(shared)
    case = build_case()
    record = case.compose(urgency=urgency)
    expected = timezone.make_aware(due, timezone.get_default_timezone())
    assert record.recipients.get().acknowledge_due_at == expected


def test_working_days_keep_the_local_time_across_the_clock_change(db, freeze_time):
    # British Summer Time starts on Sunday 29 March 2026.
    freeze_time(datetime.datetime(2026, 3, 27, 15, 0))
    case = build_case()
    record = case.compose(urgency=Urgency.PRIORITY)
    due = timezone.localtime(record.recipients.get().acknowledge_due_at)
    assert (due.date(), due.hour) == (datetime.date(2026, 3, 31), 15)


def test_due_times_are_settings(case, settings):
    settings.COSA_ACK_DUE_URGENT_HOURS = 1
    record = case.compose()
    recipient = record.recipients.get()
    assert recipient.acknowledge_due_at == record.shared_at + datetime.timedelta(hours=1)


def test_overdue_lists_only_unacknowledged_recipients_past_their_due_time(db, freeze_time):
    start = freeze_time(datetime.datetime(2026, 3, 10, 9, 0))
    case = build_case()
    urgent = case.override(recipients=[case.liaison, case.police_liaison])
    sharing_services.record_approve_override(record=urgent, acting_user=case.manager)
    routine = case.compose(urgency=Urgency.ROUTINE, summary="Routine")
    case.override(summary="Still awaiting approval")  # never sent: never overdue
    freeze_time(datetime.datetime(2026, 3, 10, 14, 0))
    sharing_services.record_acknowledge(
        record=urgent, acting_user=case.police_liaison, response="Seen."
    )
    overdue = RecordRecipient.objects.overdue()
    assert [(r.record, r.liaison) for r in overdue] == [(urgent, case.liaison)]
    assert not RecordRecipient.objects.overdue(now=start + datetime.timedelta(hours=3)).exists()
    later = start + datetime.timedelta(days=8)
    assert {r.record for r in RecordRecipient.objects.overdue(now=later)} == {urgent, routine}
    # A liaison taken off the case can no longer acknowledge: no longer overdue.
    services.liaison_end(assignment=case.liaison.liaison_assignments.get())
    assert not RecordRecipient.objects.overdue(now=later).exists()


def test_with_timings_measures_concern_to_share_and_share_to_acknowledgement(db, freeze_time):
    raised = freeze_time(datetime.datetime(2026, 3, 10, 9, 0))
    case = build_case()
    concern = case.concern(raised_at=raised)
    freeze_time(datetime.datetime(2026, 3, 10, 11, 0))
    record = case.compose(source_concern=concern)
    freeze_time(datetime.datetime(2026, 3, 10, 12, 30))
    sharing_services.record_acknowledge(record=record, acting_user=case.liaison, response="Noted.")
    row = RecordRecipient.objects.with_timings().get()
    assert row.concern_to_share == datetime.timedelta(hours=2)
    assert row.share_to_acknowledge == datetime.timedelta(hours=1, minutes=30)


# From a concern -------------------------------------------------------------------------


def test_sharing_from_a_concern_marks_it_shared(case):
    concern = case.concern()
    record = case.compose(source_concern=concern)
    concern.refresh_from_db()
    assert concern.status == Concern.Status.SHARED and concern.shared_record == record
    assert record.circle == case.circle


def test_an_override_from_a_concern_marks_it_shared_only_when_sent(case):
    concern = case.concern()
    record = case.override(source_concern=concern)
    concern.refresh_from_db()
    assert concern.status == Concern.Status.RAISED
    sharing_services.record_approve_override(record=record, acting_user=case.manager)
    concern.refresh_from_db()
    assert concern.status == Concern.Status.SHARED


def test_a_closed_or_foreign_concern_is_refused(case):
    closed = case.concern(status=Concern.Status.CLOSED, closed_reason="Dealt with")
    with pytest.raises(ValidationError) as caught:
        case.compose(source_concern=closed)
    assert "source_concern" in caught.value.message_dict
    from circles.tests.factories import ConcernFactory

    with pytest.raises(ValidationError):
        case.compose(source_concern=ConcernFactory())
    assert _nothing_written()
