"""Journey 1: a coordinator takes a referral all the way to a launched circle."""

import datetime

import pytest
from playwright.sync_api import expect

from e2e.support import people
from e2e.support.journey import Journey

pytestmark = [pytest.mark.e2e, pytest.mark.journey]

PROBATION = "Northshire Probation Delivery Unit (Northshire)"
POLICE = "Northshire Police Public Protection Unit (Northshire)"


def test_coordinator_takes_a_referral_to_a_launched_circle(new_page, logins):
    j = Journey(1, "referral to launched circle")
    page = new_page()
    logins.log_in(page, people.COORDINATOR, method="totp", shoot=j.shot)
    j.see(page, "dashboard", heading="What needs you")

    # A new referral from probation.
    stamp = datetime.datetime.now().strftime("%H%M%S")
    last_name = f"Marsh{stamp}"
    page.get_by_role("link", name="Core Members").click()
    page.goto("/core-members/referrals/")
    j.see(page, "referrals", heading="Referrals")
    page.get_by_role("link", name="New referral").click()
    j.see(page, "new referral form", heading="New referral")
    page.get_by_label("First name").fill("Keith")
    page.get_by_label("Last name").fill(last_name)
    page.get_by_label("Date of birth").fill("1971-04-12")
    page.get_by_label("Probation CRN").fill(f"X9{stamp[-5:]}")
    page.get_by_label("Referring agency").select_option(label=PROBATION)
    page.get_by_label("Referrer's name").fill("Sandra Holloway")
    page.get_by_label("Reason for referral").fill(
        "Released on licence last month to approved premises; isolated, no family contact. "
        "Motivated to live safely. (Fictional e2e referral.)"
    )
    page.get_by_role("button", name="Record referral").click()
    j.see(page, "referral recorded", heading=f"Keith {last_name}")
    page.get_by_role("button", name="Start assessment").click()
    j.see(page, "assessing", heading=f"Keith {last_name}")
    page.get_by_role("link", name="Accept…").click()
    j.see(page, "accept form")
    page.get_by_label("Note on the decision (optional)").fill("Suitable: motivated, isolated.")
    page.get_by_role("button", name="Accept referral").click()
    j.see(page, "accepted")
    page.get_by_role("link", name=f"Keith {last_name}").first.click()
    j.see(page, "core member record")
    page.get_by_role("link", name="Record a signed agreement").click()
    j.see(page, "sharing agreement form")
    page.get_by_role("checkbox", name=PROBATION).check()
    page.get_by_role("checkbox", name=POLICE).check()
    page.get_by_role("button", name="Record signed agreement").click()
    j.see(page, "agreement recorded", heading=f"Keith {last_name}")
    expect(page.get_by_text("No current agreement")).to_have_count(0)
    core_member_url = page.url

    # Form the circle. No page links to the form yet (reported to the lead): a link is
    # used when one appears, else its address.
    form_link = page.get_by_role("link", name="Form a circle")
    if form_link.count():
        form_link.first.click()
    else:
        page.goto(core_member_url.replace("/core-members/", "/circles/new/"))
    j.see(page, "form a circle", heading="Form a circle")
    circle_name = f"Friday circle {stamp}"
    page.get_by_label("Name").fill(circle_name)
    page.get_by_label("Weekday").select_option(label="Friday")
    page.get_by_label("Venue").fill("Community centre, room 2")
    page.get_by_role("button", name="Form the circle").click()
    j.see(page, "circle formed", heading=circle_name)
    j.message(page, "formed")
    page.get_by_role("link", name="Match volunteers").first.click()
    j.see(page, "match volunteers")
    for name, role in [
        ("Esther Kaminski", "Primary volunteer"),
        ("Desmond Oduya", "Volunteer"),
        ("Imogen Stroud", "Volunteer"),
    ]:
        page.get_by_label(f"Role of {name}").select_option(label=role)
        page.get_by_role("button", name=f"Add {name}").click()
        j.message(page, name)
    j.see(page, "three volunteers matched", text="3 of at most 6 volunteers matched")
    page.get_by_role("link", name=circle_name, exact=True).click()
    page.get_by_role("link", name="Covenant").first.click()
    j.see(page, "covenant form")
    page.get_by_label("Goals").fill(
        "Build a weekly routine; find voluntary work; keep every probation appointment; "
        "tell the circle about any new relationship."
    )
    page.get_by_role("button", name="Record as agreed").click()
    j.message(page, "Covenant version 1 agreed")
    j.see(page, "covenant agreed", text=["Met: A covenant is agreed", "Every condition is met"])
    page.get_by_role("link", name="Meeting pattern").first.click()
    j.see(page, "meeting pattern")
    page.get_by_label("Meeting time (UK time)").fill("19:00")
    page.get_by_label("Venue").fill("Community centre, room 3")
    page.get_by_role("button", name="Save the pattern").click()
    j.see(page, "pattern saved", text="Community centre, room 3")
    page.get_by_role("link", name="Launch the circle").click()
    j.see(page, "launch checklist")
    page.get_by_role("button", name="Launch the circle").click()
    j.see(page, "circle launched", heading=circle_name, text="Active")
    expect(page.locator("main")).not_to_contain_text("None scheduled.")
    j.message(page, "launched")
