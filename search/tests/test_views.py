"""The search box: who may use it, what each user finds, the access log, query counts."""

import itertools

import pytest
from django.urls import reverse

from accounts.models import AccessLog
from coreMembers.models import CoreMember
from coreMembers.tests.factories import CoreMemberFactory
from cosa.tests.world import LEAK_MARKERS

pytestmark = pytest.mark.django_db
URL = reverse("search:index")
NOT_STAFF = (
    "volunteer_in_circle",
    "volunteer_other_circle",
    "volunteer_left",
    "liaison_assigned",
    "liaison_unassigned",
)


@pytest.fixture
def named(world):
    """Circle A's Core Member is Alan "Al" Lowther; circle B's is Zebediah Quixotic."""
    CoreMember.objects.filter(pk=world.objects["core_member"].pk).update(
        last_name="Lowther", preferred_name="Sandy", probation_crn="N12ZX34"
    )
    return world


_numbers = itertools.count(1)


def _lowthers(n):
    """``n`` more Lowthers, with references of their own (the world's are CM-...)."""
    for _ in range(n):
        CoreMemberFactory(reference=f"TS-{next(_numbers):06d}", last_name="Lowther")


def _search(client, user, query):
    client.force_login(user)
    return client.get(URL, {"q": query})


# Refusals first ---------------------------------------------------------------------------


def test_it_sends_the_logged_out_to_login(client, named):
    response = client.get(URL, {"q": "Lowther"})
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("actor", NOT_STAFF)
def test_it_refuses_volunteers_and_liaisons_and_shows_no_names(client, named, actor):
    for query in ("Lowthr", "Quixotic", "Zebediah", "Ivy"):
        response = _search(client, named.users[actor], query)
        assert response.status_code == 403
        for marker in (*LEAK_MARKERS, "Lowther"):
            assert marker not in response.content.decode()
    assert not AccessLog.objects.filter(action=AccessLog.Action.SEARCH).exists()


def test_the_deactivated_get_nothing(client, named):
    client.force_login(named.users["deactivated"])
    response = client.get(URL, {"q": "Lowther"})
    assert response.status_code in (302, 403)
    assert "Lowther" not in response.content.decode()


def test_a_coordinator_never_finds_another_coordinators_core_member_or_circle(client, named):
    response = _search(client, named.users["owner"], "Zebediah Quixotic")
    assert response.status_code == 200
    body = response.content.decode()
    # The query is echoed back in the box and the "no match" line; never as a result.
    assert "Quixotic</a>" not in body
    assert body.count("?from=search") == 0
    assert reverse("core_members:detail", args=[named.objects["other_core_member"].pk]) not in body
    assert reverse("circles:detail", args=[named.objects["other_circle"].pk]) not in body
    response = _search(client, named.users["owner"], "Marmalade")
    assert reverse("circles:detail", args=[named.objects["other_circle"].pk]) not in (
        response.content.decode()
    )


def test_the_outsider_who_opens_a_result_link_gets_404(client, named):
    client.force_login(named.users["manager"])
    body = client.get(URL, {"q": "Quixotc"}).content.decode()
    link = reverse("core_members:detail", args=[named.objects["other_core_member"].pk])
    assert f"{link}?from=search" in body
    client.force_login(named.users["owner"])
    assert client.get(link, {"from": "search"}).status_code == 404


@pytest.mark.parametrize("query", ["", "a", "\x00\x00", "   "])
def test_short_or_empty_input_is_a_form_error_not_a_search(client, named, query):
    response = _search(client, named.users["owner"], query)
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not AccessLog.objects.filter(action=AccessLog.Action.SEARCH).exists()


def test_an_overlong_query_is_a_form_error(client, named):
    response = _search(client, named.users["owner"], "x" * 101)
    assert response.status_code == 200
    assert "at most 100 characters" in response.content.decode()


# What staff find --------------------------------------------------------------------------


def _core_member_link(world, key="core_member"):
    return reverse("core_members:detail", args=[world.objects[key].pk]) + "?from=search"


@pytest.mark.parametrize(
    "query", ["Lowthr", "lowther", "Lowth", "Lowhter", "Alan Lowthr", "Sandy", "N12ZX34", "n12zx34"]
)
def test_the_owner_finds_their_core_member_by_typo_part_name_preferred_name_and_crn(
    client, named, query
):
    body = _search(client, named.users["owner"], query).content.decode()
    assert _core_member_link(named) in body


def test_a_reference_finds_with_or_without_its_prefix(client, named):
    reference = named.objects["core_member"].reference  # CM-000001 and the like
    digits = reference.split("-")[1]
    for query in (reference, reference.lower(), reference.replace("-", ""), digits):
        body = _search(client, named.users["owner"], query).content.decode()
        assert _core_member_link(named) in body, query


def test_circles_are_found_by_name_and_by_their_core_member(client, named):
    link = reverse("circles:detail", args=[named.objects["circle"].pk]) + "?from=search"
    for query in ("Tuesday", "Tusday circle", "Lowthr"):
        body = _search(client, named.users["owner"], query).content.decode()
        assert link in body, query


def test_volunteers_are_found_by_name(client, named):
    link = reverse("volunteers:detail", args=[named.objects["volunteer"].pk]) + "?from=search"
    body = _search(client, named.users["owner"], "Insde").content.decode()
    assert link in body
    assert "Ivy Inside" in body


def test_the_manager_finds_every_coordinators_people(client, named):
    body = _search(client, named.users["manager"], "Quixotc").content.decode()
    assert _core_member_link(named, "other_core_member") in body
    body = _search(client, named.users["other_coordinator"], "Quixotc").content.decode()
    assert _core_member_link(named, "other_core_member") in body


def test_unrelated_names_are_not_matches(client, named):
    body = _search(client, named.users["manager"], "Wolverhampton").content.decode()
    assert "?from=search" not in body


# The access log ---------------------------------------------------------------------------


def test_the_search_and_the_opened_result_are_logged(client, named):
    owner = named.users["owner"]
    _search(client, owner, "Lowthr")
    log = AccessLog.objects.get(user=owner, action=AccessLog.Action.SEARCH)
    assert log.detail == "search: Lowthr"
    client.get(_core_member_link(named))
    view = AccessLog.objects.get(user=owner, action=AccessLog.Action.VIEW)
    assert view.core_member_id == named.objects["core_member"].pk
    assert view.path.endswith("?from=search")


# Caps and query counts ---------------------------------------------------------------------


def test_results_are_capped_per_kind_with_a_more_link(client, named):
    _lowthers(12)
    body = _search(client, named.users["manager"], "Lowthr").content.decode()
    assert body.count("/core-members/") - body.count("/core-members/?q") >= 10
    assert f"{reverse('core_members:index')}?q=Lowthr" in body
    assert body.count('?from=search">') <= 10 + 10 + 10


@pytest.mark.parametrize("extra", [0, 25])
def test_the_query_count_does_not_grow_with_matches(
    client, named, extra, django_assert_num_queries
):
    """Session, user (with the bell's count), second factor, the SEARCH row, one query
    per kind (and a coordinator's circle ids), and the request's savepoints: the same at
    both sizes."""
    _lowthers(extra)
    # A coordinator's search reads their caseload's circle ids first: one more.
    for actor, queries in (("manager", 9), ("owner", 10)):
        client.force_login(named.users[actor])
        with django_assert_num_queries(queries):
            response = client.get(URL, {"q": "Lowthr"})
        assert response.status_code == 200


def test_the_navigation_has_the_box_for_staff_only(client, named):
    home = reverse("accounts:home")
    for actor in ("manager", "owner"):
        client.force_login(named.users[actor])
        assert 'id="nav-search-q"' in client.get(home, follow=True).content.decode()
    for actor in NOT_STAFF:
        client.force_login(named.users[actor])
        assert 'id="nav-search-q"' not in client.get(home, follow=True).content.decode()
