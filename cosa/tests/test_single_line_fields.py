"""Every single-line text field in the project refuses control characters.

The walk covers every form class defined in the project's apps (forms modules,
views, the login and two-factor pages) and the form of every registered admin,
so a new form or field is covered without anyone remembering to add it.
"""

import importlib
import pathlib

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from accounts.tests.factories import ManagerFactory
from cosa.validators import is_single_line, no_control_characters, one_line

REPO = pathlib.Path(__file__).resolve().parents[2]
APPS = ["accounts", "circles", "coreMembers", "cosa", "reports", "volunteers"]
HOSTILE = ["Ada\rBEGIN:VEVENT", "Ada\nLovelace", "Ada\r\nLovelace", "Ada\tLovelace", "A\x00b"]
HOSTILE += ["A\x1bb", "A\x7fb", "A\x85b", "A\u2028b"]
# Invisible characters that disguise a name: right-to-left override, zero-width space,
# byte-order mark, a bidirectional isolate.
HOSTILE += ["Bidi\u202eevil", "Ha\u200bmid", "\ufeffHamid", "A\u2067b"]


def _project_modules():
    for app in APPS:
        for path in sorted((REPO / app).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            if {"tests", "migrations", "management"} & set(parts):
                continue
            yield importlib.import_module(".".join(parts))


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_form_classes():
    modules = {module.__name__ for module in _project_modules()}
    return sorted(
        {cls for cls in _subclasses(forms.BaseForm) if cls.__module__ in modules},
        key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
    )


def _refuses(field, value):
    """The field refuses ``value`` for its control characters (or never parses it at all)."""
    try:
        field.to_python(value)
    except ValidationError:
        return True  # not text to this field (an IP address, a number)
    try:
        field.clean(value)
    except ValidationError as error:
        return "control_characters" in {e.code for e in error.error_list}
    return False


def _single_line_fields(form_fields):
    return [(name, field) for name, field in form_fields.items() if is_single_line(field)]


@pytest.mark.parametrize("value", HOSTILE)
def test_the_validator_refuses_control_characters(value):
    with pytest.raises(ValidationError) as caught:
        no_control_characters(value)
    assert caught.value.code == "control_characters"


@pytest.mark.parametrize("value", ["Ada Lovelace", "Zoë O'Brien-Smith", "Room 2; Hall, £5 €", ""])
def test_the_validator_lets_ordinary_text_through(value):
    no_control_characters(value)


def test_one_line_turns_control_characters_into_single_spaces():
    assert one_line("Thursday\r\ncircle\rmeets\t\x00 now ") == "Thursday circle meets now"


def test_the_walk_finds_the_forms_it_must_cover():
    names = {cls.__name__ for cls in project_form_classes()}
    assert {"PatternForm", "CircleFormForm", "ReferralForm", "VolunteerCreateForm"} <= names


@pytest.mark.parametrize("form_class", project_form_classes(), ids=lambda cls: cls.__qualname__)
def test_every_single_line_field_of_every_project_form_refuses_control_characters(form_class):
    for name, field in _single_line_fields(form_class.base_fields):
        for value in HOSTILE:
            assert _refuses(field, value), f"{form_class.__qualname__}.{name} took {value!r}"


@pytest.mark.django_db
def test_every_single_line_field_of_every_admin_form_refuses_control_characters():
    request = RequestFactory().get("/admin/")
    request.user = ManagerFactory(is_staff=True, is_superuser=True)
    checked = 0
    for model, model_admin in admin.site._registry.items():
        form_class = model_admin.get_form(request)
        for name, field in _single_line_fields(form_class.base_fields):
            checked += 1
            for value in HOSTILE:
                assert _refuses(field, value), f"{model.__name__} admin: {name} took {value!r}"
    assert checked > 10


def test_a_textarea_still_takes_several_lines():
    field = forms.CharField(widget=forms.Textarea)
    assert field.clean("line one\r\nline two\tindented") == "line one\r\nline two\tindented"


def test_a_password_is_not_refused():
    field = forms.CharField(widget=forms.PasswordInput)
    assert field.clean("pass\tword") == "pass\tword"


def test_a_field_made_single_line_after_construction_is_checked():
    field = forms.CharField(widget=forms.Textarea)
    field.widget = forms.TextInput()
    assert _refuses(field, "a\nb")


def test_joiners_that_scripts_need_in_names_are_kept():
    from cosa.validators import no_control_characters

    for name in ("Mehr\u200cnoosh", "क्\u200dष"):  # zero-width non-joiner, joiner
        no_control_characters(name)
