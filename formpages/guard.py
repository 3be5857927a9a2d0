"""What every form page does around its form: drafts, one-time tokens, edit versions.

``form_page`` (formpages/pages.py) calls these, so each rule is written once:

* ``prepare`` gives the form its fresh one-time token and, on a long form (one with
  a text area), restores its author's draft;
* ``draft_request`` answers the page script's autosave (and the draft's Discard);
* ``submit`` spends the token, calls the service and deletes the draft in one
  transaction;
* ``show_conflict`` turns a ``StaleEdit`` into the merge page: the user's text
  stays in the form, the saved text is shown beside it, and the version moves on.
"""

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import Manager
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect

from formpages import drafts, tokens, versions


def is_long(form) -> bool:
    """A form with a text area is one whose text is worth keeping as a draft; a form
    without one asks for drafts with ``keeps_draft = True`` (several typed fields that
    an idle logout must not take away)."""
    if getattr(form, "keeps_draft", False):
        return True
    return any(isinstance(field.widget, forms.Textarea) for field in form.fields.values())


def prepare(request, form):
    """Attach the token, the draft flag and (unbound, long form) the restored draft."""
    form.once_token = tokens.new()
    form.drafted = is_long(form)
    form.draft_seconds = settings.COSA_DRAFT_AUTOSAVE_SECONDS
    if not hasattr(form, "draft"):
        form.draft = None
    if form.drafted and not form.is_bound:
        form.draft = drafts.restore(request, form)
    return form


def draft_request(request, form, *, subject=None):
    """The response to an autosave or a discard, or None for an ordinary request."""
    action = drafts.requested(request)
    if not action:
        return None
    if action == drafts.DISCARD:
        drafts.discard(request)
        if request.META.get(drafts.HEADER):
            return HttpResponse(status=204)
        return redirect(request.get_full_path())
    if not is_long(form):
        return JsonResponse({"error": "This form keeps no drafts."}, status=400)
    try:
        drafts.save(request, form, subject=subject)
    except drafts.DraftTooLarge as error:
        return JsonResponse({"error": str(error)}, status=413)
    return HttpResponse(status=204)


def submit(request, form, save, success_url):
    """Spend the token, save, delete the draft: all or nothing. (result, url).

    Raises tokens.AlreadySent for a repeat of a spent token, versions.StaleEdit for an
    edit begun at an old version, ValidationError for what the service refuses.
    """
    with transaction.atomic():
        spent = tokens.spend(request, tokens.posted(request))
        result = save(form)
        url = success_url(result) if callable(success_url) else success_url
        tokens.record_result(spent, str(url))
        drafts.discard(request)
    return result, url


def _text(value):
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(getattr(value, "label", value))


def show_conflict(form, error: versions.StaleEdit):
    """Keep the user's text in the form, show the saved text, move the version on."""
    current = error.current
    rows = []
    for name in drafts.kept_fields(form):
        if not hasattr(current, name):
            continue
        saved = getattr(current, name)
        if isinstance(saved, Manager):
            # A relation (a record's recipients, say) is not text to merge.
            continue
        yours = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
        if _text(saved) != _text(yours):
            rows.append(
                {
                    "label": form[name].label,
                    "yours": _text(yours),
                    "saved": _text(saved),
                }
            )
    data = form.data.copy()
    data[form.add_prefix(versions.FIELD)] = str(current.version)
    form.data = data
    form.conflict = rows
    form.add_error(
        None,
        "Someone else saved this while you were editing. Your text is still in the form; "
        "what they saved is shown beside it. Merge the two and save again.",
    )
    return form
