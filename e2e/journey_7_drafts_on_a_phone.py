"""Journey 7: a volunteer writing minutes on a phone keeps the session by typing, and
loses nothing to the idle logout (a second live server whose sessions end after one
idle minute, the shortest the settings allow)."""

import datetime
import secrets
import time
import zoneinfo

import pytest
from playwright.sync_api import expect

from e2e.conftest import FIGURES, SHORT_IDLE_SECONDS
from e2e.support import people
from e2e.support.journey import Journey

pytestmark = [pytest.mark.e2e, pytest.mark.journey]

LONDON = zoneinfo.ZoneInfo("Europe/London")
VOLUNTEER = "bernard.fairlie@example.org"
WORDS = [
    "Met",
    "Del",
    "at",
    "the",
    "library;",
    "fictional",
    "e2e",
    "minutes",
    "typed",
    "slowly",
    "on",
    "a",
    "phone.",
]


def server_draft(path):
    from formpages.models import Draft

    draft = Draft.objects.filter(author__email=VOLUNTEER, path=path).first()
    return draft.data if draft else None


def test_typing_keeps_the_session_and_the_idle_logout_keeps_the_text(new_page, short_idle_url):
    j = Journey(7, "drafts on a phone")
    page = new_page(phone=True, url=short_idle_url)
    people_logins = people.Logins()
    people_logins.log_in(page, VOLUNTEER, shoot=j.shot)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello, Bernard")

    # A phone call logged just now, then its minutes.
    page.get_by_role("link", name="Log a contact for Tuesday circle").click()
    called = datetime.datetime.now(LONDON) - datetime.timedelta(minutes=20 + secrets.randbelow(900))
    page.get_by_role("radio", name="Phone call").check()
    page.get_by_label("Date").fill(called.strftime("%Y-%m-%d"))
    page.get_by_label("Time (UK time)").fill(called.strftime("%H:%M"))
    page.get_by_role("button", name="Log it and write the minutes").click()
    j.see(page, "minutes form", heading="Minutes: Tuesday circle")
    minutes_path = page.url.split("://", 1)[1].split("/", 1)[1]
    minutes_path = "/" + minutes_path.split("?", 1)[0]

    # Type a word every five seconds for longer than the idle limit: real key presses.
    autosaves, keepalives = [], []
    page.on(
        "request",
        lambda r: (
            autosaves.append(r.url)
            if r.headers.get("x-cosa-draft") == "save"
            else keepalives.append(r.url)
            if "/session/keepalive/" in r.url
            else None
        ),
    )
    box = page.get_by_role("textbox", name="What happened*")
    typed = ""
    started = time.monotonic()
    index = 0
    while time.monotonic() - started < SHORT_IDLE_SECONDS + 15:
        word = WORDS[index % len(WORDS)] + " "
        box.press_sequentially(word, delay=40)
        typed += word
        index += 1
        page.wait_for_timeout(5_000)
    typing_s = time.monotonic() - started
    FIGURES.append(
        f"drafts: {len(autosaves)} autosaves and {len(keepalives)} keep-alives in "
        f"{typing_s:.0f} s of typing ({len(autosaves) / typing_s * 60:.1f} autosaves a minute)"
    )
    assert "/login/" not in page.url, "typing did not keep the session alive"
    assert keepalives, "typing sent no keep-alive"
    expect(page.get_by_text("Autosaved at")).to_be_visible()
    assert (server_draft(minutes_path) or {}).get("summary", "").strip() == typed.strip()
    j.shot(page, "still logged in after typing past the idle limit")

    # Now stop: the page saves once more and goes to the login page, which says why.
    page.wait_for_url("**/login/**", timeout=(SHORT_IDLE_SECONDS + 30) * 1000)
    expect(page.get_by_role("status")).to_contain_text("logged out after 1 idle minute")
    j.shot(page, "idle logout says why")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # Log in again from here: back on the minutes, with the text where it was.
    page.get_by_label("E-mail address").fill(VOLUNTEER)
    page.get_by_label("Password").fill(people.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill(people.backup_code(VOLUNTEER))
    page.get_by_role("button", name="Continue").click()
    j.see(page, "minutes restored", heading="Minutes: Tuesday circle")
    expect(page.get_by_role("textbox", name="What happened*")).to_have_value(typed)
    expect(page.get_by_text("kept what you were typing")).to_be_visible()

    # Sent once, whatever the thumb does; the draft goes with the submission.
    page.get_by_role("radio", name="Attended", exact=True).check()
    page.get_by_role("button", name="Submit to coordinator").dblclick()
    j.message(page, "the minutes are with the coordinator")
    assert server_draft(minutes_path) is None
