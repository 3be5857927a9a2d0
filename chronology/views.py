from itertools import groupby

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.audit import log_access
from accounts.models import AccessLog
from chronology import sources
from chronology.access import core_member_for_chronology
from chronology.forms import ChronologyFilterForm


def _month(entry):
    return timezone.localtime(entry.at).date().replace(day=1)


@require_GET
def chronology(request, pk):
    """One dated timeline of everything the viewer may see of a Core Member."""
    core_member = core_member_for_chronology(request.user, pk)
    kinds = sources.kinds()
    form = ChronologyFilterForm(request.GET, kinds=kinds)
    context = {"core_member": core_member, "form": form, "months": None, "now": timezone.now()}
    if form.is_valid():
        window = form.window()
        timeline = sources.collect(core_member, request.user, window)
        log_access(request, AccessLog.Action.VIEW, core_member, detail="chronology")
        labels = dict(kinds)
        context.update(
            months=[
                (month, [(entry, labels.get(entry.kind, entry.kind)) for entry in entries])
                for month, entries in groupby(timeline.entries, key=_month)
            ],
            count=len(timeline.entries),
            chosen=[labels[kind] for kind in sorted(window.kinds or ())],
            window=window,
        )
        if timeline.truncated:
            oldest = min(entry.at for entry in timeline.entries if entry.truncated)
            # The oldest meeting shown ends the earlier page: none of that day is lost.
            context["earlier_query"] = form.earlier_query(timezone.localtime(oldest).date())
    return render(request, "chronology/chronology.html", context)
