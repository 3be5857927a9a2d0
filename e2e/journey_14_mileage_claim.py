"""Journey 14: a volunteer claims mileage from a phone; the coordinator approves it."""

import secrets

import pytest
from playwright.sync_api import expect

from e2e.support import people
from e2e.support.journey import Journey

pytestmark = [pytest.mark.e2e]

VOLUNTEER = "alys.penrose@example.org"
STATE = {}


@pytest.mark.journey
def test_volunteer_on_a_phone_submits_a_mileage_claim(new_page, logins):
    j = Journey(14, "mileage claim")
    page = new_page(phone=True)
    logins.log_in(page, VOLUNTEER, shoot=j.shot)
    page.get_by_role("button", name="Show navigation").click()
    page.get_by_role("link", name="My expenses").click()
    j.see(page, "my expenses", heading="My expenses")
    page.get_by_role("link", name="Claim an expense").click()
    j.see(page, "claim form", heading="Claim an expense")
    # A different description each run, so the coordinator finds this one.
    description = f"Drive to the Tuesday meeting and back ({secrets.token_hex(3)})"
    page.get_by_role("radio", name="Mileage").check()
    page.get_by_label("For which circle").select_option(label="Tuesday circle")
    page.get_by_label("What it was for").fill(description)
    page.get_by_label("Miles driven (mileage)").fill("14.5")
    j.shot(page, "claim filled in")
    page.get_by_role("button", name="Submit claim").click()
    j.see(page, "claim submitted", heading="Mileage claim", text=description)
    j.message(page, "submitted to your coordinator")
    expect(page.locator("#claim-state")).to_contain_text("Submitted")
    # The phone layout: nothing wider than the 375 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    STATE["description"] = description


@pytest.mark.journey
def test_coordinator_approves_the_mileage_claim(new_page, logins):
    assert STATE.get("description"), "the volunteer's claim was not submitted"
    j = Journey(14, "mileage claim approved")
    page = new_page()
    logins.log_in(page, people.COORDINATOR, shoot=j.shot)
    page.get_by_role("link", name="Expenses").click()
    j.see(page, "claims to decide", heading="Expense claims to decide")
    page.get_by_role("link", name=f"Mileage: {STATE['description']}").click()
    j.see(page, "the claim", text=STATE["description"])
    page.get_by_role("radio", name="Approve").check()
    page.get_by_role("button", name="Record the decision").click()
    j.see(page, "queue after deciding", heading="Expense claims to decide")
    j.message(page, "Claim decided.")
    expect(page.get_by_role("link", name=f"Mileage: {STATE['description']}")).to_have_count(0)
