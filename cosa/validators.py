"""Single-line text holds no control characters.

A carriage return or line feed in a name travels into places that treat it as
structure: a calendar entry's next line (a second, attacker-written event), an
e-mail subject (Django refuses the header and the send fails), a CSV row. Tabs
and the other C0/C1 controls, and the Unicode line and paragraph separators, have
no business in a name either.

``no_control_characters`` is the validator. ``install()`` (called from
accounts.apps, beside cosa.formsafety) makes every single-line form CharField in
the project run it, in the apps' forms, the login and password pages and every
admin form alike, so a new form cannot forget it: a field is single-line unless
its widget is a Textarea. Password inputs are left alone (a password is never
shown, and refusing one at login would lock its owner out).
``one_line()`` is the defensive counterpart for text that reached the database
some other way: it turns the control characters into spaces.
"""

import re

from django import forms
from django.core.exceptions import ValidationError

# C0 controls (tab, LF, CR included), DEL, C1 controls (NEL included), the Unicode
# line and paragraph separators, and the invisible characters that disguise a name:
# the bidirectional overrides and isolates (a right-to-left override shows
# "Bidi<RLO>live" as "Bidievil" reversed), the zero-width space, the word joiner and
# the byte-order mark. The zero-width joiner and non-joiner stay: Persian, Indic and
# other scripts need them in names.
CONTROL_CHARACTERS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)

MESSAGE = (
    "Use a single line of text: no line breaks, tabs, control or invisible "
    "direction-changing characters."
)


def no_control_characters(value):
    if value and CONTROL_CHARACTERS.search(str(value)):
        raise ValidationError(MESSAGE, code="control_characters")


def one_line(text):
    """``text`` with each run of control characters (and spaces) as one space."""
    return re.sub(rf"(?:{CONTROL_CHARACTERS.pattern}|\s)+", " ", str(text)).strip()


def is_single_line(field):
    """A text field whose widget shows (and posts) one line, not a password."""
    return isinstance(field, forms.CharField) and not isinstance(
        field.widget, forms.Textarea | forms.PasswordInput
    )


def install():
    """Make every single-line forms.CharField (and subclass) refuse control characters.

    The check runs in ``validate``, so it follows the widget the field has when
    the form is cleaned, whatever a form's ``__init__`` changed.
    """
    if getattr(forms.CharField, "_cosa_single_line_checked", False):
        return
    original_validate = forms.CharField.validate

    def validate(self, value):
        original_validate(self, value)
        if is_single_line(self) and value not in self.empty_values:
            no_control_characters(value)

    forms.CharField.validate = validate
    forms.CharField._cosa_single_line_checked = True
