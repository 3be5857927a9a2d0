"""Server-drawn bar charts: geometry, and SVG that needs no script, style or CDN."""

from decimal import Decimal

from django.template.loader import render_to_string

from reports.queries import BAR_AREA, BAR_LEFT, Table


def test_bars_are_proportional_to_the_largest_value():
    table = Table("t", "Things", ["Thing", "Count"], [["A", 2], ["B", 4], ["C", 0]])
    bars = table.bars()
    # The largest (4) fills the bar area (230 units); 2 is half of it, 0 is nothing.
    assert [bar["width"] for bar in bars] == [BAR_AREA / 2, BAR_AREA, 0]
    assert [bar["y"] for bar in bars] == [0, 30, 60]
    assert bars[1]["value_x"] == BAR_LEFT + BAR_AREA + 6
    assert table.chart_height == 90


def test_a_table_of_zeros_or_without_a_chart_draws_safely():
    zeros = Table("z", "Zeros", ["Thing", "Count"], [["A", 0], ["B", 0]])
    assert [bar["width"] for bar in zeros.bars()] == [0, 0]
    assert Table("n", "None", ["Thing", "Count"], [["A", 1]], chart=None).bars() == []


def test_the_chart_sits_beside_its_table_as_the_text_alternative():
    table = Table(
        "hours",
        "Volunteer hours",
        ["Kind", "Hours"],
        [["Meetings", Decimal("1234.50")], ["Travel", Decimal("0.75")]],
        total=["Total", Decimal("1235.25")],
    )
    html = render_to_string("reports/_table.html", {"table": table, "prefix": "", "csv_url": ""})
    assert '<figure class="report-chart mb-0" aria-labelledby="hours-figcaption">' in html
    assert 'role="img" aria-labelledby="hours-chart-title" aria-describedby="hours-table"' in html
    assert '<table class="table table-sm report-table" id="hours-table">' in html
    assert "<caption>Volunteer hours</caption>" in html
    # Attributes are plain numbers even where the locale would group thousands.
    assert 'width="230.0"' in html and 'x="422.0"' not in html
    assert "<script" not in html and "style=" not in html and "http" not in html
