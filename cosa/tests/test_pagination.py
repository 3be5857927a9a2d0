"""One pagination bar for every list, and it keeps the list's filters."""

import pathlib

import pytest
from django.conf import settings
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory

from accounts.models import Agency, User
from accounts.tests.factories import CoordinatorFactory
from cosa.views import paginate, paginate_counted

PARTIAL = "partials/pagination.html"


def _render(query):
    request = RequestFactory().get("/shared-records/", query)
    page = Paginator(list(range(60)), 25).get_page(query.get("page"))
    return render_to_string(PARTIAL, {"page": page}, request=request)


def test_next_page_keeps_every_filter():
    html = _render({"urgency": "URGENT", "status": "SHARED", "q": "Smith & Co"})
    assert "?urgency=URGENT&amp;status=SHARED&amp;q=Smith+%26+Co&amp;page=2" in html


def test_previous_page_replaces_the_page_instead_of_adding_another():
    html = _render({"status": "SHARED", "page": "2"})
    assert "?status=SHARED&amp;page=1" in html
    assert "?status=SHARED&amp;page=3" in html
    assert html.count("page=") == 2


def test_a_single_page_has_no_bar():
    request = RequestFactory().get("/", {"status": "SHARED"})
    page = Paginator(list(range(3)), 25).get_page(1)
    assert "pagination" not in render_to_string(PARTIAL, {"page": page}, request=request)


def test_no_list_template_carries_its_own_pagination_bar():
    root = pathlib.Path(settings.BASE_DIR) / "templates"
    own_copies = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if 'class="pagination"' in path.read_text() and path.relative_to(root).as_posix() != PARTIAL
    ]
    assert own_copies == []


# paginate_counted: the page's rows carry the count of all rows ------------------------


def _coordinators(n):
    made = [CoordinatorFactory() for _ in range(n)]
    return User.objects.filter(role=User.Role.COORDINATOR).order_by("pk"), [u.pk for u in made]


def _page(users, page=None, fields=("pk",)):
    request = RequestFactory().get("/", {} if page is None else {"page": page})
    return paginate_counted(request, users, *fields, per_page=3)


@pytest.mark.django_db
def test_a_page_and_the_count_of_all_come_in_one_query(django_assert_num_queries):
    users, pks = _coordinators(7)
    with django_assert_num_queries(1):
        page = _page(users, "2")
        assert (page.paginator.count, page.paginator.num_pages) == (7, 3)
    assert [pk for (pk,) in page.object_list] == pks[3:6]
    assert page.number == 2 and page.has_next() and page.has_previous()


@pytest.mark.django_db
def test_a_page_past_the_end_or_not_a_number_is_the_page_paginate_gives():
    users, pks = _coordinators(7)
    for asked in (None, "x", "0", "-2", "9", "3"):
        request = RequestFactory().get("/", {} if asked is None else {"page": asked})
        expected = paginate(request, users.values_list("pk"), per_page=3)
        page = _page(users, asked)
        assert page.number == expected.number, asked
        assert list(page.object_list) == list(expected.object_list), asked
    assert [pk for (pk,) in _page(users, "9").object_list] == pks[6:]


@pytest.mark.django_db
def test_an_empty_list_is_one_empty_page():
    users, _pks = _coordinators(0)
    page = _page(users)
    assert page.paginator.count == 0 and list(page.object_list) == []


@pytest.mark.django_db
def test_without_fields_the_rows_are_the_models_themselves():
    users, pks = _coordinators(4)
    page = _page(users, fields=())
    assert page.paginator.count == 4
    assert [user.pk for user in page.object_list] == pks[:3]


# One query a page: the rows carry their count --------------------------------------------


def _agencies(n):
    Agency.objects.bulk_create(
        Agency(name=f"Delivery unit {i:03}", kind=Agency.Kind.PROBATION) for i in range(n)
    )
    return Agency.objects.order_by("name")


def _as_seen(page):
    return (
        [row.name for row in page.object_list],
        page.number,
        page.paginator.count,
        page.paginator.num_pages,
        page.has_previous(),
        page.has_next(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("count_apart", [False, True])
@pytest.mark.parametrize("number", [None, "1", "2", "3", "abc", "2.5"])
def test_a_counted_page_is_the_usual_page_in_one_query(
    number, count_apart, django_assert_num_queries
):
    agencies = _agencies(60)
    request = RequestFactory().get("/", {} if number is None else {"page": number})
    expected = _as_seen(paginate(request, agencies))
    with django_assert_num_queries(1):
        page = paginate_counted(request, agencies, count_apart=count_apart)
        seen = _as_seen(page)
    assert seen == expected
    assert seen[2] == 60


@pytest.mark.django_db
def test_an_empty_list_is_one_empty_page_in_one_query(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(1):
        page = paginate_counted(request, Agency.objects.order_by("name"))
        assert _as_seen(page) == ([], 1, 0, 1, False, False)


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["4", "99", "0", "-1"])
def test_a_page_out_of_range_is_the_last_as_usual(number):
    agencies = _agencies(60)
    request = RequestFactory().get("/", {"page": number})
    page = paginate_counted(request, agencies)
    assert _as_seen(page) == _as_seen(paginate(request, agencies))
    assert page.number == 3


@pytest.mark.django_db
def test_a_union_is_counted_by_a_query_of_its_own(django_assert_num_queries):
    agencies = _agencies(30)
    union = (
        agencies.filter(name__lt="Delivery unit 010")
        .order_by()
        .union(agencies.filter(name__gte="Delivery unit 020").order_by(), all=True)
        .order_by("name")
    )
    request = RequestFactory().get("/", {"page": "1"})
    with django_assert_num_queries(2):
        page = paginate_counted(request, union)
        assert page.paginator.count == 20
        assert len(page.object_list) == 20
