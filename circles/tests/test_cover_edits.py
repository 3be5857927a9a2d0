"""Changing cover and on-call shifts after they are made: grants follow the dates."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.grants import grant
from accounts.tests.factories import (
    CoordinatorFactory,
    LiaisonFactory,
    ManagerFactory,
    VolunteerUserFactory,
)
from circles import cover
from circles.access import circles_visible_to
from circles.models import Cover, OnCallShift
from circles.services import COORDINATOR_CIRCLE_PERMS
from circles.tests.factories import ActiveCircleFactory
from formpages.versions import StaleEdit

pytestmark = pytest.mark.django_db
MONDAY = datetime.datetime(2026, 10, 5, 9, 0)
TODAY = MONDAY.date()
SATURDAY = datetime.date(2026, 10, 10)


@pytest.fixture(autouse=True)
def monday(freeze_time):
    return freeze_time(MONDAY)


@pytest.fixture
def circle():
    circle = ActiveCircleFactory()
    grant(circle.coordinator, circle, *COORDINATOR_CIRCLE_PERMS)
    return circle


@pytest.fixture
def manager():
    return ManagerFactory()


@pytest.fixture
def running(circle, manager):
    """Cover of the circle's coordinator from today to Friday, so running (granted)."""
    return _cover(circle, manager, TODAY, TODAY + datetime.timedelta(days=4))


def _cover(circle, manager, starts, ends, deputy=None):
    return cover.cover_create(
        coordinator=circle.coordinator,
        deputy=deputy or CoordinatorFactory(),
        starts_on=starts,
        ends_on=ends,
        acting_user=manager,
    )


def _change(row, manager, **changes):
    values = {
        "deputy": row.deputy,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "reason": row.reason,
    }
    values.update(changes)
    return cover.cover_change(cover=row, acting_user=manager, **values)


def _at(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


# Cover: the service ------------------------------------------------------------------


def test_moving_a_running_cover_later_takes_the_grants_back_until_it_starts(
    circle, manager, running, freeze_time
):
    assert circle in circles_visible_to(running.deputy, "change")

    running = _change(running, manager, starts_on=TODAY + datetime.timedelta(days=2))
    assert circle not in circles_visible_to(running.deputy)
    assert running.started_at is None
    assert cover.who_covers(circle, at=timezone.now()) == circle.coordinator

    cover.cover_sweep(now=freeze_time(MONDAY + datetime.timedelta(days=2)))
    assert circle in circles_visible_to(running.deputy, "change")


def test_moving_a_planned_cover_to_today_grants_at_once(circle, manager):
    row = _cover(circle, manager, TODAY + datetime.timedelta(days=7), TODAY.replace(day=16))
    assert circle not in circles_visible_to(row.deputy)

    row = _change(row, manager, starts_on=TODAY)
    assert circle in circles_visible_to(row.deputy, "change")
    assert row.started_at is not None
    assert cover.who_covers(circle, at=timezone.now()) == row.deputy


def test_changing_the_deputy_of_running_cover_moves_the_grants(circle, manager, running):
    first, started_at = running.deputy, running.started_at
    second = CoordinatorFactory()

    running = _change(running, manager, deputy=second)
    assert circle not in circles_visible_to(first)
    assert circle in circles_visible_to(second, "change")
    # Still the same cover, running since it began.
    assert running.started_at == started_at
    assert cover.who_covers(circle, at=timezone.now()) == second


def test_shortening_running_cover_keeps_the_grants_and_the_sweep_ends_it_on_the_new_date(
    circle, manager, freeze_time
):
    row = _cover(circle, manager, TODAY, TODAY + datetime.timedelta(days=6))
    row = _change(row, manager, ends_on=TODAY + datetime.timedelta(days=1))
    assert circle in circles_visible_to(row.deputy, "change")
    assert cover.cover_sweep(now=freeze_time(MONDAY + datetime.timedelta(days=2))) == {
        "started": 0,
        "ended": 1,
    }
    assert circle not in circles_visible_to(row.deputy)


def test_the_change_is_in_the_history_by_who_made_it(circle, manager, running):
    other_manager = ManagerFactory()
    _change(running, other_manager, reason="Sick leave")
    latest = running.history.latest()
    assert latest.history_user == other_manager
    assert latest.reason == "Sick leave"
    assert latest.version == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_on": datetime.date(2026, 10, 9), "ends_on": datetime.date(2026, 10, 7)}, None),
        ({"ends_on": datetime.date(2026, 10, 1)}, "ends_on"),
        ({"deputy": "coordinator"}, None),
    ],
    ids=["end-before-start", "end-in-the-past", "self-cover"],
)
def test_a_bad_change_is_refused_and_writes_nothing(circle, manager, running, changes, field):
    deputy = running.deputy
    if changes.get("deputy") == "coordinator":
        changes = {"deputy": circle.coordinator}
    history = running.history.count()
    with pytest.raises(ValidationError) as refused:
        _change(running, manager, **changes)
    if field:
        assert field in refused.value.message_dict
    running.refresh_from_db()
    assert (running.deputy, running.starts_on, running.version) == (deputy, TODAY, 1)
    assert running.history.count() == history
    assert circle in circles_visible_to(deputy, "change")


def test_overlapping_cover_for_one_coordinator_is_refused_on_create_and_change(
    circle, manager, running
):
    with pytest.raises(ValidationError, match="already covers these dates"):
        _cover(circle, manager, TODAY + datetime.timedelta(days=4), TODAY.replace(day=12))
    later = _cover(circle, manager, TODAY.replace(day=12), TODAY.replace(day=14))
    with pytest.raises(ValidationError, match="already covers these dates"):
        _change(later, manager, starts_on=TODAY + datetime.timedelta(days=3))
    # Another coordinator's cover on the same days is no clash; ended cover is none either.
    cover.cover_create(
        coordinator=CoordinatorFactory(),
        deputy=running.deputy,
        starts_on=TODAY,
        ends_on=TODAY,
        acting_user=manager,
    )
    cover.cover_end(cover=running, acting_user=manager)
    assert _cover(circle, manager, TODAY, TODAY).pk


def test_ended_cover_and_a_stale_version_are_refused(circle, manager, running):
    with pytest.raises(StaleEdit):
        cover.cover_change(
            cover=running,
            deputy=running.deputy,
            starts_on=TODAY,
            ends_on=TODAY,
            version=0,
            acting_user=manager,
        )
    cover.cover_end(cover=running, acting_user=manager)
    with pytest.raises(ValidationError, match="has ended"):
        _change(running, manager, ends_on=TODAY)


# On-call shifts: the service -----------------------------------------------------------


def _shift(manager, starts, hours=12, staff=None):
    return cover.shift_create(
        staff=staff or CoordinatorFactory(),
        phone="01632 960000",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=hours),
        acting_user=manager,
    )


@pytest.fixture
def evening_shift(manager):
    """Saturday's on-call shift, 18:00 to 06:00."""
    return _shift(manager, _at(SATURDAY, 18))


def _shift_change(shift, manager, **changes):
    values = {
        "staff": shift.staff,
        "phone": shift.phone,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
    }
    values.update(changes)
    return cover.shift_change(shift=shift, acting_user=manager, **values)


def test_moving_a_shift_moves_who_is_on_call_at_once(circle, manager, evening_shift):
    evening = _at(SATURDAY, 20)
    assert cover.who_covers(circle, at=evening) == evening_shift.staff

    someone_else = CoordinatorFactory()
    evening_shift = _shift_change(evening_shift, manager, staff=someone_else, phone="01632 960999")
    assert cover.who_covers(circle, at=evening) == someone_else
    assert cover.out_of_hours_phone(evening) == "01632 960999"

    _shift_change(evening_shift, manager, starts_at=_at(SATURDAY, 21), ends_at=_at(SATURDAY, 23))
    assert cover.who_covers(circle, at=evening) == circle.coordinator
    assert evening_shift.history.latest().history_user == manager


def test_overlapping_shifts_are_refused_on_create_and_change(manager, evening_shift):
    with pytest.raises(ValidationError, match="is on call from"):
        _shift(manager, _at(SATURDAY, 23))
    # Back to back is no overlap.
    second = _shift(manager, evening_shift.ends_at)
    with pytest.raises(ValidationError, match="is on call from"):
        _shift_change(
            second, manager, starts_at=evening_shift.ends_at - datetime.timedelta(hours=1)
        )
    second.refresh_from_db()
    assert second.starts_at == evening_shift.ends_at
    assert OnCallShift.objects.count() == 2


def test_a_bad_shift_change_is_refused_and_writes_nothing(manager, evening_shift):
    for changes in (
        {"ends_at": _at(SATURDAY, 17)},
        {"phone": "  "},
        {"staff": VolunteerUserFactory()},
        {"ends_at": timezone.now() - datetime.timedelta(minutes=5), "starts_at": _at(MONDAY, 1)},
    ):
        with pytest.raises(ValidationError):
            _shift_change(evening_shift, manager, **changes)
    evening_shift.refresh_from_db()
    assert (evening_shift.starts_at, evening_shift.version, evening_shift.history.count()) == (
        _at(SATURDAY, 18),
        1,
        1,
    )
    cover.shift_end(shift=evening_shift, acting_user=manager)
    with pytest.raises(ValidationError, match="already over"):
        _shift_change(evening_shift, manager, phone="01632 960111")


# The pages ----------------------------------------------------------------------------


def _form_data(client, url, **data):
    token = client.get(url).context["form"].once_token
    return {"_once": token, **data}


def _cover_move(running):
    """A whole, valid change of the cover: refused only for who sends it."""
    return {
        "deputy": running.deputy.pk,
        "starts_on": "2026-10-05",
        "ends_on": "2026-10-05",
        "version": running.version,
    }


def test_outsiders_get_404_and_the_deputy_403_on_the_cover_edit_page(client, running):
    url = reverse("circles:cover_edit", args=[running.pk])
    for outsider in (CoordinatorFactory(), VolunteerUserFactory(), LiaisonFactory()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, _cover_move(running)).status_code == 404
    client.force_login(running.deputy)
    assert client.get(url).status_code == 403
    assert client.post(url, _cover_move(running)).status_code == 403
    running.refresh_from_db()
    assert running.version == 1


def test_volunteers_and_liaisons_get_404_on_the_shift_edit_page(client, manager):
    shift = _shift(manager, timezone.now())
    url = reverse("circles:shift_edit", args=[shift.pk])
    for outsider in (VolunteerUserFactory(), LiaisonFactory()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, _shift_move(shift)).status_code == 404
    assert OnCallShift.objects.get().phone == "01632 960000"


def _shift_move(shift):
    """A whole, valid change of the shift: refused only for who sends it."""
    return {
        "staff": shift.staff.pk,
        "phone": "01632 960111",
        "starts_at": "2026-10-05T09:00",
        "ends_at": "2026-10-05T20:00",
        "version": shift.version,
    }


def test_the_coordinator_moves_their_cover_once_on_a_double_post(client, circle, running):
    client.force_login(circle.coordinator)
    url = reverse("circles:cover_edit", args=[running.pk])
    page = client.get(url)
    assert 'value="2026-10-05"' in page.text  # the date picker opens on the saved date
    data = _form_data(
        client,
        url,
        deputy=running.deputy.pk,
        starts_on="2026-10-07",
        ends_on="2026-10-09",
        reason="Training",
        version=running.version,
    )
    assert client.post(url, data).url == reverse("circles:cover_list")
    assert client.post(url, data).status_code == 302
    running.refresh_from_db()
    assert (running.starts_on, running.version, running.started_at) == (
        datetime.date(2026, 10, 7),
        2,
        None,
    )
    assert running.history.filter(history_type="~").count() == 2  # started, then moved
    assert circle not in circles_visible_to(running.deputy)


def test_the_cover_edit_page_shows_a_clear_error_and_writes_nothing(client, circle, running):
    client.force_login(circle.coordinator)
    url = reverse("circles:cover_edit", args=[running.pk])
    data = _form_data(
        client,
        url,
        deputy=running.deputy.pk,
        starts_on="2026-10-09",
        ends_on="2026-10-06",
        version=running.version,
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Cover ends on or after the day it starts." in response.text
    running.refresh_from_db()
    assert running.ends_on == datetime.date(2026, 10, 9)


def test_ended_cover_offers_no_form(client, circle, running, manager):
    cover.cover_end(cover=running, acting_user=manager)
    client.force_login(circle.coordinator)
    page = client.get(reverse("circles:cover_edit", args=[running.pk]))
    assert "This cover has ended" in page.text
    assert '<form method="post" class="cosa-form"' not in page.text


def test_any_staff_member_moves_a_shift_with_a_clear_error_for_an_overlap(client, manager):
    first = _shift(manager, _at(SATURDAY, 8))
    second = _shift(manager, _at(SATURDAY, 20))
    client.force_login(CoordinatorFactory())
    url = reverse("circles:shift_edit", args=[second.pk])
    assert 'value="2026-10-10T20:00"' in client.get(url).text
    data = _form_data(
        client,
        url,
        staff=second.staff.pk,
        phone="01632 960000",
        starts_at="2026-10-10T19:00",
        ends_at="2026-10-11T08:00",
        version=second.version,
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert f"{first.staff.get_full_name()} is on call from" in response.text
    data = {**data, "starts_at": "2026-10-10T21:00"}
    data["_once"] = client.get(url).context["form"].once_token
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    second.refresh_from_db()
    assert second.starts_at == _at(SATURDAY, 21)
    assert second.version == 2
    assert second.history.count() == 2
    assert Cover.objects.count() == 0
