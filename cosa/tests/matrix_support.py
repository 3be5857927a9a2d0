"""Actors and expectation builders shared by every app's permission-matrix rows.

Each app lists its URL patterns in ``<app>/tests/matrix.py`` as
``ROWS = {url name: (kwargs from the world, {actor: (GET status, POST status)})}``;
``cosa/tests/test_permission_matrix.py`` merges them and checks every pattern.
"""

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
