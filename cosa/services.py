"""Helpers every app's services share: who is acting, state transitions, validated saves.

Every write service is decorated with ``@service``: the user named by its
``acting_user`` keyword becomes the author of every history row written while it
runs, whether it was called from a view, a Celery task, a management command or the
demo builder. Give each ``HistoricalRecords`` ``get_user=history_user`` so that the
history reads the author from here before falling back to the request's user.

What the history cannot see: ``QuerySet.update()`` and ``bulk_create()`` send no
signals, so rows written that way get no history row at all, whoever acts.
"""

import contextvars
import functools
import inspect
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

_acting_user = contextvars.ContextVar("acting_user", default=None)


def current_acting_user():
    """The user the running service acts as, or None outside every service."""
    return _acting_user.get()


@contextmanager
def acting_as(user):
    """Name ``user`` as the author of every history row written inside the block.

    A nested block keeps the outer user: a service called by another service is part
    of the same act, by the same person. ``None`` or an anonymous user (a system job
    such as the retention sweep) names nobody and leaves an outer user in place.
    """
    if user is None or getattr(user, "pk", None) is None or _acting_user.get() is not None:
        yield
        return
    token = _acting_user.set(user)
    try:
        yield
    finally:
        _acting_user.reset(token)


def service(func):
    """Run a write service as the user its ``acting_user`` argument names (see ``acting_as``).

    Put it above ``@transaction.atomic`` so that the whole transaction runs as that user.
    """
    signature = inspect.signature(func)
    if "acting_user" not in signature.parameters:
        raise TypeError(f"{func.__qualname__} has no acting_user parameter to act as.")
    default = signature.parameters["acting_user"].default
    default = None if default is inspect.Parameter.empty else default

    @functools.wraps(func)
    def run_as_acting_user(*args, **kwargs):
        if "acting_user" in kwargs:
            user = kwargs["acting_user"]
        elif args:
            user = signature.bind_partial(*args, **kwargs).arguments.get("acting_user", default)
        else:
            user = default
        with acting_as(user):
            return func(*args, **kwargs)

    run_as_acting_user.runs_as_acting_user = True
    return run_as_acting_user


def history_user(instance=None, request=None, **kwargs):
    """Who a history row names: the running service's acting user, else the request's user.

    ``HistoricalRecords(get_user=history_user)``: simple-history passes ``request`` only
    when its middleware saw an authenticated user, so outside a request and outside
    every service the row names nobody ("the system").
    """
    user = _acting_user.get()
    if user is not None:
        return user
    return getattr(request, "user", None)


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
