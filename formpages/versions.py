"""Edit versions: a save made from an out-of-date page is refused, never lost.

An edit form carries the version of the record it was opened at (a hidden field).
The service locks the row, compares, and raises ``StaleEdit`` when someone saved in
between; the form page then shows the user's text beside the saved text, with the
version moved on, so that they merge and save again.
"""

from django import forms

FIELD = "version"
# The largest version a posted form may claim (a PostgreSQL integer, less one to move on).
HIGHEST = 2**31 - 2


class StaleEdit(Exception):
    """Someone saved ``current`` after this edit began."""

    def __init__(self, current):
        super().__init__(f"{current._meta.verbose_name} changed since this edit began")
        self.current = current


def advance(instance, submitted) -> None:
    """Move the record's version on if it is still the one the edit began at.

    One conditional UPDATE decides, so of two saves from the same version exactly one
    wins on any database; the loser gets StaleEdit with the saved record. Call it
    inside the write's transaction, before saving the rest. ``submitted`` None (a
    service called from the shell or a task) means "the version this instance was
    loaded at".
    """
    model = type(instance)
    expected = instance.version if submitted in (None, "") else int(submitted)
    if not 0 <= expected <= HIGHEST:
        # No record gets there: stale, and never an overflow in the UPDATE.
        raise StaleEdit(model._default_manager.get(pk=instance.pk))
    moved = model._default_manager.filter(pk=instance.pk, version=expected).update(
        version=expected + 1
    )
    if not moved:
        raise StaleEdit(model._default_manager.get(pk=instance.pk))
    instance.version = expected + 1


def add_field(form, version):
    """Give the form the hidden field that carries the version the edit began at."""
    form.fields[FIELD] = forms.IntegerField(
        widget=forms.HiddenInput, required=False, initial=version, min_value=0, max_value=HIGHEST
    )
