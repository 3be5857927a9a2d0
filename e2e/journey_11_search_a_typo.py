"""Journey 8: a coordinator searches with a typo and opens the Core Member, on a desktop
and at 375 px."""

import re

import pytest
from playwright.sync_api import expect

from e2e.support import axe, people
from e2e.support.journey import Journey

pytestmark = [pytest.mark.e2e, pytest.mark.journey]


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_coordinator_finds_a_core_member_despite_a_typo(new_page, logins, phone):
    j = Journey(8, f"search a typo {'phone' if phone else 'desktop'}")
    page = new_page(phone=phone)
    logins.log_in(page, people.COORDINATOR, shoot=j.shot)
    if phone:
        page.get_by_role("button", name="Show navigation").click()
    box = page.get_by_role("searchbox", name="Search Core Members, circles and volunteers")
    box.fill("Lowthr")
    box.press("Enter")
    j.see(page, "results", heading="Search", text="Del Lowther")
    axe.assert_accessible(page, "search results")
    results = page.get_by_role("region", name=re.compile(r"^Core Members"))
    results.get_by_role("link", name=re.compile(r"Lowther")).click()
    expect(page).to_have_url(re.compile(r"/core-members/\d+/\?from=search$"))
    j.see(page, "core member", text="Lowther")
    axe.assert_accessible(page, "core member from search")
