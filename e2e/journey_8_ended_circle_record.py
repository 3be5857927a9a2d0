"""Journey 8: a coordinator reads an ended circle: who served, and no action left over."""

import pytest
from playwright.sync_api import expect

from e2e.support import people
from e2e.support.journey import Journey

pytestmark = [pytest.mark.e2e, pytest.mark.journey]


def test_coordinator_reads_an_ended_circle(new_page, logins, base_url):
    j = Journey(8, "ended circle record")
    page = new_page()
    logins.log_in(page, people.COORDINATOR, method="totp", shoot=j.shot)
    page.goto(f"{base_url}/circles/?status=ENDED")
    j.see(page, "ended circles", text="Monday circle")
    page.get_by_role("link", name="Monday circle").click()
    j.see(page, "ended circle", heading="Monday circle", text="Volunteers who served")
    main = page.locator("main")
    expect(main).not_to_contain_text("No volunteers matched yet")
    expect(main).not_to_contain_text("Versions and a new version")
    expect(page.get_by_role("link", name="Match volunteers")).to_have_count(0)
    expect(page.get_by_role("link", name="Meeting pattern")).to_have_count(0)
    expect(page.get_by_role("link", name="End membership")).to_have_count(0)
    print("journey 8 saw the ended Monday circle with who served and no stale actions")
