"""The login lockout, attacked as an attacker would: direct POSTs to the login forms
from several client addresses, through a proxy, and between logins of one's own."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory, override_settings

from accounts.audit import client_ip
from accounts.models import Notification, ThrottleEvent
from accounts.tests.factories import (
    DEMO_PASSWORD,
    CoordinatorFactory,
    ManagerFactory,
    VolunteerUserFactory,
)

pytestmark = pytest.mark.django_db

LOGIN = "/login/"
ADMIN_LOGIN = "/admin/login/"
WRONG = "wrong-password-1"


def attempt(address, email, password=WRONG, *, path=LOGIN, **extra):
    """One login POST from a fresh browser at ``address``: only the address is shared."""
    return Client(REMOTE_ADDR=address, **extra).post(
        path, {"username": email, "password": password}
    )


def fail(address, email, times, *, path=LOGIN, **extra):
    for _ in range(times):
        response = attempt(address, email, path=path, **extra)
        assert response.status_code == 200, "locked too early"


# The (account, address) pair ------------------------------------------------------------


def test_five_failures_lock_the_pair_but_not_that_address_for_other_accounts():
    target = CoordinatorFactory()
    colleague = CoordinatorFactory()
    fail("192.0.2.10", target.email, 4)
    assert attempt("192.0.2.10", target.email).status_code == 429
    # Locked: even the right password is refused from there, and hammering the lock
    # is not counted, so it cannot spill into the account-wide lock.
    for _ in range(30):
        assert attempt("192.0.2.10", target.email, DEMO_PASSWORD).status_code == 429
    # The same office address still logs in a colleague ...
    assert attempt("192.0.2.10", colleague.email, DEMO_PASSWORD).status_code == 302
    # ... and the target logs in from elsewhere.
    assert attempt("198.51.100.7", target.email, DEMO_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "variant",
    ["{email}", "{EMAIL}", "  {email}  ", "{Email}\t"],
    ids=["as is", "upper case", "spaces", "mixed case and tab"],
)
def test_case_and_spaces_do_not_make_a_new_account_key(variant):
    target = CoordinatorFactory(email="casey.case@example.org")
    spelled = variant.format(
        email=target.email, EMAIL=target.email.upper(), Email=target.email.title()
    )
    colleague = CoordinatorFactory()
    fail("192.0.2.11", target.email, 4)
    assert attempt("192.0.2.11", spelled).status_code == 429
    assert attempt("192.0.2.11", spelled, DEMO_PASSWORD).status_code == 429
    # One key, so one lock: the address itself, and the account elsewhere, are free.
    assert attempt("192.0.2.11", colleague.email, DEMO_PASSWORD).status_code == 302
    assert attempt("192.0.2.12", spelled, DEMO_PASSWORD).status_code == 302


# The account, from every address --------------------------------------------------------


def _spread_failures(email, addresses, per_address=4):
    """Failures from many addresses, each below the pair limit, through both login forms
    and in every spelling of the address."""
    spellings = [email, email.upper(), f" {email} ", email.title()]
    for n, address in enumerate(addresses):
        for i in range(per_address):
            path = ADMIN_LOGIN if (n + i) % 2 else LOGIN
            response = attempt(address, spellings[i % len(spellings)], path=path)
            assert response.status_code in (200, 429)


def test_twenty_failures_from_five_addresses_lock_the_account_everywhere():
    target = ManagerFactory()
    other = ManagerFactory()
    _spread_failures(target.email, [f"203.0.113.{n}" for n in range(1, 5)], per_address=4)
    # 16 so far: the owner still gets in from a sixth address.
    assert attempt("198.51.100.20", target.email, DEMO_PASSWORD).status_code == 302
    _spread_failures(target.email, ["203.0.113.5"], per_address=4)
    # 20: refused everywhere, the right password included, as for a made-up address.
    response = attempt("198.51.100.21", target.email, DEMO_PASSWORD)
    assert response.status_code == 429
    assert "too many failed attempts" in response.content.decode()
    assert "wait up to 15 minutes" in response.content.decode()
    assert attempt("198.51.100.22", target.email, DEMO_PASSWORD).status_code == 429
    # The admin's login form refuses it too (its own page, no login).
    admin = attempt("198.51.100.23", target.email, DEMO_PASSWORD, path=ADMIN_LOGIN)
    assert admin.status_code == 200
    # Nobody else is affected, on either form.
    assert attempt("198.51.100.21", other.email, DEMO_PASSWORD).status_code == 302
    assert attempt("198.51.100.23", other.email, DEMO_PASSWORD, path=ADMIN_LOGIN).status_code == 302


def test_an_account_lock_alerts_every_manager_once_and_tells_no_secret():
    managers = ManagerFactory.create_batch(2)
    ManagerFactory(is_active=False)
    target = CoordinatorFactory()
    _spread_failures(target.email, [f"203.0.113.{n}" for n in range(10, 15)], per_address=4)
    # More refused attempts while it is locked, from yet more addresses.
    for n in range(20, 26):
        assert attempt(f"203.0.113.{n}", target.email).status_code == 429

    alerts = Notification.objects.filter(subject="An account's logins are locked")
    assert sorted(alerts.values_list("recipient", flat=True)) == sorted(m.pk for m in managers)
    for alert in alerts:
        assert target.email in alert.body
        assert "5 client address" in alert.body
        assert WRONG not in alert.body and DEMO_PASSWORD not in alert.body
        assert "203.0.113" not in alert.body
        assert alert.link == f"/admin/accounts/user/{target.pk}/change/"


def test_a_made_up_address_locks_the_same_way_and_alerts_nobody():
    ManagerFactory()
    _spread_failures("nobody-here@example.org", [f"203.0.113.{n}" for n in range(30, 35)])
    assert attempt("198.51.100.30", "nobody-here@example.org").status_code == 429
    assert not Notification.objects.exists()
    # Only that address is locked; a real account logs in from those same addresses.
    real = CoordinatorFactory()
    assert attempt("203.0.113.30", real.email, DEMO_PASSWORD).status_code == 302


# The address, whatever it tries ---------------------------------------------------------


def test_an_office_address_shared_by_colleagues_locks_only_at_twenty_failures():
    """Behind one NAT address, colleagues' typos add up only to the spraying limit."""
    colleagues = CoordinatorFactory.create_batch(6)
    for colleague in colleagues[:4]:
        fail("192.0.2.50", colleague.email, 4)
    # 16 failures over four accounts: a fifth colleague still logs in.
    assert attempt("192.0.2.50", colleagues[4].email, DEMO_PASSWORD).status_code == 302


def test_password_spraying_from_one_address_locks_it_after_twenty_failures():
    ManagerFactory()
    victims = VolunteerUserFactory.create_batch(21)
    for victim in victims[:19]:
        assert attempt("192.0.2.60", victim.email).status_code == 200
    assert attempt("192.0.2.60", victims[19].email).status_code == 429
    # Every account is refused from there now, the right password included ...
    assert attempt("192.0.2.60", victims[20].email, DEMO_PASSWORD).status_code == 429
    assert attempt("192.0.2.60", "made-up@example.org").status_code == 429
    # ... and nowhere else.
    assert attempt("192.0.2.61", victims[20].email, DEMO_PASSWORD).status_code == 302
    # One failure per account alerts no manager.
    assert not Notification.objects.exists()


# A success clears only its own failures -------------------------------------------------


def test_your_own_login_does_not_reset_your_guesses_at_another_account():
    manager = ManagerFactory()
    insider = VolunteerUserFactory()
    address = "192.0.2.70"
    for _round in range(2):
        for _ in range(4 if _round == 0 else 1):
            response = attempt(address, manager.email)
        assert attempt(address, insider.email, DEMO_PASSWORD).status_code == 302
    # Four, a good login of one's own, then the fifth guess: the pair is locked.
    assert response.status_code == 429
    assert attempt(address, manager.email, DEMO_PASSWORD).status_code == 429
    assert attempt(address, insider.email, DEMO_PASSWORD).status_code == 302


def test_good_logins_of_your_own_do_not_reset_the_address_layer():
    targets = CoordinatorFactory.create_batch(5)
    insider = VolunteerUserFactory()
    address = "192.0.2.71"
    for target in targets:
        for _ in range(4):
            last = attempt(address, target.email)
        if last.status_code == 429:
            break
        assert attempt(address, insider.email, DEMO_PASSWORD).status_code == 302
    # 20 failures, each batch of four followed by a good login of one's own.
    assert last.status_code == 429
    assert attempt(address, insider.email, DEMO_PASSWORD).status_code == 429
    assert ThrottleEvent.objects.login_failures().filter(ip_address=address).count() == 20


def test_a_success_clears_its_own_typos_from_its_own_address_only():
    owner = CoordinatorFactory()
    fail("192.0.2.80", owner.email, 4)
    fail("192.0.2.81", owner.email, 3)
    assert attempt("192.0.2.80", owner.email.upper(), DEMO_PASSWORD).status_code == 302
    # Four more typos from the office: not locked, its earlier four were cleared ...
    fail("192.0.2.80", owner.email, 4)
    # ... but the other address's failures were not.
    remaining = ThrottleEvent.objects.login_failures().filter(account=owner.email)
    assert remaining.filter(ip_address="192.0.2.81").count() == 3


# Behind a reverse proxy -----------------------------------------------------------------

PROXY = "10.0.0.2"


@override_settings(COSA_TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_each_client_is_locked_on_its_own():
    target = CoordinatorFactory()
    colleague = CoordinatorFactory()
    # The proxy appends the address it saw; the attacker forges entries to its left.
    for n in range(4):
        response = attempt(PROXY, target.email, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 192.0.2.90")
        assert response.status_code == 200
    response = attempt(PROXY, target.email, HTTP_X_FORWARDED_FOR="192.0.2.90")
    assert response.status_code == 429
    # Another client behind the same proxy is not locked with the attacker.
    response = attempt(PROXY, target.email, DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.91")
    assert response.status_code == 302
    assert (
        attempt(
            PROXY, colleague.email, DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.90"
        ).status_code
        == 302
    )
    assert set(ThrottleEvent.objects.values_list("ip_address", flat=True)) == {"192.0.2.90"}


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "10.0.0.2"),  # no proxy trusted: the header is the client's word
        (1, "192.0.2.1", "192.0.2.1"),
        (1, "203.0.113.9, 192.0.2.1", "192.0.2.1"),  # forged entry on the left
        (2, "203.0.113.9, 192.0.2.1, 10.0.0.1", "192.0.2.1"),
        (2, "192.0.2.1", "10.0.0.2"),  # not through both proxies: the direct address
        (1, "", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_the_entry_the_outermost_trusted_proxy_wrote(
    proxies, forwarded, expected
):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(COSA_TRUSTED_PROXY_COUNT=proxies):
        assert client_ip(request) == expected


def test_the_pair_limit_must_stay_below_the_account_limit(monkeypatch):
    """Otherwise one address could lock an account out everywhere."""
    import importlib

    import cosa.settings

    monkeypatch.setenv("COSA_LOGIN_FAILURE_LIMIT", "20")
    monkeypatch.setenv("COSA_LOGIN_ACCOUNT_FAILURE_LIMIT", "20")
    try:
        with pytest.raises(ImproperlyConfigured, match="COSA_LOGIN_FAILURE_LIMIT"):
            importlib.reload(cosa.settings)
    finally:
        monkeypatch.undo()
        importlib.reload(cosa.settings)


# Unicode look-alikes of an address -------------------------------------------------------


def test_a_dotless_i_variant_of_the_address_neither_logs_in_nor_escapes_the_count():
    """On PostgreSQL, UPPER('ı') = 'I': a case-insensitive lookup let ``hamıd@`` log in
    as ``hamid@`` under a lockout key of its own. Accounts are found by one exact form."""
    target = CoordinatorFactory(email="hamid.rahimi@example.org")
    variant = "hamıd.rahimi@example.org"
    # The variant is not the account, even with the right password ...
    response = attempt("192.0.2.30", variant, DEMO_PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in response.wsgi_request.session
    # ... so guessing through it reaches no account, and the real address locks at 5.
    fail("192.0.2.31", target.email, 4)
    assert attempt("192.0.2.31", target.email).status_code == 429


def test_a_long_s_variant_counts_as_the_same_account():
    target = CoordinatorFactory(email="marcus.venn@example.org")
    fail("192.0.2.32", "marcuſ.venn@example.org", 4)
    assert attempt("192.0.2.32", target.email).status_code == 429


def test_no_account_is_made_with_a_look_alike_address():
    """Otherwise a coordinator could make ``hamıd@`` beside ``hamid@``; on PostgreSQL the
    old case-insensitive login then found two accounts and failed for the real one."""
    from django.core.exceptions import ValidationError

    from volunteers.services import volunteer_create

    coordinator = CoordinatorFactory(email="hamid.rahimi@example.org")
    with pytest.raises(ValidationError) as refused:
        volunteer_create(
            email="hamıd.rahimi@example.org",
            first_name="Dotless",
            last_name="Dup",
            acting_user=coordinator,
        )
    assert "email" in refused.value.message_dict
    assert attempt("192.0.2.33", coordinator.email, DEMO_PASSWORD).status_code == 302
