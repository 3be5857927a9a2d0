"""Journey 5: a manager opens a report and downloads its CSV."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from e2e.support import people
from e2e.support.journey import Journey

pytestmark = [pytest.mark.e2e, pytest.mark.journey]


def test_manager_opens_a_report_and_downloads_a_csv(new_page, logins):
    j = Journey(5, "manager report csv")
    page = new_page()
    logins.log_in(page, people.MANAGER, method="totp", shoot=j.shot)
    j.see(page, "reports")
    page.get_by_role("navigation", name="Reports").get_by_role("link", name="Safety").click()
    j.see(page, "safety report")
    page.get_by_label("Coordinator", exact=True).select_option(label="Tomasz Brennan")
    page.get_by_role("button", name="Show").click()
    j.see(page, "safety report for one coordinator", heading="Safety", text="Tomasz Brennan")
    table = page.get_by_role("table", name="Concerns raised in the period, by severity")
    expect(table.get_by_role("row", name=re.compile(r"^Red \d"))).to_be_visible()
    with page.expect_download() as caught:
        page.get_by_role(
            "link", name="Download CSV of concerns raised in the period, by severity"
        ).click()
    download = caught.value
    assert download.suggested_filename.endswith(".csv"), download.suggested_filename
    path = download.path()
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0][:2] == ["Severity", "Raised"], rows[0]
    red = next(row for row in rows if row and row[0] == "Red")
    assert int(red[1]) >= 1, red
    print(f"journey 5 downloaded {download.suggested_filename}: Red {red[1:]}")
