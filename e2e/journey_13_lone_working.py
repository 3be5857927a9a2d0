"""Journey 13: a volunteer meeting their Core Member alone checks in from a phone, opens
the check-in link without logging in, and checks out (375 px)."""

import datetime
import re
import zoneinfo

import pytest
from playwright.sync_api import expect

from e2e.support.journey import Journey

pytestmark = [pytest.mark.e2e, pytest.mark.journey]

LONDON = zoneinfo.ZoneInfo("Europe/London")
VOLUNTEER = "bernard.fairlie@example.org"


def test_a_volunteer_checks_in_and_out_on_a_phone(new_page, logins):
    j = Journey(13, "lone working")
    page = new_page(phone=True)
    logins.log_in(page, VOLUNTEER, shoot=j.shot)
    page.get_by_role("button", name="Show navigation").click()
    page.get_by_role("link", name="Lone working").click()
    j.see(page, "my check-ins", heading="Lone working")
    page.get_by_role("link", name="Check in").click()
    j.see(page, "check-in form", heading="Check in", text="Call 999")

    page.get_by_role("radio", name="One-to-one contact").check()
    page.get_by_label("Where are you meeting?").fill("Fictional café, Mill Lane")
    end = datetime.datetime.now(LONDON) + datetime.timedelta(hours=2)
    page.get_by_label("When do you expect to finish?").fill(end.strftime("%H:%M"))
    phone = page.get_by_label("Your phone number")
    if not phone.input_value():
        phone.fill("07700 900456")
    page.get_by_role("button", name="Check in").click()
    expect(page).to_have_url(re.compile(r"/lone-working/link/[^/]+/$"))
    j.see(page, "checked in", heading="Your check-in", text=["999", "Fictional café"])
    link = page.url

    # The link works without a login (another browser, no cookies).
    other = new_page(phone=True)
    other.goto(link)
    j.see(other, "link without login", heading="Your check-in", text="I need help")
    other.get_by_role("button", name=re.compile("^Check out")).click()
    j.see(other, "checked out", heading="Your check-in", text="You checked out at")
    j.message(other, "You are checked out")
