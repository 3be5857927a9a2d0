"""The permission matrix: every URL pattern x ten actors x GET and POST (DESIGN §4).

Each case runs inside a savepoint that is rolled back, so a POST that succeeds
does not change what the next case sees. A URL pattern that is not classified
here fails the test: a new page cannot ship without saying who may use it.
"""

import pytest
from django.db import transaction
from django.urls import reverse

from cosa.tests.urlwalk import all_url_names, all_url_patterns

ACTORS = (
    "anonymous",
    "deactivated",
    "manager",
    "owner",
    "other_coordinator",
    "volunteer_in_circle",
    "volunteer_other_circle",
    "volunteer_left",
    "liaison_assigned",
    "liaison_unassigned",
)
STAFF = ("manager", "owner", "other_coordinator")
VOLUNTEERS = ("volunteer_in_circle", "volunteer_other_circle", "volunteer_left")
LIAISONS = ("liaison_assigned", "liaison_unassigned")
LOGGED_OUT = ("anonymous", "deactivated")
LOGGED_IN = STAFF + VOLUNTEERS + LIAISONS


def expect(get=None, post=None, **overrides):
    """Build {actor: (GET status, POST status)}.

    ``get``/``post`` give each logged-in actor's default; logged-out actors are
    sent to the login page (302) unless overridden; ``overrides`` name actors:
    ``owner=(200, 405)``.
    """
    table = dict.fromkeys(LOGGED_OUT, (302, 302))
    for actor in LOGGED_IN:
        table[actor] = (get, post)
    for actor, statuses in overrides.items():
        table[actor] = statuses
    missing = [actor for actor, (g, p) in table.items() if g is None or p is None]
    assert not missing, f"unclassified actors: {missing}"
    return table


def only(actors, ok, refused, post=405, **overrides):
    """``ok`` for the named actors, ``refused`` for the other logged-in ones."""
    return expect(refused, post, **dict.fromkeys(actors, (ok, post)), **overrides)


# For each URL name: how to build its kwargs from the world, and the expectations.
MATRIX = {
    "accounts:home": (lambda w: {}, expect(302, 405)),
    "accounts:login": (
        lambda w: {},
        # Anonymous visitors see the form; a POST without credentials re-shows it.
        expect(302, 302, anonymous=(200, 200), deactivated=(200, 200)),
    ),
    "accounts:logout": (lambda w: {}, expect(405, 302)),
    "circles:index": (lambda w: {}, only(STAFF + VOLUNTEERS, 200, 403)),
    "circles:export": (lambda w: {}, only(STAFF, 200, 403)),
    "circles:detail": (
        lambda w: {"pk": w.objects["circle"].pk},
        only(("manager", "owner", "volunteer_in_circle"), 200, 404),
    ),
    "circles:note_detail": (
        lambda w: {"pk": w.objects["circle"].pk, "meeting_pk": w.objects["meeting"].pk},
        only(("manager", "owner", "volunteer_in_circle"), 200, 404),
    ),
    "circles:concern_detail": (
        lambda w: {"pk": w.objects["circle"].pk, "concern_pk": w.objects["concern"].pk},
        only(("manager", "owner", "volunteer_in_circle"), 200, 404),
    ),
    "circles:membership_end": (
        lambda w: {"pk": w.objects["circle"].pk, "membership_pk": w.objects["membership"].pk},
        expect(
            405,
            404,
            manager=(405, 302),
            owner=(405, 302),
            # Sees the circle, may not change it.
            volunteer_in_circle=(405, 403),
        ),
    ),
    "core_members:index": (lambda w: {}, only(STAFF + LIAISONS, 200, 403)),
    "core_members:export": (lambda w: {}, only(STAFF + LIAISONS, 200, 403)),
    "core_members:detail": (
        lambda w: {"pk": w.objects["core_member"].pk},
        only(("manager", "owner", "liaison_assigned"), 200, 404),
    ),
    "core_members:audit": (
        lambda w: {"pk": w.objects["core_member"].pk},
        # The assigned liaison may see the Core Member but not the trail.
        only(("manager", "owner"), 200, 404, liaison_assigned=(403, 405)),
    ),
    "core_members:records": (lambda w: {}, only(STAFF + LIAISONS, 200, 403)),
    "core_members:record_detail": (
        lambda w: {"pk": w.objects["record"].pk},
        only(("manager", "owner", "liaison_assigned"), 200, 404),
    ),
    "core_members:record_acknowledge": (
        lambda w: {"pk": w.objects["record"].pk},
        expect(
            405,
            404,
            # Readers who are not recipients may see the record but not acknowledge it.
            manager=(405, 403),
            owner=(405, 403),
            liaison_assigned=(405, 302),
        ),
    ),
    "volunteers:index": (lambda w: {}, only(STAFF + VOLUNTEERS, 200, 403)),
    "volunteers:export": (lambda w: {}, only(STAFF, 200, 403)),
    "volunteers:detail": (
        lambda w: {"pk": w.objects["volunteer"].pk},
        # The whole pool for staff; a volunteer sees only their own profile.
        only(STAFF + ("volunteer_in_circle",), 200, 404),
    ),
    "reports:index": (lambda w: {}, only(STAFF, 200, 403)),
}


# The admin's own login page is the only admin page a non-manager is shown; it
# holds no data. Logging out of the admin needs a POST.
# A logged-in non-manager on either is bounced to the admin index, then to login.
ADMIN_OPEN = {"admin:login": {200, 302}, "admin:logout": {302, 405}}


def _login(client, world, actor):
    client.logout()
    if actor != "anonymous":
        client.force_login(world.users[actor])


@pytest.mark.django_db
def test_every_url_pattern_is_classified():
    names = [name for name in all_url_names() if not name.startswith("admin:")]
    unclassified = sorted(set(names) - set(MATRIX))
    assert not unclassified, f"URL patterns missing from the permission matrix: {unclassified}"
    stale = sorted(set(MATRIX) - set(names))
    assert not stale, f"matrix rows for URL patterns that no longer exist: {stale}"


@pytest.mark.django_db
def test_permission_matrix(client, world):
    failures = []
    checked = 0
    for name, (kwargs_for, table) in MATRIX.items():
        url = reverse(name, kwargs=kwargs_for(world))
        assert set(table) == set(ACTORS), name
        for actor, (get_status, post_status) in table.items():
            for method, wanted in (("get", get_status), ("post", post_status)):
                _login(client, world, actor)
                with transaction.atomic():
                    response = getattr(client, method)(url)
                    transaction.set_rollback(True)
                checked += 1
                if response.status_code != wanted:
                    failures.append(
                        f"{method.upper()} {url} as {actor}: {response.status_code} != {wanted}"
                    )
                if actor in LOGGED_OUT and response.status_code == 302:
                    assert "/login/" in response["Location"], (name, actor)
    print(f"\npermission matrix: {checked} cases over {len(MATRIX)} URL patterns")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_admin_patterns_refuse_everyone_but_managers(client, world):
    """Every admin URL pattern: non-managers are sent to a login page, never served."""
    checked = 0
    patterns = [(name, path) for name, path in all_url_patterns() if name.startswith("admin:")]
    assert len(patterns) > 50
    for name, path in patterns:
        for actor in ACTORS:
            if actor == "manager":
                continue
            _login(client, world, actor)
            response = client.get(path)
            checked += 1
            assert b"Zebediah" not in response.content, (name, actor)
            if name in ADMIN_OPEN:
                assert response.status_code in ADMIN_OPEN[name], (name, actor)
                continue
            assert response.status_code == 302, (name, path, actor, response.status_code)
            assert "/login/" in response["Location"], (name, actor, response["Location"])
        _login(client, world, "manager")
        response = client.get(path)
        checked += 1
        assert response.status_code in (200, 302, 403, 404, 405), (name, path, response.status_code)
    print(f"\nadmin patterns: {checked} cases over {len(patterns)} patterns")
