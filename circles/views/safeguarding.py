"""Safeguarding pages: the concern's action log and contacts, cover, the on-call rota."""

import functools

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.audit import log_access
from accounts.models import AccessLog
from circles import cover as cover_services
from circles import services
from circles.access import (
    CHANGE,
    concern_for_user,
    contact_for_user,
    coordinators_to_cover_for,
    cover_for_user,
    covers_visible_to,
    may_see_professional_contacts,
    require_case_staff,
    shift_for_user,
    shifts_visible_to,
)
from circles.forms.safeguarding import (
    ConcernActionForm,
    CoverChangeForm,
    CoverForm,
    SafeguardingContactForm,
    ShiftForm,
)
from circles.models import SafeguardingContact
from coreMembers.access import CHANGE as CORE_MEMBER_CHANGE
from coreMembers.access import core_member_for_user
from coreMembers.models import LiaisonAssignment
from formpages.pages import form_page

GET_POST = require_http_methods(["GET", "POST"])
PAGE_SIZE = 50


def safeguarding_context(request, concern, *, can_change=None):
    """The action log and the numbers to call, as the concern page shows them.

    ``can_change``: the page already knows whether the user changes this circle."""
    from formpages import guard

    user = request.user
    circle = concern.circle
    professional = may_see_professional_contacts(user, circle, can_change=can_change)
    context = {
        "actions": list(concern.actions.select_related("acted_by")) if professional else [],
        "out_of_hours_phone": cover_services.out_of_hours_phone(),
        "coordinator_phone": circle.coordinator.phone,
        "professional_contacts": professional,
    }
    if professional:
        context["action_form"] = ConcernActionForm()
        guard.prepare(request, context["action_form"])
        context.update(core_member_contacts(circle.core_member_id))
    return context


def core_member_contacts(core_member_id):
    today = timezone.localdate()
    return {
        "liaison_contacts": list(
            LiaisonAssignment.objects.filter(core_member_id=core_member_id, started_on__lte=today)
            .exclude(ended_on__lt=today)
            .select_related("liaison__agency")
            .order_by("role", "pk")
        ),
        "stored_contacts": list(SafeguardingContact.objects.for_core_member(core_member_id)),
    }


@require_POST
def concern_action_add(request, pk, concern_pk):
    concern = concern_for_user(request.user, pk, concern_pk, CHANGE)
    log_access(request, AccessLog.Action.VIEW, concern)
    url = reverse("circles:concern_detail", args=[pk, concern_pk])

    def save(form):
        return services.concern_action_record(
            concern=concern,
            acting_user=request.user,
            kind=form.cleaned_data["kind"],
            outcome=form.cleaned_data["outcome"],
            acted_at=form.cleaned_data["acted_at"],
        )

    return form_page(
        request,
        ConcernActionForm(request.POST),
        save=save,
        success_url=url,
        message="Action recorded.",
        title="Record an action",
        concern=concern,
        back_url=url,
    )


# Cover ---------------------------------------------------------------------------------


@require_http_methods(["GET"])
def cover_list(request):
    require_case_staff(request.user)
    covers = covers_visible_to(request.user).for_list()
    page = Paginator(covers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "circles/cover_list.html", {"page": page, "covers": page.object_list})


@GET_POST
def cover_new(request):
    require_case_staff(request.user)
    form = CoverForm(request.POST or None, coordinators=coordinators_to_cover_for(request.user))
    return form_page(
        request,
        form,
        save=lambda f: cover_services.cover_create(acting_user=request.user, **f.cleaned_data),
        success_url=reverse("circles:cover_list"),
        message="Cover arranged.",
        title="Arrange cover",
        submit_label="Arrange cover",
    )


def _rota_edit_page(request, record, form, *, change, list_url, **page):
    """The one shape of the cover and on-call rota edit pages.

    The form opens at the record's values and carries the version it opened at; a valid
    POST hands every field (and that version) to ``change``, a service that locks the
    record and refuses a stale or closed edit. A record that is over shows why, no form.
    """
    return form_page(
        request,
        form,
        save=lambda f: change(acting_user=request.user, **f.cleaned_data),
        success_url=list_url,
        version=record.version,
        closed=record.is_closed(),
        closed_text=record.CLOSED_TEXT,
        back_url=list_url,
        **page,
    )


@GET_POST
def cover_edit(request, pk):
    """Move a cover's dates or change its deputy; the grants follow the new dates."""
    cover = cover_for_user(request.user, pk, CHANGE)
    form = CoverChangeForm(
        request.POST or None,
        cover=cover,
        initial={
            "deputy": cover.deputy_id,
            "starts_on": cover.starts_on,
            "ends_on": cover.ends_on,
            "reason": cover.reason,
        },
    )
    return _rota_edit_page(
        request,
        cover,
        form,
        change=functools.partial(cover_services.cover_change, cover=cover),
        list_url=reverse("circles:cover_list"),
        message="Cover changed.",
        title="Change cover",
        subtitle=f"for {cover.coordinator.get_full_name()}",
        submit_label="Save cover",
        back_label="Back to cover",
    )


@require_POST
def cover_end(request, pk):
    cover = cover_for_user(request.user, pk, CHANGE)
    cover_services.cover_end(cover=cover, acting_user=request.user)
    return redirect("circles:cover_list")


@require_http_methods(["GET"])
def shift_list(request):
    require_case_staff(request.user)
    shifts = shifts_visible_to(request.user).live().filter(ends_at__gt=timezone.now()).for_list()
    page = Paginator(shifts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "circles/shift_list.html", {"page": page, "shifts": page.object_list})


@GET_POST
def shift_new(request):
    require_case_staff(request.user)
    return form_page(
        request,
        ShiftForm(request.POST or None),
        save=lambda f: cover_services.shift_create(acting_user=request.user, **f.cleaned_data),
        success_url=reverse("circles:shift_list"),
        message="Shift added to the rota.",
        title="Add an on-call shift",
        submit_label="Add shift",
    )


@GET_POST
def shift_edit(request, pk):
    """Move a shift or hand it to someone else: who is on call follows at once."""
    shift = shift_for_user(request.user, pk, CHANGE)
    form = ShiftForm(
        request.POST or None,
        initial={
            "staff": shift.staff_id,
            "phone": shift.phone,
            "starts_at": timezone.localtime(shift.starts_at),
            "ends_at": timezone.localtime(shift.ends_at),
        },
    )
    return _rota_edit_page(
        request,
        shift,
        form,
        change=functools.partial(cover_services.shift_change, shift=shift),
        list_url=reverse("circles:shift_list"),
        message="Shift changed.",
        title="Change an on-call shift",
        submit_label="Save shift",
        back_label="Back to the rota",
    )


@require_POST
def shift_end(request, pk):
    shift = shift_for_user(request.user, pk, CHANGE)
    cover_services.shift_end(shift=shift, acting_user=request.user)
    return redirect("circles:shift_list")


# Numbers to call about a Core Member ---------------------------------------------------


@GET_POST
def contacts(request, core_member_pk):
    """The Core Member's own numbers to call, and a form to add one."""
    # 404 unseen; 403 seen but not changed by them (an assigned liaison).
    core_member = core_member_for_user(request.user, core_member_pk, CORE_MEMBER_CHANGE)
    url = reverse("circles:contacts", args=[core_member.pk])
    log_access(request, AccessLog.Action.VIEW, core_member, detail="numbers to call")
    return form_page(
        request,
        SafeguardingContactForm(request.POST or None),
        save=lambda form: cover_services.safeguarding_contact_add(
            core_member=core_member, acting_user=request.user, **form.cleaned_data
        ),
        success_url=url,
        message=lambda contact: f"{contact.name} added to the numbers to call.",
        template="circles/contacts.html",
        title=f"Numbers to call about {core_member.reference}",
        submit_label="Add the number",
        core_member=core_member,
        contacts=list(
            SafeguardingContact.objects.filter(core_member=core_member).select_related("created_by")
        ),
        back_url=reverse("core_members:detail", args=[core_member.pk]),
        back_label=f"Back to {core_member.reference}",
    )


@require_POST
def contact_remove(request, core_member_pk, pk):
    contact = contact_for_user(request.user, core_member_pk, pk)
    cover_services.safeguarding_contact_remove(contact=contact, acting_user=request.user)
    messages.success(request, f"{contact.name} removed from the numbers to call.")
    return redirect("circles:contacts", core_member_pk=core_member_pk)
