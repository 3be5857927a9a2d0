"""Helpers every app's services share: state transitions and validated saves."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


def transition(obj, to, *, field="status", transitions=None):
    """Move ``obj.<field>`` to ``to`` or refuse with a ValidationError naming the field.

    ``transitions`` defaults to ``type(obj).TRANSITIONS``: a dict of state to the
    set of states it may move to.
    """
    transitions = transitions if transitions is not None else type(obj).TRANSITIONS
    current = getattr(obj, field)
    if to not in transitions.get(current, set()):
        choices = dict(obj._meta.get_field(field).choices)
        raise ValidationError(
            {
                field: (
                    f"Cannot move from {choices.get(current, current)} to {choices.get(to, to)}."
                )
            },
            code="illegal_transition",
        )
    setattr(obj, field, to)


def validated_save(obj, *, update_fields=None, exclude=None):
    """``full_clean()`` then save; a database refusal becomes a ValidationError.

    ``full_clean`` checks the named constraints first, so the usual failure is a
    clear message; the IntegrityError branch catches a race between two requests.
    """
    obj.full_clean(exclude=exclude)
    try:
        with transaction.atomic():
            obj.save(update_fields=update_fields)
    except IntegrityError as error:
        raise ValidationError(
            "This change conflicts with another record; reload the page and try again.",
            code="integrity",
        ) from error
    return obj
