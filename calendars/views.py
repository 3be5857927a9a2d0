from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import client_ip, log_access
from accounts.models import AccessLog
from calendars import access, feed, periods, services
from calendars.forms import FeedVenueForm
from calendars.models import FeedToken


def _period(request):
    today = timezone.localdate(timezone=periods.LONDON)
    view = request.GET.get("view", periods.WEEK)
    anchor = periods.parse_day(request.GET.get("date"), today)
    return periods.period_for(view, anchor, today)


def _render(request, circles, circle=None):
    period = _period(request)
    start, end = period.bounds_utc()
    meetings = (
        access.meetings_visible_to(request.user)
        .filter(circle__in=circles, starts_at__gte=start, starts_at__lt=end)
        .select_related("circle")
        .order_by("starts_at", "pk")
    )
    periods.fill(period, meetings)
    log_access(
        request, AccessLog.Action.LIST, circle, detail=f"calendar {period.view} {period.first}"
    )
    return render(request, "calendars/calendar.html", {"period": period, "circle": circle})


@require_GET
def my_calendar(request):
    """Every circle the user may see: a coordinator's caseload, a volunteer's circles."""
    from circles.access import circles_visible_to

    return _render(request, circles_visible_to(request.user))


@require_GET
def circle_calendar(request, pk):
    circle = access.calendar_circle_for_user(request.user, pk)
    return _render(request, [circle.pk], circle)


@require_GET
def feed_settings(request):
    token = FeedToken.objects.filter(user=request.user).first()
    form = FeedVenueForm(initial={"include_venue": token.include_venue if token else False})
    return render(
        request,
        "calendars/feed_settings.html",
        {"token": token, "form": form, "feed_url": request.session.pop("calendars_feed_url", None)},
    )


@require_POST
def feed_create(request):
    """Make (or reset) the feed: its URL is shown once, on the next page only."""
    form = FeedVenueForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please choose whether to include venues.")
        return redirect("calendars:feed_settings")
    raw = services.feed_token_create(
        user=request.user,
        acting_user=request.user,
        include_venue=form.cleaned_data["include_venue"],
    )
    request.session["calendars_feed_url"] = request.build_absolute_uri(
        reverse("calendars:feed", kwargs={"token": raw})
    )
    messages.success(request, "Your calendar feed address is ready. Copy it now: it is shown once.")
    return redirect("calendars:feed_settings")


@require_POST
def feed_venue(request):
    form = FeedVenueForm(request.POST)
    if form.is_valid():
        services.feed_venue_set(
            user=request.user,
            acting_user=request.user,
            include_venue=form.cleaned_data["include_venue"],
        )
        messages.success(request, "Feed settings saved.")
    return redirect("calendars:feed_settings")


@require_POST
def feed_revoke(request):
    services.feed_token_revoke(user=request.user, acting_user=request.user)
    messages.success(
        request, "Your calendar feed is switched off; the old address no longer works."
    )
    return redirect("calendars:feed_settings")


def _no_store(response):
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_not_required
@require_GET
def feed_ics(request, token):
    """The iCalendar feed, authenticated by its secret token instead of a login."""
    ip_address = client_ip(request) or "unknown"
    limit = settings.COSA_CALENDAR_FEED_PER_MINUTE
    if feed.over_limit(f"ip:{ip_address}", limit * 4) or feed.over_limit(
        f"token:{feed.token_key(token)}", limit
    ):
        return _no_store(HttpResponse("Too many requests.", status=429, content_type="text/plain"))
    feed_token = access.feed_token_for_raw(token)
    user = feed_token.user
    meetings = feed.feed_meetings(user)
    body = feed.feed_ics(meetings, include_venue=feed_token.include_venue)
    services.feed_token_touch(token=feed_token)
    AccessLog.objects.create(
        user=user,
        action=AccessLog.Action.VIEW,
        object_type="calendars.feedtoken",
        object_id=str(feed_token.pk),
        detail="calendar feed read",
        path=reverse("calendars:feed", kwargs={"token": "redacted"}),
        ip_address=client_ip(request),
    )
    return _no_store(HttpResponse(body, content_type="text/calendar; charset=utf-8"))
