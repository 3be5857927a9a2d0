import os

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import log_access
from accounts.models import AccessLog, User
from coreMembers import services
from coreMembers.access import (
    CHANGE,
    FULL,
    can_change,
    core_member_for_user,
    core_members_visible_to,
    liaison_assignment_for_user,
    referral_document_for_user,
    referral_documents_visible_to,
    referral_for_user,
    referrals_visible_to,
    referrer_sees_until,
    sees_full_record,
    sharing_agreement_for_user,
)
from coreMembers.forms import (
    AreasForm,
    CoordinatorForm,
    DocumentsForm,
    IdentityForm,
    LiaisonAssignForm,
    LiaisonEndForm,
    MappaForm,
    ReferralDecisionForm,
    ReferralFilterForm,
    ReferralForm,
    RiskAssessmentForm,
    SharingAgreementForm,
    StatutoryForm,
    WithdrawAgreementForm,
)
from coreMembers.models import CoreMember, Referral, latest_circle_of
from cosa.uploads import attachment_response
from cosa.views import csv_response, paginate, posted, roles_required
from formpages.pages import form_page

# A Core Member whose circle ended or who was not accepted may be referred again.
REFERABLE_AGAIN = (CoreMember.Status.ENDED, CoreMember.Status.NOT_ACCEPTED)


def _core_member_list(user, query=""):
    core_members = core_members_visible_to(user).for_list()
    if query:
        core_members = core_members.filter(
            Q(reference__iexact=query)
            | Q(last_name__icontains=query)
            | Q(first_name__icontains=query)
            | Q(preferred_name__icontains=query)
        )
    return core_members.order_by("reference")


@require_GET
@roles_required(*User.CASE_READER_ROLES)
def index(request):
    query = request.GET.get("q", "").strip()[:100]
    if query:
        log_access(request, AccessLog.Action.SEARCH, detail=f"core members: {query}")
    page = paginate(request, _core_member_list(request.user, query))
    return render(request, "core_members/index.html", {"page": page, "query": query})


@require_GET
@roles_required(*User.CASE_READER_ROLES)
def export(request):
    """Staff get the working fields; liaisons get identity only. Never offence details."""
    core_members = _core_member_list(request.user)
    log_access(request, AccessLog.Action.EXPORT, detail="core-members.csv")
    if sees_full_record(request.user):
        header = ["reference", "name", "status", "coordinator", "MAPPA category", "MAPPA level"]
        rows = (
            (
                c.reference,
                c.display_name,
                c.get_status_display(),
                c.coordinator,
                c.mappa_category,
                c.mappa_level,
            )
            for c in core_members.iterator()
        )
    else:
        header = ["reference", "name", "date of birth"]
        rows = ((c.reference, c.display_name, c.date_of_birth) for c in core_members.iterator())
    return csv_response("core-members.csv", header, rows)


@require_GET
def detail(request, pk):
    core_member = core_member_for_user(request.user, pk, latest_circle=True)
    log_access(request, AccessLog.Action.VIEW, core_member)
    circle = latest_circle_of(core_member)
    # The shared records are listed by the sharing app's {% shared_records %} tag.
    context = {"core_member": core_member, "circle": circle}
    if sees_full_record(request.user):
        agreements = core_member.sharing_agreements.listed_with_agency_names()
        referrals = list(core_member.referrals.select_related("source_agency", "coordinator"))
        liaisons = list(
            core_member.liaison_assignments.select_related("liaison__agency").order_by(
                "ended_on", "-started_on"
            )
        )
        context.update(
            template="core_members/detail.html",
            can_change=can_change(request.user, core_member),
            is_manager=request.user.is_manager,
            referrals=referrals,
            risk_assessments=core_member.risk_assessments.select_related("agency"),
            mappa_history=core_member.mappa_history.select_related("recorded_by"),
            agreements=agreements,
            current_agreement=next((a for a in agreements if a.is_current()), None),
            open_liaisons=[a for a in liaisons if a.ended_on is None],
            past_liaisons=[a for a in liaisons if a.ended_on is not None],
            open_referral=next((r for r in referrals if r.status in Referral.OPEN_STATES), None),
            may_refer_again=core_member.status in REFERABLE_AGAIN,
        )
    else:
        # Liaisons: identity, circle status, attendance counts, what was shared with them.
        attendance = {}
        if circle is not None:
            attendance = circle.meetings.aggregate(
                held=Count("pk", filter=Q(status="HELD")),
                missed=Count("pk", filter=Q(status="MISSED")),
                attended=Count("notes", filter=Q(notes__attendance__in=["YES", "LATE"])),
            )
        context.update(
            template="core_members/liaison_detail.html",
            attendance=attendance,
            agency_reference=core_member.agency_reference(
                getattr(core_member, "viewer_cover_role", None)
            ),
        )
    return render(request, context["template"], context)


@require_GET
def audit_trail(request, pk):
    core_member = core_member_for_user(request.user, pk, FULL)
    entries = AccessLog.objects.filter(core_member_id=core_member.pk).select_related("user")
    changes = core_member.history.select_related("history_user")[:50]
    return render(
        request,
        "core_members/audit.html",
        {"core_member": core_member, "page": paginate(request, entries), "changes": changes},
    )


# Changing a record ----------------------------------------------------------------------------


def _page(*, title, back_url, submit_label, core_member=None, back_label="", **extra):
    """What form_page.html shows around a change to a Core Member's record or referral."""
    if not back_label:
        back_label = f"Back to {core_member.reference}" if core_member else "Back"
    return {
        "title": title,
        "back_url": back_url,
        "back_label": back_label,
        "submit_label": submit_label,
        "confirm_text": "Confirm to continue.",
        "core_member": core_member,
        **extra,
    }


def _detail_url(core_member, anchor=""):
    url = reverse("core_members:detail", args=[core_member.pk])
    return f"{url}#{anchor}" if anchor else url


# Referrals -------------------------------------------------------------------------------


@require_GET
@roles_required(*User.CASE_READER_ROLES)
def referral_list(request):
    filters = ReferralFilterForm(request.GET or None, acting_user=request.user)
    referrals = referrals_visible_to(request.user).select_related(
        "core_member", "source_agency", "coordinator"
    )
    status = query = ""
    if filters.is_valid():
        status, query = filters.cleaned_data["status"], filters.cleaned_data["q"].strip()
    if status == "open":
        referrals = referrals.filter(status__in=Referral.OPEN_STATES)
    elif status == "unassigned":
        referrals = referrals.filter(status__in=Referral.OPEN_STATES, coordinator__isnull=True)
    elif status:
        referrals = referrals.filter(status=status)
    if query:
        referrals = referrals.filter(
            Q(core_member__reference__iexact=query)
            | Q(core_member__last_name__icontains=query)
            | Q(core_member__first_name__icontains=query)
            | Q(referrer_name__icontains=query)
        )
    referrals = referrals.order_by("-received_on", "-pk")
    log_access(
        request,
        AccessLog.Action.SEARCH if query else AccessLog.Action.LIST,
        detail=f"referrals: state={status or 'all'} q={query}",
    )
    return render(
        request,
        "core_members/referral_list.html",
        {
            "page": paginate(request, referrals),
            "filters": filters,
            "status": status,
            "query": query,
        },
    )


@require_http_methods(["GET", "POST"])
@roles_required(*User.CASE_READER_ROLES)
def referral_create(request):
    core_member = None
    if request.GET.get("core_member"):
        # A re-referral of a Core Member already on the system (staff only).
        try:
            core_member_pk = int(request.GET["core_member"])
        except ValueError:
            raise Http404("No such Core Member.") from None
        core_member = core_member_for_user(request.user, core_member_pk, CHANGE)
    form = ReferralForm(
        posted(request),
        posted(request, files=True),
        acting_user=request.user,
        core_member=core_member,
    )

    def save(form):
        data = form.cleaned_data
        user = request.user
        if user.is_liaison:
            source = {
                "source_agency": user.agency,
                "referrer_name": user.get_full_name() or user.email,
                "referrer_email": user.email,
                "received_on": timezone.localdate(),
            }
        else:
            source = {
                name: data[name]
                for name in ("source_agency", "referrer_name", "referrer_email", "received_on")
            }
        coordinator = user if user.is_coordinator else data.get("coordinator")
        return services.referral_create(
            core_member=core_member,
            core_member_details=form.core_member_details(),
            reason=data["reason"],
            coordinator=coordinator,
            documents=[(doc.original_name, doc) for doc in data["documents"]],
            acting_user=user,
            **source,
        )

    title = f"New referral of {core_member.reference}" if core_member else "New referral"
    return form_page(
        request,
        form,
        save=save,
        success_url=lambda referral: reverse("core_members:referral_detail", args=[referral.pk]),
        message=lambda referral: f"Referral of {referral.core_member.reference} recorded.",
        **_page(
            title=title,
            back_url=reverse("core_members:referrals"),
            back_label="Back to referrals",
            submit_label="Record referral",
            core_member=core_member,
            intro=(
                "Your agency and your name are recorded as the referrer. The service will "
                "tell you the outcome."
                if request.user.is_liaison
                else ""
            ),
        ),
    )


@require_GET
def referral_detail(request, pk):
    referral = referral_for_user(request.user, pk)
    log_access(request, AccessLog.Action.VIEW, referral)
    staff = sees_full_record(request.user)
    changeable = staff and can_change(request.user, referral.core_member)
    allowed = Referral.TRANSITIONS.get(referral.status, set())
    return render(
        request,
        "core_members/referral_detail.html",
        {
            "referral": referral,
            "core_member": referral.core_member,
            "documents": referral_documents_visible_to(request.user, referral),
            "staff": staff,
            # The referrer is told how long the referral stays on their list.
            "visible_until": None if staff else referrer_sees_until(request.user, referral),
            "can_change": changeable,
            "can_assess": changeable and Referral.Status.ASSESSING in allowed,
            "can_accept": changeable and Referral.Status.ACCEPTED in allowed,
            "can_decline": changeable and Referral.Status.DECLINED in allowed,
            "can_withdraw": changeable and Referral.Status.WITHDRAWN in allowed,
            "coordinator_form": (
                CoordinatorForm(initial={"coordinator": referral.coordinator_id})
                if request.user.is_manager and referral.status not in Referral.CLOSED_STATES
                else None
            ),
        },
    )


REFERRAL_ACTIONS = {
    # action: (service, reason required, reason label, button, success message, danger)
    "assess": (
        "referral_start_assessment",
        None,
        "",
        "Start assessment",
        "Assessment started.",
        False,
    ),
    "accept": (
        "referral_accept",
        False,
        "Note on the decision (optional)",
        "Accept referral",
        "Referral accepted. The Core Member now waits for a circle.",
        False,
    ),
    "decline": (
        "referral_decline",
        True,
        "Why the referral is declined",
        "Decline referral",
        "Referral declined.",
        True,
    ),
    "withdraw": (
        "referral_withdraw",
        True,
        "Why the referral is withdrawn",
        "Withdraw referral",
        "Referral withdrawn.",
        True,
    ),
}


@require_http_methods(["GET", "POST"])
def referral_decide(request, pk, action):
    """Assess, accept, decline or withdraw: a confirmation page (GET), the change (POST)."""
    referral = referral_for_user(request.user, pk, change=True)
    service_name, reason_required, label, button, done, danger = REFERRAL_ACTIONS[action]
    form = ReferralDecisionForm(
        posted(request), reason_required=bool(reason_required), reason_label=label
    )
    if reason_required is None:
        del form.fields["reason"]

    def save(form):
        kwargs = {"referral": referral, "acting_user": request.user}
        if reason_required is not None:
            kwargs["reason"] = form.cleaned_data["reason"]
        try:
            return getattr(services, service_name)(**kwargs)
        except ValidationError:
            # The page shows the referral as it is now, not as the refused change left it.
            referral.refresh_from_db()
            raise

    referral_url = reverse("core_members:referral_detail", args=[referral.pk])
    return form_page(
        request,
        form,
        save=save,
        success_url=referral_url,
        message=done,
        template="core_members/referral_form.html",
        **_page(
            title=f"{button}: {referral.core_member.reference}",
            back_url=referral_url,
            back_label="Back to the referral",
            submit_label=button,
            core_member=referral.core_member,
            danger=danger,
            referral=referral,
        ),
    )


def _referral_action(action):
    def view(request, pk):
        return referral_decide(request, pk, action)

    view.__name__ = f"referral_{action}"
    return view


referral_assess = _referral_action("assess")
referral_accept = _referral_action("accept")
referral_decline = _referral_action("decline")
referral_withdraw = _referral_action("withdraw")


@require_POST
def referral_assign(request, pk):
    """A manager gives a referral (and its Core Member) to a coordinator."""
    # Managers only: the referral's coordinator sees it but may not hand it on (403).
    referral = referral_for_user(request.user, pk, roles=(User.Role.MANAGER,))
    referral_url = reverse("core_members:referral_detail", args=[referral.pk])
    return form_page(
        request,
        CoordinatorForm(request.POST),
        save=lambda form: services.referral_assign(
            referral=referral,
            coordinator=form.cleaned_data["coordinator"],
            acting_user=request.user,
        ),
        success_url=referral_url,
        message=lambda referral: f"Assigned to {referral.coordinator}.",
        **_page(
            title=f"Assign the referral of {referral.core_member.reference}",
            back_url=referral_url,
            back_label="Back to the referral",
            submit_label="Assign",
            core_member=referral.core_member,
        ),
    )


@require_http_methods(["GET", "POST"])
def referral_document_add(request, pk):
    referral = referral_for_user(request.user, pk, change=True)
    referral_url = reverse("core_members:referral_detail", args=[referral.pk])

    def added_message(documents):
        count = len(documents)
        return f"{count} document{'s' if count != 1 else ''} added."

    return form_page(
        request,
        DocumentsForm(posted(request), posted(request, files=True)),
        save=lambda form: services.referral_documents_add(
            referral=referral, documents=form.cleaned_data["documents"], acting_user=request.user
        ),
        success_url=referral_url,
        message=added_message,
        **_page(
            title=f"Add documents to the referral of {referral.core_member.reference}",
            back_url=referral_url,
            back_label="Back to the referral",
            submit_label="Upload",
            core_member=referral.core_member,
        ),
    )


@require_GET
def referral_document(request, pk, document_pk):
    """Documents are served only through this check, never from a public media URL."""
    document = referral_document_for_user(request.user, pk, document_pk)
    referral = document.referral
    response = attachment_response(document.file, os.path.basename(document.file.name))
    log_access(
        request,
        AccessLog.Action.EXPORT,
        document,
        core_member_id=referral.core_member_id,
        detail=f"referral document: {document.title}",
    )
    return response


# The Core Member record: edits --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def _record_edit(request, pk, form_class, *, title, anchor, done):
    core_member = core_member_for_user(request.user, pk, CHANGE)
    form = form_class(posted(request), instance=core_member)
    if request.method == "GET":
        log_access(request, AccessLog.Action.VIEW, core_member, detail=f"edit form: {anchor}")

    def save(form):
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name != "version"}
        if changes:
            services.core_member_update(
                core_member=core_member,
                acting_user=request.user,
                version=form.cleaned_data.get("version"),
                **changes,
            )
        return changes

    return form_page(
        request,
        form,
        save=save,
        success_url=_detail_url(core_member, anchor),
        message=lambda changes: done if changes else "Nothing was changed.",
        version=core_member.version,
        **_page(
            title=f"{title}: {core_member.reference}",
            back_url=_detail_url(core_member, anchor),
            submit_label="Save",
            core_member=core_member,
        ),
    )


def identity_edit(request, pk):
    return _record_edit(
        request,
        pk,
        IdentityForm,
        title="Identity and needs",
        anchor="overview",
        done="Identity and needs saved.",
    )


def statutory_edit(request, pk):
    return _record_edit(
        request,
        pk,
        StatutoryForm,
        title="Statutory details",
        anchor="statutory",
        done="Statutory details saved.",
    )


def areas_edit(request, pk):
    return _record_edit(
        request,
        pk,
        AreasForm,
        title="Home and exclusion areas",
        anchor="areas",
        done="Areas saved.",
    )


@require_http_methods(["GET", "POST"])
def _record_add(request, pk, form_class, *, service, title, anchor, done, submit, **form_kwargs):
    """A form page whose valid POST calls ``service(core_member=..., **cleaned_data)``."""
    core_member = core_member_for_user(request.user, pk, CHANGE)
    return form_page(
        request,
        form_class(posted(request), **form_kwargs),
        save=lambda form: service(
            core_member=core_member, acting_user=request.user, **form.cleaned_data
        ),
        success_url=_detail_url(core_member, anchor),
        message=done,
        **_page(
            title=f"{title}: {core_member.reference}",
            back_url=_detail_url(core_member, anchor),
            submit_label=submit,
            core_member=core_member,
        ),
    )


def mappa_add(request, pk):
    return _record_add(
        request,
        pk,
        MappaForm,
        service=services.mappa_record,
        title="MAPPA category and level",
        anchor="statutory",
        done="MAPPA change recorded.",
        submit="Record MAPPA change",
    )


def risk_assessment_add(request, pk):
    return _record_add(
        request,
        pk,
        RiskAssessmentForm,
        service=services.risk_assessment_record,
        title="Risk assessment",
        anchor="risk",
        done="Risk assessment recorded.",
        submit="Record assessment",
    )


def agreement_add(request, pk):
    return _record_add(
        request,
        pk,
        SharingAgreementForm,
        service=services.sharing_agreement_record,
        title="Sharing agreement",
        anchor="agreements",
        done="Sharing agreement recorded.",
        submit="Record signed agreement",
    )


def liaison_add(request, pk):
    def assign(*, core_member, acting_user, liaison, role, started_on):
        return services.liaison_assign(
            core_member=core_member,
            liaison=liaison,
            role=role,
            started_on=started_on,
            acting_user=acting_user,
        )

    return _record_add(
        request,
        pk,
        LiaisonAssignForm,
        service=assign,
        title="Assign a liaison",
        anchor="liaisons",
        done="Liaison assigned. They can now see this Core Member's identity.",
        submit="Assign liaison",
    )


@require_http_methods(["GET", "POST"])
def agreement_withdraw(request, pk, agreement_pk):
    agreement = sharing_agreement_for_user(request.user, pk, agreement_pk)
    core_member = agreement.core_member
    return form_page(
        request,
        WithdrawAgreementForm(posted(request), agreement=agreement),
        save=lambda form: services.sharing_agreement_withdraw(
            agreement=agreement,
            withdrawn_on=form.cleaned_data["withdrawn_on"],
            reason=form.cleaned_data["withdrawal_reason"],
            acting_user=request.user,
        ),
        success_url=_detail_url(core_member, "agreements"),
        message="Consent withdrawn. Nothing more can be shared on this agreement.",
        **_page(
            title=f"Withdraw sharing agreement v{agreement.version}: {core_member.reference}",
            back_url=_detail_url(core_member, "agreements"),
            submit_label="Withdraw consent",
            core_member=core_member,
            danger=True,
            intro="From this date nothing may be shared on consent; only a recorded "
            "public-protection override remains.",
        ),
    )


@require_http_methods(["GET", "POST"])
def liaison_end(request, pk, assignment_pk):
    assignment = liaison_assignment_for_user(request.user, pk, assignment_pk)
    core_member = assignment.core_member
    return form_page(
        request,
        LiaisonEndForm(posted(request), assignment=assignment),
        save=lambda form: services.liaison_end(
            assignment=assignment,
            ended_on=form.cleaned_data["ended_on"],
            acting_user=request.user,
        ),
        success_url=_detail_url(core_member, "liaisons"),
        message=f"{assignment.liaison} no longer covers this Core Member.",
        **_page(
            title=f"End {assignment.liaison}'s assignment: {core_member.reference}",
            back_url=_detail_url(core_member, "liaisons"),
            submit_label="End assignment",
            core_member=core_member,
            danger=True,
            intro="They lose this Core Member and every record shared with them about him.",
        ),
    )
