"""The one form page: formpages.pages.form_page."""

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.tests.factories import CoordinatorFactory
from formpages.pages import form_page

# The save runs in a transaction with the form's one-time token.
pytestmark = pytest.mark.django_db


class NameForm(forms.Form):
    name = forms.CharField(max_length=20)
    note = forms.CharField(required=False)


def _request(method="get", data=None):
    factory = RequestFactory()
    request = factory.post("/", data or {}) if method == "post" else factory.get("/")
    request._messages = CookieStorage(request)
    request.user = AnonymousUser()
    return request


def _form(request):
    return NameForm(request.POST if request.method == "POST" else None)


def _shown(form):
    """Stand-in for the page: its status and the form it was given."""
    response = HttpResponse("page")
    response.form = form
    return response


def _page(request, save, **kwargs):
    kwargs.setdefault("success_url", "/done/")
    kwargs.setdefault("message", "Saved.")
    return form_page(request, _form(request), save=save, render_with=_shown, **kwargs)


def _never(form):
    raise AssertionError("save must not be called")


def _texts(request):
    return [str(message) for message in get_messages(request)]


def test_an_invalid_post_shows_the_form_again_and_saves_nothing():
    request = _request("post", {"name": ""})
    response = _page(request, _never)
    assert response.status_code == 200
    assert "name" in response.form.errors
    assert _texts(request) == []


def test_a_service_refusal_on_a_field_lands_on_that_field():
    request = _request("post", {"name": "Ada"})

    def refuse(form):
        raise ValidationError({"note": "Say more."})

    response = _page(request, refuse)
    assert response.status_code == 200
    assert response.form.errors == {"note": ["Say more."]}
    assert _texts(request) == []


def test_a_service_refusal_naming_no_field_of_the_form_lands_on_top():
    request = _request("post", {"name": "Ada"})

    def refuse(form):
        raise ValidationError({"status": "Not now."})

    response = _page(request, refuse)
    assert response.form.non_field_errors() == ["Not now."]


def test_a_plain_service_refusal_lands_on_top():
    request = _request("post", {"name": "Ada"})

    def refuse(form):
        raise ValidationError("This circle has ended.")

    response = _page(request, refuse)
    assert response.status_code == 200
    assert response.form.non_field_errors() == ["This circle has ended."]


def test_a_valid_post_saves_once_then_says_so_and_redirects():
    request = _request("post", {"name": "Ada"})
    saved = []
    response = _page(request, lambda form: saved.append(form.cleaned_data["name"]))
    assert saved == ["Ada"]
    assert (response.status_code, response["Location"]) == (302, "/done/")
    assert _texts(request) == ["Saved."]


def test_the_url_and_message_may_be_built_from_what_the_service_returned():
    request = _request("post", {"name": "Ada"})
    response = _page(
        request,
        lambda form: form.cleaned_data["name"].upper(),
        success_url=lambda result: f"/people/{result}/",
        message=lambda result: f"{result} added.",
    )
    assert response["Location"] == "/people/ADA/"
    assert _texts(request) == ["ADA added."]


def test_a_message_of_none_adds_no_message():
    request = _request("post", {"name": "Ada"})
    response = _page(request, lambda form: None, message=lambda result: None)
    assert response.status_code == 302
    assert _texts(request) == []


def test_a_get_shows_the_form_and_saves_nothing():
    request = _request()
    response = _page(request, _never)
    assert response.status_code == 200
    assert not response.form.is_bound


@pytest.mark.django_db
def test_the_one_template_draws_the_form_with_its_title_button_and_way_back():
    request = _request("post", {"name": ""})
    request.user = CoordinatorFactory()
    response = form_page(
        request,
        _form(request),
        save=_never,
        success_url="/done/",
        title="Name the thing",
        intro="Names are short.",
        submit_label="Save the name",
        danger=True,
        back_url="/back/",
        back_label="Back to things",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Name the thing" in body or "Name the thing</title>" in body
    assert '<h1 class="h3">Name the thing' in body
    assert "Names are short." in body
    assert 'class="btn btn-danger">Save the name</button>' in body
    assert 'href="/back/">← Back to things</a>' in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert "This field is required." in body
