"""Who may check in, see a check-in and read an alert (DESIGN §4).

A volunteer checks in only to a circle they are a current member of, and sees only
their own check-ins. An alert's page (the volunteer's phone number and venue) opens
for the people it alerted, the circle's coordinator and managers. Anything else is a
404. The check-out and help link is authenticated by its token alone.
"""

import contextlib

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.utils import timezone

from circles.models import Circle, CircleMembership
from loneworking.models import Alert, CheckIn


def require_volunteer(user):
    """Lone working is for volunteers: 404 for anyone else."""
    if not user.is_volunteer:
        raise Http404("Lone working is for volunteers.")


def circles_for_checkin(user):
    """The open circles the user sits in now as a volunteer."""
    if not user.is_active or not user.is_volunteer:
        return Circle.objects.none()
    current = CircleMembership.objects.current().filter(volunteer__user=user)
    return Circle.objects.filter(
        pk__in=current.values("circle_id"),
        status__in=(Circle.Status.FORMING, Circle.Status.ACTIVE, Circle.Status.STEP_DOWN),
    )


def may_check_in(user, circle) -> bool:
    return circles_for_checkin(user).filter(pk=circle.pk).exists()


def checkins_visible_to(user):
    """A volunteer's own check-ins (staff read them through the alert page)."""
    if not user.is_active:
        return CheckIn.objects.none()
    return CheckIn.objects.filter(volunteer=user)


def checkin_for_user(user, pk) -> CheckIn:
    checkin = checkins_visible_to(user).select_related("circle").filter(pk=pk).first()
    if checkin is None:
        raise Http404("No such check-in.")
    return checkin


def may_read_alerts_of(user, circle) -> bool:
    """Coordinators and managers: the circle's coordinator (or a deputy holding its
    permissions) and every manager."""
    from circles.access import CHANGE, circles_visible_to

    if not user.is_active or not user.is_case_staff:
        return False
    if user.is_manager:
        return True
    return circles_visible_to(user, CHANGE).filter(pk=circle.pk).exists()


def alert_for_user(user, pk) -> Alert:
    alert = (
        Alert.objects.select_related("checkin__circle", "checkin__volunteer").filter(pk=pk).first()
    )
    if alert is None or not user.is_active:
        raise Http404("No such alert.")
    if alert.recipients.filter(recipient=user).exists():
        return alert
    if may_read_alerts_of(user, alert.checkin.circle):
        return alert
    raise Http404("No such alert.")


def checkin_for_token(raw: str) -> CheckIn:
    """The check-in a link's token opens: 404 for an unknown token. Expiry is the
    view's to explain (a clear page, not a 404)."""
    checkin = CheckIn.objects.for_raw(raw).select_related("circle", "volunteer").first()
    if checkin is None:
        raise Http404("No such check-in link.")
    return checkin


# Guessing at link tokens -------------------------------------------------------------------
#
# A token is 256 random bits, so guessing one is hopeless; the limits bound the guessing
# anyway (DESIGN §6) and make a scan visible. Only unknown tokens count: a volunteer
# using their own link never adds to a count. Past the overall limit every link page
# answers 429, a real token's too, or the limit would bound nothing; the volunteer can
# still log in and use the check-in page, and an unchecked-out check-in still alerts.
# Counted in the shared cache, as the calendar feed's limit is: every process sees one
# count.

_GUESS_KEY = "loneworking-link-guesses:{scope}:{window}"


def _guess_keys(ip_address, now=None):
    seconds = settings.COSA_LONE_WORKING_LINK_GUESS_MINUTES * 60
    window = int((now or timezone.now()).timestamp() // seconds)
    return (
        _GUESS_KEY.format(scope=f"ip:{ip_address or 'unknown'}", window=window),
        _GUESS_KEY.format(scope="all", window=window),
        seconds,
    )


def link_guessing_refused(ip_address, *, now=None) -> bool:
    """Whether the link pages refuse this client address right now (429)."""
    by_address, overall, _ = _guess_keys(ip_address, now)
    counts = cache.get_many([by_address, overall])
    return (
        counts.get(by_address, 0) >= settings.COSA_LONE_WORKING_LINK_GUESSES_PER_ADDRESS
        or counts.get(overall, 0) >= settings.COSA_LONE_WORKING_LINK_GUESSES_TOTAL
    )


def link_guess_count(ip_address, *, now=None) -> None:
    """Count one unknown token from this client address (and overall)."""
    by_address, overall, seconds = _guess_keys(ip_address, now)
    for key in (by_address, overall):
        cache.add(key, 0, timeout=seconds * 2)
        # Evicted between add and incr: this one goes uncounted.
        with contextlib.suppress(ValueError):
            cache.incr(key)
