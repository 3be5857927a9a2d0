"""Journey 8: a RED concern nobody triages escalates to the deputy, then to a manager.

The clock is driven by calling the reminder sweep with a ``now`` (the seeded demo has
Ruth Okafor covering Dylan's circles this week); each step's reminder is sent in
process, then the deputy and the manager log in and find the concern.
"""

import datetime
import zoneinfo

import pytest
from django.db import connection

from e2e.support import people
from e2e.support.journey import Journey

pytestmark = [pytest.mark.e2e, pytest.mark.journey]
LONDON = zoneinfo.ZoneInfo("Europe/London")
DEPUTY = "ruth.okafor@example.org"


def _next_weekday_at_eleven():
    day = datetime.datetime.now(LONDON).date() + datetime.timedelta(days=1)
    while day.isoweekday() > 5:
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(11, 0), tzinfo=LONDON)


def _raise_and_escalate():
    from accounts.models import User
    from circles import reminders, services
    from circles.models import Circle, Concern, Reminder

    dylan = User.objects.get(email__startswith="dylan.")
    circle = Circle.objects.open().filter(coordinator=dylan).order_by("pk").first()
    manager = User.objects.get(email=people.MANAGER)
    concern = services.concern_raise(
        circle=circle,
        acting_user=manager,
        category=Concern.Category.RISK_BEHAVIOUR,
        severity=Concern.Severity.RED,
        description="Fictional journey concern: seen near a school at closing time.",
    )
    now = _next_weekday_at_eleven()
    Concern.objects.filter(pk=concern.pk).update(raised_at=now - datetime.timedelta(hours=4))
    for step_now in (now, now + datetime.timedelta(hours=1)):
        reminders.sweep(now=step_now)
        for pk in Reminder.objects.filter(object_id=concern.pk, sent_at__isnull=True).values_list(
            "pk", flat=True
        ):
            reminders.reminder_send(reminder_id=pk, now=step_now)
    periods = set(
        Reminder.objects.filter(
            kind=Reminder.Kind.CONCERN_UNTRIAGED, object_id=concern.pk
        ).values_list("recipient__email", "period")
    )
    connection.close()
    return circle, concern, periods


def test_a_red_concern_escalates_to_the_deputy_then_a_manager(new_page, logins):
    j = Journey(8, "red concern escalates")
    circle, concern, periods = _raise_and_escalate()
    assert (DEPUTY, "cover") in periods, periods
    assert (people.MANAGER, "managers") in periods, periods
    url = f"/circles/{circle.pk}/concerns/{concern.pk}/"

    page = new_page()
    logins.log_in(page, DEPUTY, shoot=j.shot)
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + url)
    j.see(page, "deputy sees the concern", text=["Who to call", "Safeguarding actions"])

    page = new_page()
    logins.log_in(page, people.MANAGER, method="totp", shoot=j.shot)
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + url)
    j.see(page, "manager sees the concern", text="Untriaged")
