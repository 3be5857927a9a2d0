"""The one form page: GET shows the form, a valid POST calls a service, then redirect.

Every page that changes something through a form goes through ``form_page``, so the
rules every form POST follows are written here once (formpages/guard.py):

* every form carries a one-time token: the same form posted twice (a double click,
  a resend, a second tab) writes once, and the repeat is sent where the first went;
* a long form (one with a text area) is saved as a draft as its author types, and
  is given back to them when they return, on this or another device;
* an edit that began at an older version of its record is refused without losing a
  word: the page shows the user's text beside the saved one to merge (409).

The form itself is drawn by ``form_page.html``; pages that need more around it
extend that template and fill its blocks. A page drawing its own ``<form>`` includes
``partials/form_safety.html`` inside it (and ``partials/form_safety_discard.html``
after it).
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cosa.views import add_service_errors
from formpages import guard, tokens, versions

TEMPLATE = "form_page.html"
# What a form page is about, found in its context when ``about`` is not given: the
# draft then carries its Core Member and circle (erasure, export, loss of access).
ABOUT_KEYS = ("note", "meeting", "concern", "record", "referral", "circle", "core_member")


def _resolve(value, result):
    return value(result) if callable(value) else value


def _about(about, context):
    if about is not None:
        return about
    for key in ABOUT_KEYS:
        value = context.get(key)
        if value is not None and hasattr(value, "_meta"):
            return value
    return None


def form_page(
    request: HttpRequest,
    form: BaseForm,
    *,
    save: Callable[[BaseForm], Any],
    success_url: str | Callable[[Any], str],
    message: str | Callable[[Any], str | None] | None = None,
    template: str = TEMPLATE,
    render_with: Callable[[BaseForm], HttpResponse] | None = None,
    about: Any = None,
    version: int | None = None,
    **context: Any,
) -> HttpResponse:
    """Show ``form``; on a valid POST call ``save(form)`` (a service call) and redirect.

    A ``ValidationError`` from ``save`` lands on the form (on the field it names, else
    on top) and the page is shown again with nothing written. ``success_url`` and
    ``message`` may be callables taking what ``save`` returned; a message of None adds
    none. ``render_with``, when given, draws the page instead of ``template`` (for a detail
    page that carries this form among others); otherwise ``template`` is rendered with
    ``form`` and ``context``. ``about`` is the record the form writes to (default: the
    first of ``ABOUT_KEYS`` in the context). ``version``, for an edit, is the version of
    the record the form was opened at: the form carries it, ``save`` passes
    ``form.cleaned_data["version"]`` to the service, which refuses a stale one.
    """
    if version is not None:
        versions.add_field(form, version)
    drafted = guard.draft_request(request, form, subject=_about(about, context))
    if drafted is not None:
        return drafted
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            result, url = guard.submit(request, form, save, success_url)
        except tokens.AlreadySent as repeat:
            messages.info(request, "That was already sent: it was saved once, not twice.")
            return redirect(repeat.result_url or request.get_full_path())
        except versions.StaleEdit as stale:
            guard.show_conflict(form, stale)
            status = 409
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            text = _resolve(message, result)
            if text:
                messages.success(request, text)
            return redirect(url)
    guard.prepare(request, form)
    if render_with is not None:
        response = render_with(form)
    else:
        response = render(request, template, {"form": form, **context})
    if status != 200 and response.status_code == 200:
        response.status_code = status
    return response
