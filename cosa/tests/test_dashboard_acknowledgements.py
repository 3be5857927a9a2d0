"""Shared records not acknowledged in time show on the owning coordinator's dashboard."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sharing.models import RecordRecipient

pytestmark = pytest.mark.django_db

HEADING = "Shared records not acknowledged in time"


def _make_overdue(world):
    record = world.objects["record"]
    waiting = RecordRecipient.objects.filter(record=record, acknowledged_at__isnull=True)
    assert waiting.exists()
    # Backdating the due time stands in for the clock moving on.
    waiting.update(acknowledge_due_at=timezone.now() - datetime.timedelta(hours=1))
    return record


def test_the_owner_sees_an_overdue_acknowledgement_and_others_do_not(client, world):
    record = _make_overdue(world)
    reference = record.core_member.reference
    client.force_login(world.users["owner"])
    page = client.get(reverse("circles:dashboard")).content.decode()
    section = page[page.index(HEADING) :]
    assert reference in section[:2000]
    assert reverse("sharing:record_detail", args=[record.pk]) in section

    client.force_login(world.users["other_coordinator"])
    page = client.get(reverse("circles:dashboard")).content.decode()
    section = page[page.index(HEADING) :]
    assert reference not in section[:2000]
    # Truthful when nothing is overdue: it does not claim every record was acknowledged.
    assert "None overdue" in section
    assert "Every shared record has been acknowledged" not in section
