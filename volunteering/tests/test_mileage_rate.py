"""The organisation's mileage rate: set by a manager from a date on, its history kept, and
each claim paid at the rate in force on the journey's date."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.tests.factories import ManagerFactory
from volunteering import services
from volunteering.models import ExpenseClaim, MileageRate
from volunteering.tests.factories import coordinated_membership

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
URL = "/volunteering/expenses/mileage-rate/"


def _ago(days):
    return TODAY() - datetime.timedelta(days=days)


def _token(client):
    return client.get(URL).context["form"].once_token


def _post(client, pence, on, token=None):
    data = {"pence_per_mile": pence, "effective_from": on.isoformat() if on else ""}
    return client.post(URL, {**data, "_once": token or _token(client)})


# Refusals first ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_anyone_but_a_manager_gets_404(client, coordinator, liaison, method):
    membership = coordinated_membership()
    data = {"pence_per_mile": 50, "effective_from": TODAY().isoformat()}
    for user in (coordinator, liaison, membership.volunteer.user):
        client.force_login(user)
        assert getattr(client, method)(URL, data).status_code == 404, user
    # A deactivated manager is signed out: back to the login page.
    client.force_login(ManagerFactory(is_active=False))
    assert getattr(client, method)(URL, data)["Location"].startswith("/login/")
    assert not MileageRate.objects.exists()


def test_the_service_refuses_anyone_but_a_manager(coordinator):
    with pytest.raises(ValidationError):
        services.mileage_rate_set(
            pence_per_mile=50, effective_from=TODAY(), acting_user=coordinator
        )
    assert not MileageRate.objects.exists()


@pytest.mark.parametrize(
    ("pence", "on"),
    [(0, TODAY()), (201, TODAY()), ("forty", TODAY()), ("", TODAY()), (45, None), (-3, TODAY())],
)
def test_bad_input_is_a_form_error_and_nothing_is_written(client, manager, pence, on):
    client.force_login(manager)
    response = _post(client, pence, on)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not MileageRate.objects.exists()


def test_a_different_rate_for_a_day_already_set_is_refused(client, manager):
    services.mileage_rate_set(pence_per_mile=40, effective_from=_ago(3), acting_user=manager)
    client.force_login(manager)
    response = _post(client, 55, _ago(3))
    assert response.status_code == 200
    assert "already set" in str(response.context["form"].errors["effective_from"])
    assert list(MileageRate.objects.values_list("pence_per_mile", flat=True)) == [40]


def test_sending_the_form_twice_sets_the_rate_once(client, manager):
    client.force_login(manager)
    token = _token(client)
    first = _post(client, 52, TODAY(), token)
    second = _post(client, 52, TODAY(), token)
    assert first.status_code == second.status_code == 302
    again = services.mileage_rate_set(
        pence_per_mile=52, effective_from=TODAY(), acting_user=manager
    )
    assert MileageRate.objects.get() == again


# Setting and using the rate ------------------------------------------------------------------


def test_a_manager_sets_a_rate_and_the_history_is_kept_and_audited(client, manager):
    services.mileage_rate_set(pence_per_mile=40, effective_from=_ago(30), acting_user=manager)
    client.force_login(manager)
    response = _post(client, 50, _ago(5))
    assert response.status_code == 302 and response["Location"] == URL
    page = client.get(URL)
    body = page.content.decode()
    assert "50p a mile" in body  # in force today
    assert [r.pence_per_mile for r in page.context["page"]] == [50, 40]
    rate = MileageRate.objects.get(pence_per_mile=50)
    assert rate.set_by == manager
    assert rate.history.get().history_user == manager


def test_a_claim_is_paid_at_the_rate_in_force_on_the_journeys_date(manager, settings):
    settings.COSA_MILEAGE_PENCE_PER_MILE = 45
    membership = coordinated_membership()
    volunteer = membership.volunteer

    made = iter(range(100))

    def claim(days_ago):
        # Each its own journey: the same claim twice is refused as a repeat.
        return services.claim_submit(
            volunteer=volunteer,
            acting_user=volunteer.user,
            circle=membership.circle,
            kind=ExpenseClaim.Kind.MILEAGE,
            incurred_on=_ago(days_ago),
            description=f"Drive to the meeting, journey {next(made)}",
            miles=Decimal("10"),
        )

    before_any = claim(40)
    services.mileage_rate_set(pence_per_mile=40, effective_from=_ago(30), acting_user=manager)
    services.mileage_rate_set(pence_per_mile=50, effective_from=_ago(5), acting_user=manager)
    old_journey, on_the_day, new_journey = claim(40), claim(5), claim(2)
    middle = claim(10)
    assert (before_any.pence_per_mile, before_any.amount) == (45, Decimal("4.50"))
    assert old_journey.pence_per_mile == 45  # before the first rate set: the default
    assert (middle.pence_per_mile, middle.amount) == (40, Decimal("4.00"))
    assert on_the_day.pence_per_mile == new_journey.pence_per_mile == 50
    # A rate set later does not change a claim already made.
    services.mileage_rate_set(pence_per_mile=60, effective_from=_ago(10), acting_user=manager)
    middle.refresh_from_db()
    assert middle.pence_per_mile == 40


def test_the_page_does_not_grow_with_rows(client, manager, django_assert_num_queries):
    client.force_login(manager)
    client.get(URL)

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL)
            [r.set_by.get_full_name() for r in response.context["page"]]
        return len(captured.captured_queries)

    services.mileage_rate_set(pence_per_mile=40, effective_from=_ago(30), acting_user=manager)
    few = count()
    for n in range(2, 8):
        services.mileage_rate_set(
            pence_per_mile=40 + n,
            effective_from=_ago(30 * n),
            acting_user=ManagerFactory(),
        )
    assert count() == few
    with django_assert_num_queries(few):
        client.get(URL)
