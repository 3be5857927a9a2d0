"""The PDF's risk charts draw each colour's dots as one path; the page keeps its tooltips.

A year of weekly ratings is hundreds of dots: as an SVG element each (with a tooltip),
they cost WeasyPrint most of the document's time. No timing here: the shape of what is
drawn is what is pinned.
"""

import datetime
import re

from django.template.loader import render_to_string
from django.utils import timezone

from circles import risk
from circles.risk import chart, find_rises
from reports import documents as report_documents
from reports.meeting_report import _dots_path

GEOMETRY = {
    "width": risk.CHART_WIDTH,
    "height": risk.CHART_HEIGHT,
    "pad_left": risk.CHART_PAD_LEFT,
    "right": risk.CHART_WIDTH - risk.CHART_PAD_RIGHT,
}


def _year_of_ratings():
    """The sample report with seven indicators rated weekly for a year."""
    report = report_documents.sample_report("mappa")
    start = timezone.make_aware(datetime.datetime(2025, 12, 1))
    indicators = []
    for n in range(7):
        points = [
            (start + datetime.timedelta(days=7 * week), (week * (n + 1) // 5) % 4)
            for week in range(52)
        ]
        rises = find_rises(points)
        drawn = chart(points, rises, start, start + datetime.timedelta(days=365))
        drawn["dot_path"] = _dots_path(d for d in drawn["dots"] if not d["rise"])
        drawn["rise_path"] = _dots_path(d for d in drawn["dots"] if d["rise"])
        indicators.append(
            {**report["risk"]["indicators"][0], "label": f"Indicator {n}", "chart": drawn}
        )
    report["risk"] = {"indicators": indicators, "ratings": 52}
    return report


def test_the_pdf_draws_a_path_per_colour_and_no_element_per_dot():
    report = _year_of_ratings()
    html = render_to_string(
        "reports/meeting_report_pdf.html", {"report": report, "chart": GEOMETRY}
    )
    assert "<circle" not in html
    assert html.count("<title>") == 1  # the document's own, in its head
    assert html.count("<svg") == 7
    dots = sum(len(i["chart"]["dots"]) for i in report["risk"]["indicators"])
    assert dots == 7 * 52
    drawn = re.findall(r'<path d="([^"]+)"[^>]*stroke-linecap="round"', html)
    assert 7 <= len(drawn) <= 14
    # Every dot is in a path, once.
    assert sum(path.count("M") for path in drawn) == dots
    # Each chart keeps its words for a screen reader.
    assert html.count('role="img" aria-label="Indicator') == 7


def test_the_page_keeps_a_circle_and_tooltip_per_dot():
    report = _year_of_ratings()
    html = render_to_string(
        "reports/_meeting_report_body.html", {"report": report, "chart": GEOMETRY}
    )
    assert html.count("<circle") == 7 * 52
    assert html.count("<title>") == 7 * 52
