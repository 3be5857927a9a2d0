"""The documents' chronology source: the viewer's documents about one Core Member."""

import pytest

from documents.chronology import entries
from documents.tests.factories import add_document

pytestmark = pytest.mark.django_db


def test_entries_follow_the_viewer_in_one_query(world, media, django_assert_max_num_queries):
    core_member, circle = world.objects["core_member"], world.objects["circle"]
    owner = world.users["owner"]
    add_document(core_member, owner, category="RISK_SUMMARY", title="OASys summary")
    add_document(circle, owner, category="COVENANT", title="Covenant v1")
    add_document(world.objects["other_circle"], world.users["other_coordinator"], title="Other")

    def titles(name):
        # One query, or none for a viewer who may read no documents at all.
        with django_assert_max_num_queries(1):
            found = list(entries(core_member, world.users[name]))
        assert all(entry.kind == "document" for entry in found)
        return sorted(entry.title for entry in found)

    both = ["Document added to circle Tuesday circle: Covenant v1", "Document added: OASys summary"]
    assert titles("owner") == both
    assert titles("manager") == both
    assert titles("volunteer_in_circle") == [both[0]]
    for name in ("other_coordinator", "volunteer_other_circle", "liaison_assigned"):
        assert titles(name) == [], name


def test_entries_cost_one_query_however_many(world, media, django_assert_num_queries):
    core_member = world.objects["core_member"]
    for n in range(6):
        add_document(core_member, world.users["owner"], content=b"%PDF-" + str(n).encode())
    with django_assert_num_queries(1):
        assert len(list(entries(core_member, world.users["owner"]))) == 6
