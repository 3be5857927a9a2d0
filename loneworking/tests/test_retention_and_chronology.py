import datetime
import json

import pytest
from django.utils import timezone

from circles import services as circle_services
from circles.models import Circle
from loneworking import chronology, services
from loneworking.models import Alert, AlertRecipient, CheckIn
from loneworking.tests.conftest import start
from privacy import retention

pytestmark = pytest.mark.django_db


def test_the_export_holds_check_ins_without_the_volunteers_phone_or_name(case):
    checkin, _ = start(case)
    services.checkin_help(checkin=checkin, acting_user=case["vera"])
    data = retention.subject_access_export(case["circle"].core_member)
    exported = data["circles"][0]["lone_working_checkins"]
    assert exported[0]["venue"] == "Café on Mill Lane"
    assert exported[0]["volunteer"].startswith("Volunteer ")
    assert exported[0]["alerts"][0]["step"] == "Asked for help"
    text = json.dumps(data)
    assert "07700 900123" not in text
    assert "Vantongeren" not in text
    assert checkin.token_hash not in text
    other = json.dumps(retention.subject_access_export(case["other"].core_member))
    assert "Mill Lane" not in other


def test_erasure_takes_his_check_ins_their_alerts_and_history_only(case):
    checkin, _ = start(case)
    services.checkin_help(checkin=checkin, acting_user=case["vera"])
    services.checkin_check_out(checkin=checkin, acting_user=case["vera"])
    kept, _ = start(case, user=case["otto"], circle=case["other"])
    circle_services.circle_end(
        circle=case["circle"],
        reason=Circle.EndReason.COMPLETED,
        acting_user=case["coordinator"],
        ended_on=timezone.localdate() - datetime.timedelta(days=10),
    )
    retention.retention_sweep(timezone.localdate() + datetime.timedelta(days=365 * 8))
    assert list(CheckIn.objects.all()) == [kept]
    assert not Alert.objects.exists() and not AlertRecipient.objects.exists()
    assert not CheckIn.history.filter(id=checkin.pk).exists()
    assert CheckIn.history.filter(id=kept.pk).exists()


def test_the_chronology_is_for_the_coordinator_and_managers(case, django_assert_num_queries):
    checkin, _ = start(case)
    services.checkin_help(checkin=checkin, acting_user=case["vera"])
    core_member = case["circle"].core_member
    for outsider in (case["vera"], case["otto"], case["other_coordinator"]):
        assert list(chronology.entries(core_member, outsider)) == []
    for insider in (case["coordinator"], case["manager"]):
        found = chronology.entries(core_member, insider)
        assert [e.kind for e in found] == ["lone_working_checkin", "lone_working_alert"]
        assert found[1].url == f"/lone-working/alerts/{checkin.alerts.get().pk}/"
    assert chronology.entries(case["other"].core_member, case["manager"]) == []
    # Earlier contacts, each over (one contact runs at a time).
    for i in range(3):
        start(case, now=timezone.now() - datetime.timedelta(hours=2 * (3 - i)))
    with django_assert_num_queries(2):
        assert len(chronology.entries(core_member, case["manager"])) == 5
