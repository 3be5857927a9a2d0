import pytest

from cosa.tests.world import build_world


@pytest.fixture
def world(db):
    """The two-circle world the permission matrix uses (circle A: owner; B: other_coordinator)."""
    return build_world()
