"""One pagination bar for every list, and it keeps the list's filters."""

import pathlib

from django.conf import settings
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory

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
