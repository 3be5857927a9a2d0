"""Journey 12: a coordinator reads the week and the month of their circles and makes a
private calendar feed; a volunteer reads their circle's calendar on a phone; the feed
answers without a login and names the circle, never the Core Member."""

import icalendar
import pytest
from playwright.sync_api import expect

from e2e.support import people
from e2e.support.journey import Journey

pytestmark = [pytest.mark.e2e, pytest.mark.journey]

VOLUNTEER = "alys.penrose@example.org"
CIRCLE = "Tuesday circle"


def _open_circles_of(email):
    from circles.models import Circle

    return list(
        Circle.objects.open().filter(coordinator=people.user(email)).select_related("core_member")
    )


def test_coordinator_reads_week_and_month_and_makes_a_feed(new_page, logins):
    j = Journey(12, "calendar")
    page = new_page()
    logins.log_in(page, people.COORDINATOR, shoot=j.shot)

    page.get_by_role("navigation").get_by_role("link", name="Calendar", exact=True).first.click()
    j.see(page, "my week", heading="My calendar", text="Week")
    expect(page.locator("main [aria-current=date]")).to_have_count(1)
    page.get_by_role("link", name="Next week").click()
    j.see(page, "next week", heading="My calendar")
    page.get_by_role("link", name="Month", exact=True).click()
    j.see(page, "my month", heading="My calendar", text=["Month", CIRCLE])
    page.get_by_role("link", name="Today", exact=True).click()
    j.see(page, "this month", heading="My calendar", text=CIRCLE)

    circles = _open_circles_of(people.COORDINATOR)
    tuesday = next(c for c in circles if c.name == CIRCLE)
    page.goto(f"/circles/{tuesday.pk}/calendar/?view=month")
    j.see(page, "one circle's month", heading=f"{CIRCLE}: calendar", text=CIRCLE)

    # The private feed: its address is shown once, then only reset or switched off.
    page.goto("/calendar/")
    page.get_by_role("link", name="Calendar feed").click()
    j.see(page, "feed settings", heading="Calendar feed")
    make = page.get_by_role("button", name="Make my feed address")
    if make.count() == 0:
        # An earlier run made one: resetting gives a fresh address, shown once.
        make = page.get_by_role("button", name="Reset the address")
    make.click()
    j.message(page, "Copy it now")
    feed_url = page.get_by_label("Your feed address (shown once):").input_value()
    assert feed_url.endswith(".ics"), feed_url
    j.see(page, "feed address shown once", heading="Calendar feed", text="Switch the feed off")
    page.reload()
    expect(page.get_by_label("Your feed address (shown once):")).to_have_count(0)

    # A calendar app reads it with no login: a fresh context, no cookies.
    outsider = new_page()
    response = outsider.request.get(feed_url)
    assert response.status == 200, response.status
    assert response.headers["content-type"].startswith("text/calendar"), response.headers
    body = response.text()
    events = icalendar.Calendar.from_ical(response.body()).walk("VEVENT")
    summaries = {str(event["summary"]) for event in events}
    assert any(summary.startswith(CIRCLE) for summary in summaries), summaries
    for circle in circles:
        core_member = circle.core_member
        for name in {core_member.first_name, core_member.last_name, core_member.preferred_name}:
            if name:
                assert name not in body, f"{name} is in the feed"
        assert core_member.reference not in body
    # A wrong token is no feed.
    assert outsider.request.get(feed_url.replace(".ics", "x.ics")).status == 404


def test_volunteer_reads_their_calendar_on_a_phone(new_page, logins):
    j = Journey(12, "volunteer calendar")
    page = new_page(phone=True)
    logins.log_in(page, VOLUNTEER, shoot=j.shot)
    page.goto("/calendar/")
    j.see(page, "week on a phone", heading="My calendar", text="Week")
    page.get_by_role("link", name="Month", exact=True).click()
    j.see(page, "month on a phone", heading="My calendar", text=CIRCLE)
    # Nothing wider than the phone: no sideways scrolling.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
    # Only their own circles: another coordinator's circle is not in their month.
    from circles.models import Circle

    others = Circle.objects.open().exclude(memberships__volunteer__user=people.user(VOLUNTEER))
    main = page.locator("main").inner_text()
    for other in others:
        assert other.name not in main, other.name
