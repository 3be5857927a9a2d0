"""Lone-working pages: the volunteer's check-ins, checking in, the check-out and help
link (no login), and the alert page that coordinators and managers act on."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import client_ip, log_access
from accounts.models import AccessLog
from cosa.views import paginate, posted
from formpages.pages import form_page
from loneworking import access, services
from loneworking.forms import CheckInForm
from loneworking.models import Alert

SESSION_LINK = "loneworking_link_{}"


@require_GET
def mine(request):
    """The volunteer's own check-ins and the alerts each raised."""
    access.require_volunteer(request.user)
    checkins = access.checkins_visible_to(request.user).for_list()
    return render(
        request,
        "loneworking/mine.html",
        {
            "page": paginate(request, checkins, per_page=20),
            "may_check_in": access.circles_for_checkin(request.user).exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def check_in(request):
    access.require_volunteer(request.user)
    circles = access.circles_for_checkin(request.user).order_by("name", "pk")
    initial = {"phone": request.user.phone}
    first = circles.first()
    if first is None:
        raise Http404("You are in no open circle.")
    initial["circle"] = first.pk

    def save(form):
        data = form.cleaned_data
        checkin, raw = services.checkin_start(
            circle=data["circle"],
            kind=data["kind"],
            venue=data["venue"],
            expected_end_at=data["expected_end_at"],
            phone=data["phone"],
            acting_user=request.user,
        )
        # The raw token is shown once: the next page sends the volunteer to it.
        request.session[SESSION_LINK.format(checkin.pk)] = reverse(
            "loneworking:link", kwargs={"token": raw}
        )
        return checkin

    return form_page(
        request,
        CheckInForm(posted(request), circles=circles, initial=initial),
        save=save,
        success_url=lambda checkin: reverse("loneworking:detail", kwargs={"pk": checkin.pk}),
        title="Check in",
        intro="Meeting your circle's Core Member on your own? Check in before you start "
        "and check out when you finish.",
        back_url=reverse("loneworking:mine"),
        back_label="Back to my check-ins",
        submit_label="Check in",
        template="loneworking/check_in.html",
    )


@require_GET
def detail(request, pk):
    """Straight after checking in: on to the link (bookmarkable, works without login);
    afterwards, the check-in with the same buttons behind the login."""
    checkin = access.checkin_for_user(request.user, pk)
    link = request.session.pop(SESSION_LINK.format(checkin.pk), None)
    if link:
        messages.success(request, "You are checked in. Keep this page open or bookmark it.")
        return redirect(link)
    return render(
        request,
        "loneworking/link.html",
        _link_context(
            checkin,
            actions={
                "check_out": reverse("loneworking:check_out", kwargs={"pk": checkin.pk}),
                "help": reverse("loneworking:help", kwargs={"pk": checkin.pk}),
            },
        ),
    )


@require_POST
def check_out(request, pk):
    return _signed_in_step(request, pk, _check_out)


@require_POST
def ask_for_help(request, pk):
    return _signed_in_step(request, pk, _help)


def _signed_in_step(request, pk, step):
    checkin = access.checkin_for_user(request.user, pk)
    step(request, checkin)
    return redirect("loneworking:detail", pk=checkin.pk)


def _check_out(request, checkin):
    if services.checkin_check_out(checkin=checkin, acting_user=checkin.volunteer):
        messages.success(request, "You are checked out. Thank you.")
    else:
        messages.info(request, "You had already checked out.")


def _help(request, checkin):
    services.checkin_help(checkin=checkin, acting_user=checkin.volunteer)
    messages.warning(
        request, "We have alerted the person covering your circle. They will call you."
    )


def _link_context(checkin, *, actions):
    return {
        "checkin": checkin,
        "help_asked": checkin.alerts.filter(step=Alert.Step.HELP).exists(),
        "actions": actions,
    }


# The link: its token authenticates it, no login ------------------------------------------


# The link's pages are drawn as for nobody logged in: no account menu, and no idle
# timer script that would take the page away to the login form.
def _as_nobody(context):
    return {**context, "user": AnonymousUser()}


def _private(response):
    response["Cache-Control"] = "private, no-store"
    # The token never leaves in a Referer to another site; "no-referrer" would make the
    # browser send "Origin: null" with the page's own forms, which CSRF refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


def _token_checkin(request, token):
    """(the check-in, None), or (None or the check-in, the page refusing it): 410 once
    expired. An unknown token is counted, then a 404, and a 429 while this address (or
    everyone) has tried too many.

    A real link always works, whoever else is guessing: the help button must never be
    refused. The tokens are 256 random bits, so guessing cannot find one; the limits
    make a guesser cheap to answer and plain to see, and cannot pause anyone's link."""
    ip_address = client_ip(request)
    try:
        checkin = access.checkin_for_token(token)
    except Http404:
        if access.link_guessing_refused(ip_address):
            return None, _too_many(request)
        access.link_guess_count(ip_address)
        raise
    if not checkin.link_works(timezone.now()):
        return checkin, _expired(request, checkin)
    return checkin, None


def _too_many(request):
    minutes = settings.COSA_LONE_WORKING_LINK_GUESS_MINUTES
    return _private(
        render(
            request,
            "loneworking/link_too_many.html",
            _as_nobody({"minutes": minutes}),
            status=429,
        )
    )


def _expired(request, checkin):
    return _private(
        render(
            request,
            "loneworking/link_expired.html",
            _as_nobody({"checkin": checkin}),
            status=410,
        )
    )


@login_not_required
@require_GET
def link(request, token):
    checkin, refused = _token_checkin(request, token)
    if refused is not None:
        return refused
    return _private(
        render(
            request,
            "loneworking/link.html",
            _as_nobody(
                _link_context(
                    checkin,
                    actions={
                        "check_out": reverse("loneworking:link_check_out", kwargs={"token": token}),
                        "help": reverse("loneworking:link_help", kwargs={"token": token}),
                    },
                )
            ),
        )
    )


@login_not_required
@require_POST
def link_check_out(request, token):
    return _link_step(request, token, _check_out)


@login_not_required
@require_POST
def link_help(request, token):
    return _link_step(request, token, _help)


def _link_step(request, token, step):
    """A step taken from the link: refused while guessing is paused, or once expired."""
    checkin, refused = _token_checkin(request, token)
    if refused is not None:
        return refused
    step(request, checkin)
    return redirect("loneworking:link", token=token)


# Staff -----------------------------------------------------------------------------------


@require_GET
def alert(request, pk):
    """What the person alerted needs to act: the volunteer's phone number and venue."""
    alert = access.alert_for_user(request.user, pk)
    checkin = alert.checkin
    log_access(request, AccessLog.Action.VIEW, checkin, detail="lone-working alert")
    return render(
        request,
        "loneworking/alert.html",
        {"alert": alert, "checkin": checkin, "now": timezone.now()},
    )
