"""The permission matrix for the minutes pages alone (the full matrix runs every app's rows)."""

import pytest
from django.db import transaction
from django.urls import reverse

from circles.tests.matrix_minutes import ROWS
from cosa.tests.matrix_support import ACTORS


@pytest.mark.django_db
def test_minutes_pages_answer_each_actor_as_classified(client, world):
    failures = []
    for name, (kwargs_for, table) in ROWS.items():
        url = reverse(name, kwargs=kwargs_for(world))
        assert set(table) == set(ACTORS), name
        for actor, statuses in table.items():
            for method, wanted in zip(("get", "post"), statuses, strict=True):
                client.logout()
                if actor != "anonymous":
                    client.force_login(world.users[actor])
                with transaction.atomic():
                    response = getattr(client, method)(url)
                    transaction.set_rollback(True)
                if response.status_code != wanted:
                    failures.append(f"{method.upper()} {url} as {actor}: {response.status_code}")
    assert not failures, "\n".join(failures)
