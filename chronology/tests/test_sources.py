"""The sources behind the chronology: roles that get nothing cost no query, a kind left
out of the window costs none, and a source on the first form of the contract (no
window, no KINDS) still joins the merge, filtered to the window."""

import datetime
import types

import pytest
from django.utils import timezone

from chronology import sources
from circles import chronology as circle_entries
from coreMembers import chronology as core_member_entries
from cosa.chronology import Entry, Window
from outcomes import chronology as outcome_entries
from sharing import chronology as record_entries


@pytest.mark.parametrize(
    ("source", "actor"),
    [
        (core_member_entries, "volunteer_in_circle"),
        (core_member_entries, "liaison_assigned"),
        (outcome_entries, "volunteer_in_circle"),
        (outcome_entries, "liaison_assigned"),
        (record_entries, "volunteer_in_circle"),
    ],
)
def test_a_role_that_may_read_none_of_a_source_costs_no_query(
    world, django_assert_num_queries, source, actor
):
    with django_assert_num_queries(0):
        assert list(source.entries(world.objects["core_member"], world.users[actor])) == []


def test_a_kind_left_out_of_the_window_costs_no_query(world, django_assert_num_queries):
    core_member, owner = world.objects["core_member"], world.users["owner"]
    # The circles with the concerns only, in one query.
    with django_assert_num_queries(1):
        found = circle_entries.entries(core_member, owner, Window(kinds=frozenset({"concern"})))
    assert {entry.kind for entry in found} == {"concern"}
    with django_assert_num_queries(0):
        assert circle_entries.entries(core_member, owner, Window(kinds=frozenset({"x"}))) == []


def test_the_liaison_gets_only_their_own_acknowledgement(world):
    from sharing.services import record_acknowledge

    record = world.objects["record"]
    record_acknowledge(record=record, acting_user=world.users["liaison_assigned"], response="Seen.")
    owner_found = record_entries.entries(world.objects["core_member"], world.users["owner"])
    liaison_found = record_entries.entries(
        world.objects["core_member"], world.users["liaison_assigned"]
    )
    assert [e.kind for e in owner_found].count("acknowledgement") == 1
    assert [e.kind for e in liaison_found].count("acknowledgement") == 1
    assert "Seen." in [e.detail for e in liaison_found if e.kind == "acknowledgement"][0]


def test_a_source_without_a_window_or_kinds_joins_the_merge_filtered(world, monkeypatch):
    today = timezone.localdate()
    now = timezone.now()
    calls = []

    def entries(core_member, user):
        calls.append((core_member.pk, user.pk))
        return [
            Entry(at=now, kind="legacy_note", title="A letter filed"),
            Entry(at=now - datetime.timedelta(days=30), kind="legacy_note", title="Old letter"),
        ]

    legacy = types.SimpleNamespace(entries=entries)
    monkeypatch.setattr(sources, "SOURCES", (*sources.SOURCES, legacy))
    owner, core_member = world.users["owner"], world.objects["core_member"]
    timeline = sources.collect(core_member, owner, Window(since=today - datetime.timedelta(days=7)))
    titles = [entry.title for entry in timeline.entries]
    assert "A letter filed" in titles and "Old letter" not in titles
    assert calls == [(core_member.pk, owner.pk)]
    # Newest first across sources.
    moments = [entry.at for entry in timeline.entries]
    assert moments == sorted(moments, reverse=True)
    # Its kinds are not offered as a filter (it lists none), and nothing breaks.
    assert "legacy_note" not in dict(sources.kinds())
