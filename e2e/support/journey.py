"""Steps of a journey: what the user sees is asserted, each page screenshotted and axe-checked."""

import os
import re

from playwright.sync_api import expect

from e2e.conftest import SCREENSHOTS
from e2e.support import axe


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Journey:
    """``j.see(page, "step name", heading="…")``: the heading shows, then screenshot and axe."""

    def __init__(self, number, name):
        self.number = number
        self.name = name
        self.count = 0

    def shot(self, page, step):
        self.count += 1
        path = SCREENSHOTS / f"j{self.number}-{slug(self.name)}-{self.count:02d}-{slug(step)}.png"
        page.screenshot(path=str(path), full_page=True)
        if os.environ.get("E2E_EXPLORE"):
            print(f"===== {path.name} {page.url}\n{page.locator('main').aria_snapshot()}")
        return path

    def see(self, page, step, *, heading=None, text=None):
        if heading is not None:
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        if text is not None:
            for item in [text] if isinstance(text, str) else text:
                expect(page.locator("main")).to_contain_text(item)
        self.shot(page, step)
        axe.assert_accessible(page, f"journey {self.number}: {step}")

    def message(self, page, words):
        """A success/info message (Django messages) says ``words``."""
        messages = page.locator(".alert, [role=status], [role=alert]")
        expect(messages.filter(has_text=words).first).to_be_visible()
