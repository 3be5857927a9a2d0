"""Learning hours by topic and the renewal of mandatory training, beside the DBS rechecks."""

import datetime
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from volunteers.models import TrainingRecord
from volunteers.tests.factories import ActiveVolunteerFactory, TrainingRecordFactory

pytestmark = pytest.mark.django_db


def _ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


def test_safeguarding_renews_after_three_years_and_hours_sum_by_topic(client, coordinator):
    volunteer = ActiveVolunteerFactory()
    client.force_login(coordinator)
    url = reverse("volunteers:training_new", args=[volunteer.pk])
    completed = _ago(30)
    data = {"course": "SAFEGUARDING", "completed_on": completed.isoformat(), "hours": "3"}
    assert client.post(url, data).status_code == 302
    record = TrainingRecord.objects.get(course="SAFEGUARDING")
    assert record.renews_on == completed + relativedelta(years=3)
    assert record.hours == Decimal("3.00")
    TrainingRecordFactory(volunteer=volunteer, course="OTHER", hours=Decimal("1.5"))
    TrainingRecordFactory(
        volunteer=volunteer, course="OTHER", hours=Decimal("2"), completed_on=_ago(5)
    )
    response = client.get(reverse("volunteers:detail", args=[volunteer.pk]))
    assert response.context["learning_by_topic"] == [
        ("Other", Decimal("3.50")),
        ("Safeguarding", Decimal("3.00")),
    ]
    body = response.content.decode()
    assert "renews" in body and "DBS checks" in body


def test_an_overdue_renewal_is_flagged(client, coordinator):
    volunteer = ActiveVolunteerFactory()
    TrainingRecordFactory(volunteer=volunteer, course="REFRESHER", completed_on=_ago(400))
    client.force_login(coordinator)
    body = client.get(reverse("volunteers:detail", args=[volunteer.pk])).content.decode()
    assert "Renewal overdue" in body


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"renews_on": "2000-01-01"}, "renews_on"), ({"hours": "0"}, "hours")],
)
def test_bad_learning_input_is_a_form_error(client, coordinator, extra, field):
    volunteer = ActiveVolunteerFactory()
    client.force_login(coordinator)
    data = {"course": "OTHER", "completed_on": _ago(3).isoformat(), **extra}
    response = client.post(reverse("volunteers:training_new", args=[volunteer.pk]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not TrainingRecord.objects.filter(course="OTHER").exists()


def test_another_volunteer_gets_404_on_the_learning_record(client):
    volunteer = ActiveVolunteerFactory()
    TrainingRecordFactory(volunteer=volunteer, course="OTHER", notes="Private course note")
    client.force_login(ActiveVolunteerFactory().user)
    response = client.get(reverse("volunteers:detail", args=[volunteer.pk]))
    assert response.status_code == 404
    assert b"Private course note" not in response.content
