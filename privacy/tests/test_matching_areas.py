"""A Core Member's home and exclusion districts are in his export and erased with him."""

import datetime
import json

import pytest
from django.utils import timezone

from coreMembers.models import CoreMember
from privacy import retention
from privacy.tests.test_privacy import _end, case  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def test_exclusion_areas_are_exported_then_erased_with_their_history(case):  # noqa: F811
    core_member = case["core_member"]
    core_member.home_district = "LS6"
    core_member.exclusion_districts = ["BD1", "HX7"]
    core_member.save()
    data = retention.subject_access_export(core_member)
    assert data["core_member"]["exclusion_districts"] == ["BD1", "HX7"]
    assert data["core_member"]["home_district"] == "LS6"

    _end(case, days_ago=10)
    retention.retention_sweep(timezone.localdate() + datetime.timedelta(days=365 * 8))

    assert not CoreMember.objects.filter(pk=core_member.pk).exists()
    history = CoreMember.history.filter(id=core_member.pk)
    assert not history.exists()
    assert "HX7" not in json.dumps(list(CoreMember.history.values("exclusion_districts")))
