"""The one form page: GET shows the form, a valid POST calls a service, then redirect.

Every page that changes something through a form goes through ``form_page``, so a
rule that every form POST must follow (a one-time submit token, the version an edit
started from) is added here once. The form itself is drawn by ``form_page.html``;
pages that need more around it extend that template and fill its blocks.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cosa.views import add_service_errors

TEMPLATE = "form_page.html"


def _resolve(value, result):
    return value(result) if callable(value) else value


def form_page(
    request: HttpRequest,
    form: BaseForm,
    *,
    save: Callable[[BaseForm], Any],
    success_url: str | Callable[[Any], str],
    message: str | Callable[[Any], str | None] | None = None,
    template: str = TEMPLATE,
    render_with: Callable[[BaseForm], HttpResponse] | None = None,
    **context: Any,
) -> HttpResponse:
    """Show ``form``; on a valid POST call ``save(form)`` (a service call) and redirect.

    A ``ValidationError`` from ``save`` lands on the form (on the field it names, else
    on top) and the page is shown again with nothing written. ``success_url`` and
    ``message`` may be callables taking what ``save`` returned; a message of None adds
    none. ``render_with``, when given, draws the page instead of ``template`` (for a detail
    page that carries this form among others); otherwise ``template`` is rendered with
    ``form`` and ``context``.
    """
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            text = _resolve(message, result)
            if text:
                messages.success(request, text)
            return redirect(_resolve(success_url, result))
    if render_with is not None:
        return render_with(form)
    return render(request, template, {"form": form, **context})
