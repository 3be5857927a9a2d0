import datetime
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import log_access
from accounts.models import AccessLog
from cosa import uploads
from cosa.views import csv_response, paginate, posted
from formpages import tokens
from formpages.pages import form_page
from volunteering import services
from volunteering.access import (
    DECIDE,
    VIEW,
    claim_for_user,
    claims_to_decide_for,
    claims_visible_to,
    debrief_for_user,
    debriefs_visible_to,
    may_decide,
    own_volunteer,
    require_claims_decider,
    require_payer,
    require_rate_setter,
    require_supervisor,
    supervised_volunteers_for,
)
from volunteering.forms import ClaimForm, DebriefForm, DecideForm, MileageRateForm
from volunteering.models import ExpenseClaim, MileageRate, supervision_interval

# Claims -------------------------------------------------------------------------------------


@require_GET
def claims(request):
    """A volunteer's own claims, newest first."""
    volunteer = own_volunteer(request.user)
    page = paginate(request, claims_visible_to(request.user).for_list())
    return render(request, "volunteering/claims.html", {"volunteer": volunteer, "page": page})


@require_http_methods(["GET", "POST"])
def claim_new(request):
    volunteer = own_volunteer(request.user)
    rate = services.mileage_rate()
    form = ClaimForm(
        posted(request),
        posted(request, files=True),
        volunteer=volunteer,
        pence_per_mile=rate,
        initial={"incurred_on": timezone.localdate()},
    )
    return form_page(
        request,
        form,
        save=lambda form: services.claim_submit(
            volunteer=volunteer, acting_user=request.user, **form.cleaned_data
        ),
        success_url=lambda claim: reverse("volunteering:claim_detail", args=[claim.pk]),
        message=lambda claim: f"Claim for £{claim.amount} submitted to your coordinator.",
        title="Claim an expense",
        breadcrumbs=[("My expenses", reverse("volunteering:claims"))],
        here="New claim",
        submit_label="Submit claim",
        intro=f"Mileage is paid at the rate in force on the day of the journey ({rate}p a mile "
        "today). A receipt claim needs a PDF or photo of it.",
    )


@require_GET
def queue(request):
    """The claims awaiting the coordinator's (or a manager's) decision, oldest first."""
    require_claims_decider(request.user)
    claims = claims_to_decide_for(request.user).awaiting_decision().for_list()
    page = paginate(request, claims.order_by("submitted_at", "pk"))
    return render(request, "volunteering/queue.html", {"page": page})


@require_http_methods(["GET", "POST"])
def claim_detail(request, pk):
    """The claim; its coordinator (or a manager) approves or refuses it here."""
    claim = claim_for_user(request.user, pk, VIEW if request.method == "GET" else DECIDE)
    own = claim.volunteer.user_id == request.user.pk

    def page(form):
        context = {"claim": claim, "form": form, "own": own}
        return render(request, "volunteering/claim_detail.html", context)

    if claim.status != ExpenseClaim.Status.SUBMITTED or not may_decide(request.user, claim):
        if request.method != "GET":
            messages.info(request, "This claim was already decided.")
            return redirect("volunteering:claim_detail", pk=claim.pk)
        return page(None)
    return form_page(
        request,
        DecideForm(posted(request)),
        save=lambda form: services.claim_decide(
            claim=claim,
            acting_user=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
        ),
        success_url=reverse("volunteering:queue"),
        message="Claim decided.",
        render_with=page,
        about=claim,
    )


@require_GET
def claim_receipt(request, pk):
    """Receipts are served only through this check, never from a public media URL."""
    claim = claim_for_user(request.user, pk)
    if not claim.receipt:
        raise Http404("This claim has no receipt.")
    # The one download response of every upload (attachment, nosniff, sandboxed).
    response = uploads.attachment_response(claim.receipt, claim.receipt.name)
    log_access(request, AccessLog.Action.EXPORT, claim, detail="expense receipt")
    return response


@require_http_methods(["GET", "POST"])
def payment(request):
    """The payment run: approved, unpaid claims exported as CSV and marked paid."""
    require_payer(request.user)
    if request.method == "POST":
        try:
            with transaction.atomic():
                spent = tokens.spend(request, tokens.posted(request))
                paid = services.claims_pay(acting_user=request.user)
                run = paid[0].paid_at.isoformat() if paid else ""
                tokens.record_result(spent, f"{request.path}?{urlencode({'run': run})}")
            detail = f"expenses paid: {len(paid)}"
        except tokens.AlreadySent as repeat:
            # A double click: the browser keeps only the second response, so it is the
            # first run's file again, never an empty one that loses the payments.
            paid = _payment_run(request.user, repeat.result_url)
            detail = f"expenses payment file again: {len(paid)}"
        log_access(request, AccessLog.Action.EXPORT, detail=detail)
        rows = [
            [
                claim.pk,
                claim.volunteer.user.get_full_name(),
                claim.incurred_on.isoformat(),
                claim.get_kind_display(),
                claim.description,
                claim.miles if claim.miles is not None else "",
                claim.amount,
            ]
            for claim in paid
        ]
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return csv_response(
            f"expenses-payment-{stamp}.csv",
            ["Claim", "Volunteer", "Date", "Kind", "Description", "Miles", "Amount (£)"],
            rows,
        )
    payable = ExpenseClaim.objects.payable()
    return render(
        request,
        "volunteering/payment.html",
        {
            "count": payable.count(),
            "page": paginate(request, payable.for_list()),
            "once": tokens.new(),
        },
    )


def _payment_run(user, result_url):
    """The claims one payment run (its recorded ``run`` time) marked paid."""
    run = parse_qs(urlsplit(result_url or "").query).get("run", [""])[0]
    try:
        paid_at = datetime.datetime.fromisoformat(run)
    except ValueError:
        return []
    return list(
        ExpenseClaim.objects.filter(paid_by=user, paid_at=paid_at)
        .for_list()
        .order_by("volunteer__user__last_name", "incurred_on", "pk")
    )


@require_http_methods(["GET", "POST"])
def mileage_rate(request):
    """The manager sets the mileage rate from a date on; the rates set before stay listed."""
    require_rate_setter(request.user)
    today = timezone.localdate()
    rates = paginate(request, MileageRate.objects.for_list())

    def page(form):
        context = {
            "form": form,
            "page": rates,
            "current": services.mileage_rate(today),
            "default_rate": settings.COSA_MILEAGE_PENCE_PER_MILE,
        }
        return render(request, "volunteering/mileage_rate.html", context)

    return form_page(
        request,
        MileageRateForm(posted(request), initial={"effective_from": today}),
        save=lambda form: services.mileage_rate_set(acting_user=request.user, **form.cleaned_data),
        success_url=reverse("volunteering:mileage_rate"),
        message=lambda rate: (
            f"Mileage is paid at {rate.pence_per_mile}p a mile for journeys "
            f"from {rate.effective_from:%-d %B %Y}."
        ),
        render_with=page,
    )


# Supervision --------------------------------------------------------------------------------


@require_GET
def supervision(request):
    """The coordinator's volunteers with their next supervision due; open debriefs."""
    require_supervisor(request.user)
    today = timezone.localdate()
    interval = supervision_interval()
    volunteers = (
        supervised_volunteers_for(request.user)
        .with_last_supervision()
        .select_related("user")
        .order_by("last_supervised_on", "pk")
    )
    page = paginate(request, volunteers)
    for volunteer in page:
        since = volunteer.last_supervised_on or volunteer.started_on
        volunteer.supervision_due_on = since + interval if since else today
        volunteer.supervision_overdue = volunteer.supervision_due_on < today
    debriefs = (
        debriefs_visible_to(request.user)
        .filter(held_on__isnull=True)
        .select_related("volunteer__user", "circle")
    )
    return render(
        request,
        "volunteering/supervision.html",
        {
            "page": page,
            "debriefs": debriefs[:50],
            "interval_weeks": settings.COSA_SUPERVISION_INTERVAL_WEEKS,
            "debrief_form": DebriefForm(initial={"held_on": today}),
        },
    )


@require_POST
def debrief_record(request, pk):
    debrief = debrief_for_user(request.user, pk)

    def back(form):
        # The form sits in the supervision list: its errors go back there as a message.
        errors = [e for field in form.errors.values() for e in field] or ["Check the date."]
        messages.error(request, " ".join(errors))
        return redirect("volunteering:supervision")

    return form_page(
        request,
        DebriefForm(posted(request)),
        save=lambda form: services.debrief_record(
            debrief=debrief, held_on=form.cleaned_data["held_on"], acting_user=request.user
        ),
        success_url=reverse("volunteering:supervision"),
        message="Debrief recorded.",
        render_with=back,
        about=debrief,
    )
