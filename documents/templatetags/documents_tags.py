"""The documents section on pages owned by apps below this one.

The Core Member page (coreMembers), the circle page (circles) and the volunteer page
(volunteers) offer a place for it; this app fills it, so none of them imports documents.
"""

from django import template

from cosa.views import first_rows_and_count
from documents.access import (
    documents_of,
    documents_visible_to,
    may_add_document,
    may_see_documents,
    owner_kind,
)
from documents.forms import DocumentForm
from documents.views import page_context
from formpages import guard

register = template.Library()

DOCUMENTS_ON_PAGE = 10


@register.inclusion_tag("documents/_section.html", takes_context=True)
def documents_section(context, owner, dbs_checks=None):
    """The latest documents on ``owner`` the signed-in user may read, and the upload form
    for those who may add one (one query for the list and its count).

    On a volunteer's page, ``dbs_checks`` is the page's own read of their DBS checks, each
    with its decision (``select_related("decision")``): listed here, not read again.
    """
    request = context["request"]
    user = request.user
    kind = owner_kind(owner)
    section = {"shown": may_see_documents(user, owner)}
    if not section["shown"]:
        return section
    # The page found ``owner`` through its access helper; the visible_to filter is the
    # second lock, in the same query.
    documents = documents_of(owner).filter(pk__in=documents_visible_to(user).values("pk"))
    rows, count = first_rows_and_count(documents.for_list(), DOCUMENTS_ON_PAGE)
    section.update(page_context(kind, owner), documents=rows, count=count, limit=DOCUMENTS_ON_PAGE)
    if may_add_document(user, owner):
        section["form"] = guard.prepare(request, DocumentForm(kind=kind))
    if kind == "volunteer":
        if dbs_checks is None:
            dbs_checks = list(owner.dbs_checks.select_related("decision"))
        section["dbs_checks"] = dbs_checks
    section["csrf_token"] = context.get("csrf_token")
    return section
