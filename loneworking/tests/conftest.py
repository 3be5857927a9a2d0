import datetime

import pytest
from django.utils import timezone

from accounts.models import Agency, User
from cosa.tests.world import _user, active_volunteer, launched_circle
from loneworking import services, sms


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def case(db):
    """Two launched circles: Vera volunteers in the first, Otto in the other."""
    probation = Agency.objects.create(name="Probation North", kind=Agency.Kind.PROBATION)
    coordinator = _user(User.Role.COORDINATOR, "Cora", "Cardew")
    coordinator.phone = "07700 900001"
    coordinator.save(update_fields=["phone"])
    other_coordinator = _user(User.Role.COORDINATOR, "Olga", "Ostrow")
    manager = _user(User.Role.MANAGER, "Mani", "Marlowe")
    manager.phone = "07700 900002"
    manager.save(update_fields=["phone"])
    vera = active_volunteer("Vera", "Vantongeren")
    vera.user.phone = "07700 900123"
    vera.user.save(update_fields=["phone"])
    otto = active_volunteer("Otto", "Oakhampstead")
    fillers = [active_volunteer("Fay", f"Filler{n}") for n in range(4)]
    circle = launched_circle(
        coordinator=coordinator,
        volunteers=[vera, *fillers[:2]],
        agencies=[probation],
        first="Ned",
        last="Nobody",
    )
    other = launched_circle(
        coordinator=other_coordinator,
        volunteers=[otto, *fillers[2:]],
        agencies=[probation],
        first="Ivo",
        last="Inkpen",
        circle_name="Friday circle",
    )
    return {
        "circle": circle,
        "other": other,
        "coordinator": coordinator,
        "other_coordinator": other_coordinator,
        "manager": manager,
        "vera": vera.user,
        "otto": otto.user,
    }


def start(case, *, now=None, hours=1, user=None, circle=None):
    now = now or timezone.now()
    return services.checkin_start(
        circle=circle or case["circle"],
        kind="ONE_TO_ONE",
        venue="Café on Mill Lane",
        expected_end_at=now + datetime.timedelta(hours=hours),
        phone="07700 900123",
        acting_user=user or case["vera"],
        now=now,
    )
