"""The minutes form completed with the keyboard alone (no mouse, no tapping)."""

import datetime
import secrets
import zoneinfo

import pytest
from playwright.sync_api import expect

from e2e.support import people
from e2e.support.journey import Journey
from e2e.support.keyboard import focused, tab_to, type_text

pytestmark = [pytest.mark.e2e, pytest.mark.journey]

LONDON = zoneinfo.ZoneInfo("Europe/London")
VOLUNTEER = "carys.whitlow@example.org"


def recent_date_with_day_equal_to_month():
    day = datetime.datetime.now(LONDON).date()
    while day.day != day.month:
        day -= datetime.timedelta(days=1)
    return day


def test_volunteer_writes_minutes_with_the_keyboard_alone(new_page):
    j = Journey(6, "keyboard only minutes")
    page = new_page()
    code = people.backup_code(VOLUNTEER)

    # Log in: Tab into each field, type, Enter.
    page.goto("/login/")
    tab_to(page, "E-mail address", tag="input")
    type_text(page, VOLUNTEER)
    tab_to(page, "Password", tag="input")
    type_text(page, people.PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    # The code field has focus on arrival (autofocus).
    assert focused(page)["name"].startswith("Code"), focused(page)
    type_text(page, code)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello, Carys")
    j.see(page, "my circles")

    # Log a phone call, then write its minutes.
    tab_to(page, "Log a contact for Tuesday circle", tag="a")
    page.keyboard.press("Enter")
    j.see(page, "log a contact", heading="Log a contact")
    # Typed segment by segment, as a keyboard user does. The browser's locale decides
    # the order of the segments (day/month or month/day, 12 or 24 hours), so the date
    # has its day equal to its month and the time is in the morning: the same keys
    # are right in any order.
    day = recent_date_with_day_equal_to_month()
    hour, minute = 1 + secrets.randbelow(11), secrets.randbelow(60)
    tab_to(page, "Phone call", tag="input")
    page.keyboard.press("Space")
    tab_to(page, "Date", tag="input")
    type_text(page, day.strftime("%d%m%Y"))
    tab_to(page, "Time (UK time)", tag="input")
    type_text(page, f"{hour:02d}{minute:02d}A")
    assert page.get_by_label("Date").input_value() == day.isoformat()
    assert page.get_by_label("Time (UK time)").input_value() == f"{hour:02d}:{minute:02d}"
    tab_to(page, "Log it and write the minutes", tag="button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Minutes: Tuesday circle")
    j.see(page, "minutes form")

    # Did he come: arrow keys move within a radio group.
    tab_to(page, "Attended", tag="input")
    page.keyboard.press("Space")
    tab_to(page, "What happened", tag="textarea")
    type_text(page, "A short call about his week. He sounded flat. (Fictional e2e minutes.)")
    # Low mood: from "Not seen", two steps right is "1 Some".
    tab_to(page, "Not seen", tag="input")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    low_mood = page.get_by_role("group", name="Low mood")
    expect(low_mood.get_by_role("radio", name="1 Some")).to_be_checked()

    # A concern: the checkbox opens the concern fields.
    tab_to(page, "I want to raise a concern", tag="input")
    page.keyboard.press("Space")
    expect(page.get_by_label("What is the concern about?")).to_be_visible()
    tab_to(page, "What is the concern about?", tag="select")
    type_text(page, "Wellbeing")  # typing selects the matching option
    expect(page.get_by_label("What is the concern about?")).to_have_value("WELLBEING")
    tab_to(page, "Amber", tag="input")
    page.keyboard.press("Space")
    tab_to(page, "What happened, in your own words", tag="textarea")
    type_text(page, "He said he has stopped going to the gym and sleeps most of the day.")
    j.shot(page, "filled in by keyboard")
    tab_to(page, "Submit to coordinator", tag="button")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Wellbeing")
    j.message(page, "the minutes are with the coordinator")
    j.see(page, "submitted", text="He said he has stopped going to the gym")
