"""Journeys 2-4: a volunteer's RED concern, from a phone to the outer circle."""

import datetime
import secrets
import zoneinfo

import pytest
from playwright.sync_api import expect

from e2e.support import people
from e2e.support.journey import Journey

pytestmark = [pytest.mark.e2e]

LONDON = zoneinfo.ZoneInfo("Europe/London")
VOLUNTEER = "alys.penrose@example.org"
# What one journey leaves for the next (they run in file order).
STATE = {}


@pytest.mark.journey
def test_volunteer_on_a_phone_submits_minutes_with_a_red_concern(new_page, logins):
    j = Journey(2, "volunteer minutes red concern")
    page = new_page(phone=True)
    logins.log_in(page, VOLUNTEER, shoot=j.shot)
    j.see(page, "my circles")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello, Alys")
    write = page.get_by_role("link", name="Write minutes for Tuesday circle")
    if write.count():
        write.first.click()  # the demo's phone call of yesterday
    else:
        # Already written up by an earlier run on this database: log a new phone call
        # first, as a volunteer does after an unplanned call.
        page.get_by_role("link", name="Log a contact for Tuesday circle").click()
        j.see(page, "log a contact", heading="Log a contact")
        # A different minute each run: one circle cannot have two calls at the same time.
        ago = datetime.timedelta(minutes=30 + secrets.randbelow(600))
        called = datetime.datetime.now(LONDON) - ago
        page.get_by_role("radio", name="Phone call").check()
        page.get_by_label("Date").fill(called.strftime("%Y-%m-%d"))
        page.get_by_label("Time (UK time)").fill(called.strftime("%H:%M"))
        page.get_by_role("button", name="Log it and write the minutes").click()
        j.message(page, "Contact logged")
    j.see(page, "minutes form", heading="Minutes: Tuesday circle")
    page.get_by_role("radio", name="Attended", exact=True).check()
    page.get_by_role("textbox", name="What happened*").fill(
        "Del rang after his sister's invitation. Talked about the family party on Saturday "
        "and his licence conditions. (Fictional e2e minutes.)"
    )
    page.get_by_role("group", name="Low mood").get_by_text("2 Marked").click()
    page.get_by_role("group", name="Relationship difficulties").get_by_text("3 Serious").click()
    page.get_by_role("checkbox", name="I want to raise a concern").check()
    j.see(page, "concern fields open")
    page.get_by_label("What is the concern about?").select_option(label="Risk behaviour")
    page.get_by_role("radio", name="Red: serious; the coordinator must know now").check()
    page.get_by_label("What happened, in your own words").fill(
        "Del says he will go to his sister's party on Saturday where her grandchildren will "
        "be, whatever probation says. (Fictional e2e concern.)"
    )
    j.shot(page, "minutes filled in")
    page.get_by_role("button", name="Submit to coordinator").click()
    j.see(page, "minutes submitted")
    j.message(page, "the minutes are with the coordinator")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Risk behaviour")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Red")
    expect(page.get_by_role("region", name="If someone is in danger now")).to_be_visible()
    # The phone layout: nothing wider than the 375 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    STATE["concern_path"] = page.url.split("://", 1)[1].split("/", 1)[1]


@pytest.mark.journey
def test_coordinator_triages_the_concern_into_a_shared_record(new_page, logins):
    assert STATE.get("concern_path"), "journey 2 did not raise a concern"
    j = Journey(3, "coordinator triage to shared record")
    page = new_page()
    logins.log_in(page, people.COORDINATOR, shoot=j.shot)
    j.see(page, "dashboard", heading="What needs you")
    triage = page.get_by_role("region", name="Concerns to triage")
    triage.locator(f'a[href="/{STATE["concern_path"]}"]').click()
    j.see(page, "concern")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Red")
    expect(page.locator("main")).to_contain_text("whatever probation says")
    page.get_by_label("Triage notes").fill(
        "Rang Del this morning: he accepts the party must be discussed with his offender "
        "manager. Sharing with probation and police on consent."
    )
    page.get_by_role("button", name="Share with the outer circle…").click()
    j.see(page, "compose shared record")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Share a record with the outer circle")
    summary = f"Intends to attend a family party with children present ({secrets.token_hex(3)})"
    page.get_by_label("Summary").fill(summary)
    page.get_by_label("Details").fill(
        "He told the circle he will go to a family party on Saturday where children under "
        "ten will be, whatever probation says. He agreed the circle shares this."
    )
    page.get_by_role("checkbox", name="Sandra Holloway (Northshire Probation").check()
    page.get_by_role("checkbox", name="Marcus Venn (Northshire Police").check()
    j.shot(page, "record filled in")
    page.get_by_role("button", name="Share", exact=True).click()
    j.see(page, "record shared", text=summary)
    STATE["record_summary"] = summary
    STATE["record_path"] = page.url.split("://", 1)[1].split("/", 1)[1]
    j.message(page, "Shared.")
    expect(page.locator("main")).to_contain_text("not yet acknowledged")
    page.get_by_role("link", name="a concern raised").click()
    j.see(page, "concern now shared", text="Shared")


@pytest.mark.journey
def test_liaison_acknowledges_the_shared_record(new_page, logins):
    assert STATE.get("record_path"), "journey 3 did not share a record"
    j = Journey(4, "liaison acknowledges")
    page = new_page()
    logins.log_in(page, people.LIAISON, shoot=j.shot)
    j.see(page, "shared records inbox", text=STATE["record_summary"])
    page.get_by_role("link", name=STATE["record_summary"]).click()
    j.see(page, "shared record", heading=STATE["record_summary"])
    # Liaisons never see minutes or volunteers' identities (DESIGN §4).
    expect(page.locator("main")).not_to_contain_text("Alys")
    expect(page.get_by_role("link", name="minutes")).to_have_count(0)
    page.get_by_label("Your response or the action you have taken").fill(
        "Thank you. Home visit booked for Friday; the party is now a licence matter and will "
        "be discussed with him before Saturday."
    )
    page.get_by_role("button", name="Acknowledge").click()
    j.see(page, "acknowledged", heading=STATE["record_summary"], text="Home visit booked")
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    page.get_by_role("link", name="← Records shared with me").click()
    row = page.get_by_role("row").filter(has_text=STATE["record_summary"])
    expect(row).to_contain_text("Acknowledged")
    j.see(page, "inbox after acknowledging", heading="Records shared with me")
