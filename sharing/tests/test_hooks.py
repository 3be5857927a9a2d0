"""The places where apps below fill in the records without importing them."""

from circles import reminders
from circles.models import Reminder
from coreMembers.signals import liaison_cover_ended
from sharing import reminders as sharing_reminders
from sharing import services


def test_the_sweep_finds_and_composes_the_acknowledgement_reminders():
    assert sharing_reminders.due_unacknowledged_records in reminders.FINDERS
    assert (
        reminders.COMPOSERS[Reminder.Kind.RECORD_UNACKNOWLEDGED]
        is sharing_reminders._compose_record
    )


def test_registering_twice_adds_the_finder_once():
    sharing_reminders.register(reminders)
    assert reminders.FINDERS.count(sharing_reminders.due_unacknowledged_records) == 1


def test_ending_a_liaisons_cover_reaches_the_records():
    # Each entry is (lookup key, weak reference to the receiver, ...).
    receivers = [entry[1]() for entry in liaison_cover_ended.receivers]
    assert services.records_revoke_for_ended_cover in receivers
