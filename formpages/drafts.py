"""Drafts: what a user types on a long form, saved on the server as they type.

The page's script posts the form to its own address every few seconds with the
``X-Cosa-Draft: save`` header (``discard`` to throw the draft away). The page's view
has fetched its record through the access helpers before it gets here, so a draft is
saved and restored only where its author may write, and only for its author. A
submitted form deletes its draft in the same transaction as the write.

Drafts are never kept in the browser. They expire ``COSA_DRAFT_DAYS`` after their last
save (a nightly task deletes them), go when their author is deactivated, leaves the
circle or stops being the liaison, and go with the record's erasure.
"""

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone

from formpages.models import Draft

HEADER = "HTTP_X_COSA_DRAFT"
SAVE, DISCARD = "save", "discard"
# Far more than any form here holds (minutes' fields are capped well below it).
MAX_CHARS = 200_000
# Fields that describe the post, not what the user typed.
NOT_KEPT = frozenset({"version", "_once", "_draft", "csrfmiddlewaretoken"})


class DraftTooLarge(ValueError):
    pass


FIELD = "_draft"


def requested(request) -> str:
    """``save`` or ``discard`` for a draft request, else the empty string.

    The page's script says so in a header; the restored draft's "Discard" button,
    which works without script, posts the ``_draft`` field instead.
    """
    if request.method != "POST":
        return ""
    value = request.META.get(HEADER, "").strip().lower()
    if not value and request.POST.get(FIELD) == DISCARD:
        value = DISCARD
    return value if value in (SAVE, DISCARD) else ""


def kept_fields(form):
    """The names of the fields a draft keeps: what a person types or chooses."""
    for name, field in form.fields.items():
        if name in NOT_KEPT or isinstance(field, forms.FileField):
            continue
        if isinstance(field.widget, forms.PasswordInput | forms.HiddenInput):
            continue
        yield name


def subject_refs(obj):
    """(core member id, circle id) of the record a form is about, for erasure and purges."""
    if obj is None:
        return None, None
    label = obj._meta.label
    circle_id = obj.pk if label == "circles.Circle" else getattr(obj, "circle_id", None)
    if label == "core_members.CoreMember":
        core_member_id = obj.pk
    else:
        core_member_id = getattr(obj, "core_member_id", None)
    if core_member_id is None and circle_id is not None:
        circle = obj if label == "circles.Circle" else obj.circle
        core_member_id = circle.core_member_id
    if core_member_id is None and hasattr(obj, "referral"):
        core_member_id = obj.referral.core_member_id
    return core_member_id, circle_id


def _expiry(now):
    return now + datetime.timedelta(days=settings.COSA_DRAFT_DAYS)


def save(request, form, *, subject=None) -> Draft:
    """Keep the posted values of the form's typed fields as the author's draft of this page."""
    data = {}
    size = 0
    for name in kept_fields(form):
        widget = form.fields[name].widget
        value = widget.value_from_datadict(request.POST, request.FILES, form.add_prefix(name))
        if value in (None, "", []):
            continue
        # A NUL is never text a person typed, and PostgreSQL's JSON refuses it.
        if isinstance(value, str):
            value = value.replace("\x00", "")
        elif isinstance(value, list):
            value = [v.replace("\x00", "") if isinstance(v, str) else v for v in value]
        size += len(str(value))
        data[name] = value
    if size > MAX_CHARS:
        raise DraftTooLarge(f"A draft holds at most {MAX_CHARS:,} characters.")
    core_member_id, circle_id = subject_refs(subject)
    now = timezone.now()
    draft, _ = Draft.objects.update_or_create(
        author=request.user,
        path=request.path,
        defaults={
            "data": data,
            "core_member_ref": core_member_id,
            "circle_ref": circle_id,
            "expires_at": _expiry(now),
        },
    )
    return draft


def current(request):
    """The author's live draft of this page, if any."""
    if not request.user.is_authenticated:
        return None
    return Draft.objects.live().filter(author=request.user, path=request.path).first()


def restore(request, form):
    """Put the author's draft of this page into an unbound form; the draft, or None."""
    draft = current(request)
    if draft is None or form.is_bound:
        return None
    names = set(kept_fields(form))
    form.initial.update({k: v for k, v in draft.data.items() if k in names})
    return draft


def discard(request) -> int:
    """Delete the author's draft of this page (submitted or thrown away)."""
    if not request.user.is_authenticated:
        return 0
    return Draft.objects.filter(author=request.user, path=request.path).delete()[0]


def purge(*, author=None, circle_id=None, core_member_id=None) -> int:
    """Delete drafts when their author loses access (or the record is erased).

    At least one of the three is required: ``purge()`` alone deletes nothing.
    """
    if author is None and circle_id is None and core_member_id is None:
        return 0
    drafts = Draft.objects.all()
    if author is not None:
        drafts = drafts.filter(author=author)
    if circle_id is not None:
        drafts = drafts.filter(circle_ref=circle_id)
    if core_member_id is not None:
        drafts = drafts.filter(core_member_ref=core_member_id)
    return drafts.delete()[0]


def purge_expired(now=None) -> int:
    return Draft.objects.expired(now).delete()[0]
