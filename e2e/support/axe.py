"""axe-core in the page, and a tally of what it finds across the whole run.

axe.min.js comes from the axe-core npm package (e2e/package.json, installed by
`npm ci`); it is evaluated in the page by Playwright, never fetched from a CDN.
Playwright's evaluation is not an inline script, so the app's strict CSP stays on.
"""

import collections
import re
from pathlib import Path

AXE_JS = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING_IMPACTS = ("critical", "serious")
IMPACT_ORDER = ("critical", "serious", "moderate", "minor")

# Every visible form control must have an accessible name from a <label>,
# aria-labelledby or aria-label (a title or placeholder alone does not count).
UNLABELLED_JS = """
() => {
  const controls = document.querySelectorAll(
    'input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset])'
    + ':not([type=image]), select, textarea');
  const missing = [];
  for (const el of controls) {
    if (!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)) continue;
    const byLabel = el.labels && Array.from(el.labels).some(l => l.textContent.trim()
      || Array.from(l.querySelectorAll('img[alt]')).some(i => i.alt.trim()));
    const byAria = (el.getAttribute('aria-label') || '').trim();
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    const byLabelledby = ids.some(id => {
      const t = document.getElementById(id); return t && t.textContent.trim();
    });
    if (!(byLabel || byAria || byLabelledby)) {
      missing.push(el.outerHTML.slice(0, 160));
    }
  }
  return {count: controls.length, missing};
}
"""


def _shape(url):
    """A URL with its numbers blanked: /circles/12/ and /circles/7/ are one kind of page."""
    return re.sub(r"\d+", "N", url.split("#")[0])


class Results:
    def __init__(self):
        self.pages = 0
        self.urls = set()
        self.controls = 0
        self.by_impact = collections.Counter()
        self.failures = []  # (label, url, rule id, impact, help, node targets)
        self.unlabelled = []  # (label, url, html)
        self.minor_rules = collections.Counter()
        self.console_errors = []

    def record(self, label, url, violations, fields):
        self.pages += 1
        self.urls.add(url)
        self.controls += fields["count"]
        for violation in violations:
            impact = violation.get("impact") or "minor"
            self.by_impact[impact] += 1
            if impact in FAILING_IMPACTS:
                targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
                self.failures.append(
                    (label, url, violation["id"], impact, violation["help"], targets)
                )
            else:
                self.minor_rules[f"{violation['id']} ({impact})"] += 1
        for html in fields["missing"]:
            self.unlabelled.append((label, url, html))

    def report_lines(self):
        lines = []
        if self.minor_rules:
            lines.append(
                "axe moderate/minor findings (reported, not failing): "
                + ", ".join(f"{rule} x{count}" for rule, count in sorted(self.minor_rules.items()))
            )
        for label, url, rule, impact, help_text, targets in self.failures:
            lines.append(f"AXE {impact.upper()} {rule} on {url} [{label}]: {help_text} {targets}")
        for label, url, html in self.unlabelled:
            lines.append(f"UNLABELLED field on {url} [{label}]: {html}")
        for line in self.console_errors[:20]:
            lines.append(f"browser console error: {line}")
        return lines

    def summary(self, *, journeys):
        impacts = ", ".join(f"{impact} {self.by_impact.get(impact, 0)}" for impact in IMPACT_ORDER)
        serious = sum(self.by_impact.get(impact, 0) for impact in FAILING_IMPACTS)
        return (
            f"E2E SUMMARY: journeys passed {journeys}; pages checked with axe {self.pages} "
            f"({len(self.urls)} distinct URLs); form fields checked {self.controls}, "
            f"unlabelled {len(self.unlabelled)}; violations by impact: {impacts} "
            f"({serious} serious or critical)"
        )


RESULTS = Results()


def watch_console(page):
    def on_console(message):
        # A failed request is logged by on_response with its address; Chromium's own
        # favicon.ico request (pages without a <link rel=icon>) is not worth a line.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            RESULTS.console_errors.append(f"{page.url}: {message.text[:200]}")

    def on_response(response):
        if response.status >= 400 and response.request.resource_type != "document":
            RESULTS.console_errors.append(f"{page.url}: {response.status} for {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)


def check(page, label):
    """Run axe-core and the label check on the page as it is now; fail on serious/critical."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.map(String)}))}));
        }""",
        TAGS,
    )
    fields = page.evaluate(UNLABELLED_JS)
    path = page.url.split("://", 1)[-1].split("/", 1)[-1]
    url = "/" + path
    RESULTS.record(label, url, result, fields)
    bad = [v for v in result if v.get("impact") in FAILING_IMPACTS]
    problems = [
        f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in bad
    ] + [f"unlabelled field: {html}" for html in fields["missing"]]
    return problems


def assert_accessible(page, label):
    problems = check(page, label)
    assert not problems, f"accessibility problems on {page.url} ({label}):\n" + "\n".join(problems)


shape = _shape
