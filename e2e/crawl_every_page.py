"""axe-core on every page each role can reach by following links from its start page.

Breadth-first from the role's start page, same origin, GET only, a few levels deep.
Log-out, downloads (CSV, JSON, documents, media) and the keep-alive ping are not
followed. Pages that differ only in their numbers (/circles/3/ and /circles/7/) are
one kind of page: at most PER_SHAPE of each kind are checked, so the crawl covers
every kind of page without visiting every record. The volunteer crawls on a phone.
"""

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest

from e2e.support import axe, people

pytestmark = [pytest.mark.e2e]

DEPTH = 4
PER_SHAPE = 2
MAX_PAGES = 150
PHONE_WIDTH = 375
SKIP = re.compile(
    r"/logout/|/session/keepalive/|\.csv|\.json|\.pdf|\.docx|\.ics|/documents/\d+/|/receipt/|"
    r"/scan/|^/media/|^/static/"
)
ROLES = [
    ("manager", people.MANAGER, False),
    ("coordinator", people.COORDINATOR, False),
    ("volunteer", "alys.penrose@example.org", True),
    ("liaison", people.LIAISON, False),
]
LINKS_JS = """
() => Array.from(document.querySelectorAll('a[href]'))
  .filter(a => !a.hasAttribute('download'))
  .map(a => a.href)
"""


def shape(path):
    """The kind of page: numbers blanked, query values dropped (their names kept)."""
    parts = urlsplit(path)
    keys = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(keys) if keys else "")


@pytest.mark.parametrize(("role", "email", "phone"), ROLES, ids=[r[0] for r in ROLES])
def test_every_page_a_role_can_reach_passes_axe(new_page, logins, base_url, role, email, phone):
    page = new_page(phone=phone)
    logins.log_in(page, email)
    start = page.url[len(base_url) :]
    queue = deque([(start, 0)])
    seen_paths = {start}
    per_shape = {}
    problems, errors, not_found = [], [], []
    checked = 0
    while queue and checked < MAX_PAGES:
        path, depth = queue.popleft()
        kind = shape(path)
        if per_shape.get(kind, 0) >= PER_SHAPE:
            continue
        response = page.goto(path)
        status = response.status if response else 0
        if status >= 500:
            errors.append(f"{status} {path}")
            continue
        if status >= 400:
            not_found.append(f"{status} {path}")
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        per_shape[kind] = per_shape.get(kind, 0) + 1
        checked += 1
        found = axe.check(page, f"{role} crawl")
        problems += [f"{path}: {problem}" for problem in found]
        if phone:
            # Reflow (WCAG 1.4.10): nothing wider than the 375 px screen.
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE_WIDTH:
                problems.append(f"{path}: {width} px wide on a {PHONE_WIDTH} px phone")
        if depth >= DEPTH:
            continue
        for href in page.evaluate(LINKS_JS):
            href = urldefrag(href)[0]
            if not href.startswith(base_url):
                continue
            target = href[len(base_url) :] or "/"
            if SKIP.search(target) or target in seen_paths:
                continue
            seen_paths.add(target)
            queue.append((target, depth + 1))
    print(
        f"\n{role}: {checked} pages checked with axe, {len(per_shape)} kinds of page"
        + (f"; links refused: {not_found}" if not_found else "")
    )
    # A crawl that reached almost nothing (a login that landed nowhere) proves nothing.
    assert checked >= 3, f"{role}: only {checked} pages reached from {start}"
    assert not errors, f"{role}: server errors on {errors}"
    assert not problems, f"{role}: accessibility problems:\n" + "\n".join(problems)
