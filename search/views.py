from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.audit import log_access
from accounts.models import AccessLog, User
from cosa.views import roles_required
from search.forms import SearchForm
from search.queries import search


@require_GET
@roles_required(*User.STAFF_ROLES)
def index(request):
    """The navigation's search box. Each result links to its detail page with
    ``?from=search``, so the VIEW row that page writes says it was opened from here."""
    form = SearchForm(request.GET if "q" in request.GET else None)
    groups = []
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"]
        log_access(request, AccessLog.Action.SEARCH, detail=f"search: {query}")
        groups = search(request.user, query)
    return render(request, "search/index.html", {"form": form, "groups": groups})
