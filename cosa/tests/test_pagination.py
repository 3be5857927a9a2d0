"""One pagination bar for every list, and it keeps the list's filters."""

import pathlib

import pytest
from django.conf import settings
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory

from accounts.models import User
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
