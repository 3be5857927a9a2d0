"""Reads of sensitive records through the admin are in the access log too."""

import pytest
from django.urls import reverse

from accounts.models import AccessLog

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "key,admin_name",
    [
        ("core_member", "core_members_coremember"),
        ("note", "circles_meetingnote"),
        ("concern", "circles_concern"),
        ("record", "sharing_informationsharingrecord"),
    ],
)
def test_opening_a_sensitive_record_in_the_admin_is_logged(client, world, key, admin_name):
    manager = world.users["manager"]
    obj = world.objects[key]
    client.force_login(manager)
    response = client.get(reverse(f"admin:{admin_name}_change", args=[obj.pk]))
    assert response.status_code == 200
    row = AccessLog.objects.get(user=manager, action=AccessLog.Action.VIEW)
    assert row.object_type == obj._meta.label_lower
    assert row.object_id == str(obj.pk)
    assert row.detail == "admin change page"
    client.get(reverse(f"admin:{admin_name}_history", args=[obj.pk]))
    assert AccessLog.objects.filter(user=manager, detail="admin history").count() == 1
    client.get(reverse(f"admin:{admin_name}_changelist"))
    assert AccessLog.objects.filter(user=manager, action=AccessLog.Action.LIST).exists()
