"""Journey 8: a coordinator moves a meeting off a bank holiday and steps a circle down;
a volunteer sees the changed schedule on a phone."""

import datetime
import re
import secrets

import pytest
from playwright.sync_api import expect

from e2e.support import people
from e2e.support.journey import Journey

pytestmark = [pytest.mark.e2e, pytest.mark.journey]

VOLUNTEER = "alys.penrose@example.org"
CIRCLE = "Tuesday circle"


def _next_bank_holiday():
    from circles import bank_holidays

    day = datetime.date.today() + datetime.timedelta(days=1)
    while bank_holidays.holiday_name(day) is None:
        day += datetime.timedelta(days=1)
    return day, bank_holidays.holiday_name(day)


def test_coordinator_moves_a_meeting_off_a_bank_holiday_and_steps_the_circle_down(new_page, logins):
    j = Journey(8, "step down and bank holiday")
    page = new_page()
    logins.log_in(page, people.COORDINATOR, shoot=j.shot)
    page.get_by_role("link", name="Circles").first.click()
    page.get_by_role("link", name=CIRCLE, exact=True).first.click()
    j.see(page, "circle page", heading=CIRCLE)
    circle_url = page.url

    # A review meeting booked on the next bank holiday is flagged with its name.
    holiday, name = _next_bank_holiday()
    page.get_by_role("link", name="Arrange a one-off meeting").first.click()
    j.see(page, "one-off meeting form", heading="Arrange a one-off meeting")
    page.get_by_label("Kind").select_option(label="Review meeting")
    page.get_by_label("Date").fill(holiday.isoformat())
    # A different minute each run: the circle cannot have two reviews at one time.
    page.get_by_label("Time (UK time)").fill(f"17:{secrets.randbelow(60):02d}")
    page.get_by_role("button", name="Arrange the meeting").click()
    j.message(page, "Review meeting arranged")
    j.see(page, "meetings with a bank holiday", heading="Meetings of", text=f"Bank holiday: {name}")

    # One click moves it to the next day that is not a bank holiday.
    page.get_by_role("button", name=re.compile(r"^Move to")).first.click()
    j.message(page, "moved to")
    j.see(page, "moved off the bank holiday", text=f"{name} is a bank holiday.")

    # Step down: the form asks how often, from when, and the next review.
    page.goto(circle_url)
    pattern = page.locator("#pattern-h + p")
    if not pattern.inner_text().startswith("Weekly"):
        # An earlier run stepped this circle down: set it back to weekly first.
        page.get_by_role("link", name="Meeting pattern").first.click()
        page.get_by_label("Frequency").select_option(label="Weekly")
        page.get_by_role("button", name="Save the pattern").click()
        j.message(page, "Meeting pattern saved")
        page.goto(circle_url)
    page.get_by_role("link", name="Step down").first.click()
    j.see(page, "step-down form", heading=f"Step down {CIRCLE}")
    in_a_week = datetime.date.today() + datetime.timedelta(days=7)
    page.get_by_label("New frequency", exact=False).first.select_option(label="Fortnightly")
    page.get_by_label("Meeting at the new frequency from").fill(in_a_week.isoformat())
    page.get_by_label("Next review").first.fill(
        (in_a_week + datetime.timedelta(days=7)).isoformat()
    )
    page.get_by_role("button", name="Step down").click()
    j.message(page, "is stepping down: fortnightly")
    j.see(page, "stepped down", heading=CIRCLE, text=["Fortnightly on", "Fortnightly from"])
    expect(page.locator("main")).to_contain_text("How often the circle meets")


def test_volunteer_on_a_phone_sees_the_moved_meeting(new_page, logins):
    j = Journey(8, "volunteer sees the schedule")
    page = new_page(phone=True)
    logins.log_in(page, VOLUNTEER, shoot=j.shot)
    from circles.models import Circle

    circle = Circle.objects.open().get(name=CIRCLE)
    page.goto(f"/circles/{circle.pk}/")
    page.get_by_role("link", name="All meetings").click()
    j.see(page, "meetings on a phone", heading=f"Meetings of {CIRCLE}", text="moved from")
    expect(page.get_by_role("button", name=re.compile(r"^Move to"))).to_have_count(0)
