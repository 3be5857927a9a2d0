"""Production password hashing: Argon2id at OWASP's floor, old hashes still verify.

The test settings hash with MD5 for speed, so these tests read the production list
(cosa/settings.py) and switch it on where a password is checked.
"""

import argon2
import pytest
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    check_password,
    identify_hasher,
    make_password,
)
from django.test import override_settings
from django.urls import reverse
from django.utils.module_loading import import_string

from accounts.tests.factories import CoordinatorFactory
from cosa import settings as production

PASSWORD = "violet-harbour-cinnamon-47"
production_hashers = override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS)


def _production_hasher():
    return import_string(production.PASSWORD_HASHERS[0])()


def _parameters(encoded):
    return argon2.extract_parameters("$" + encoded.split("$", 1)[1])


def test_the_production_hasher_is_argon2id_at_or_above_the_owasp_floor():
    hasher = _production_hasher()
    assert isinstance(hasher, Argon2PasswordHasher)
    assert hasher.memory_cost >= 19456  # KiB: 19 MiB
    assert hasher.time_cost >= 2
    assert hasher.parallelism == 1
    # And what it writes says so: the type and parameters stored in the hash.
    stored = _parameters(hasher.encode(PASSWORD, hasher.salt()))
    assert stored.type is argon2.Type.ID
    assert (stored.memory_cost, stored.time_cost, stored.parallelism) == (
        hasher.memory_cost,
        hasher.time_cost,
        hasher.parallelism,
    )


def test_the_production_hasher_stays_within_the_login_burst_budget():
    # 50 logins at once must finish within 10 s on two cores: at the floor one check
    # cost 20-30 ms and the burst under 3 s (`make bench`). Work grows with memory times
    # passes; more than twice the floor needs a new measurement first.
    hasher = _production_hasher()
    assert hasher.memory_cost * hasher.time_cost <= 2 * 19456 * 2


@production_hashers
def test_a_password_hashed_with_djangos_defaults_still_verifies_and_is_upgraded():
    old = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    assert _parameters(old).parallelism == 8
    upgraded = []
    assert check_password(PASSWORD, old, setter=upgraded.append)
    assert len(upgraded) == 1
    assert identify_hasher(make_password(PASSWORD)).algorithm == "argon2"
    new = _parameters(make_password(PASSWORD))
    assert (new.memory_cost, new.time_cost, new.parallelism) == (19456, 2, 1)


@production_hashers
def test_a_wrong_password_does_not_verify_against_an_old_hash():
    old = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    upgraded = []
    assert not check_password("violet-harbour-cinnamon-48", old, setter=upgraded.append)
    assert upgraded == []


@pytest.mark.django_db
@production_hashers
def test_logging_in_rehashes_an_old_password_with_the_production_parameters(client):
    user = CoordinatorFactory()
    user.password = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    user.save(update_fields=["password"])
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert not response.url.startswith(reverse("accounts:login"))
    user.refresh_from_db()
    stored = _parameters(user.password)
    assert stored.type is argon2.Type.ID
    assert (stored.memory_cost, stored.time_cost, stored.parallelism) == (19456, 2, 1)
    assert user.check_password(PASSWORD)
