"""The dynamic-risk ratings' chart as a PNG, for the Word reports.

Word has no SVG that every reader opens, so the Word documents carry the chart the page
and the PDF draw in SVG (templates/reports/_risk_chart.html) as a picture drawn here with
Pillow, from the same coordinates (circles.risk.chart), with alt text saying what it
shows. It draws values and dates only: no name reaches it.
"""

import io

from PIL import Image, ImageDraw, ImageFont

from circles.risk import CHART_HEIGHT, CHART_PAD_LEFT, CHART_PAD_RIGHT, CHART_WIDTH

# Drawn at twice the SVG's size so that it prints sharply at 16 cm wide.
SCALE = 2
LABEL_HEIGHT = 22
COLUMNS = 2
WIDTH_MM = 160
_BLUE = (29, 79, 145)
_RED = (176, 42, 55)
_GRID = (206, 212, 218)
_TEXT = (73, 80, 87)
_MUTED = (108, 117, 125)


def _font(size):
    return ImageFont.load_default(size=size * SCALE)


def risk_chart_png(indicators):
    """One picture of every indicator's small chart, two to a row; PNG bytes."""
    panel_w, panel_h = CHART_WIDTH, CHART_HEIGHT + LABEL_HEIGHT
    rows = max(1, -(-len(indicators) // COLUMNS))
    image = Image.new("RGB", (COLUMNS * panel_w * SCALE, rows * panel_h * SCALE), "white")
    draw = ImageDraw.Draw(image)
    label_font, tick_font, note_font = _font(14), _font(12), _font(14)
    for index, indicator in enumerate(indicators):
        left = (index % COLUMNS) * panel_w
        top = (index // COLUMNS) * panel_h

        def point(x, y, left=left, top=top):
            return ((left + x) * SCALE, (top + LABEL_HEIGHT + y) * SCALE)

        draw.text(((left + 4) * SCALE, (top + 2) * SCALE), indicator["label"], _TEXT, label_font)
        drawn = indicator.get("chart") or {}
        for line in drawn.get("grid", []):
            draw.line(
                [point(CHART_PAD_LEFT, line["y"]), point(CHART_WIDTH - CHART_PAD_RIGHT, line["y"])],
                fill=_GRID,
                width=SCALE,
            )
            draw.text(
                point(CHART_PAD_LEFT - 8, line["y"]), str(line["value"]), _TEXT, tick_font, "rm"
            )
        dots = drawn.get("dots", [])
        if len(dots) > 1:
            draw.line(
                [point(dot["x"], dot["y"]) for dot in dots],
                fill=_BLUE,
                width=round(2.5 * SCALE),
                joint="curve",
            )
        for dot in dots:
            radius = (6 if dot["rise"] else 3.5) * SCALE
            x, y = point(dot["x"], dot["y"])
            draw.ellipse(
                [x - radius, y - radius, x + radius, y + radius],
                fill=_RED if dot["rise"] else _BLUE,
            )
        if not dots:
            draw.text(
                point(CHART_WIDTH / 2, 70), "Not rated in the period", _MUTED, note_font, "mm"
            )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def risk_chart_alt_text(indicators):
    """What the picture shows, in words: each indicator's movement over the period."""
    parts = []
    for indicator in indicators:
        if indicator.get("observed"):
            parts.append(
                f"{indicator['label']}: {indicator['observed']} rating"
                f"{'' if indicator['observed'] == 1 else 's'}, first {indicator['first']}, "
                f"last {indicator['last']}, highest {indicator['highest']} "
                f"({indicator['movement']})"
            )
        else:
            parts.append(f"{indicator['label']}: not rated")
    return (
        "Chart of the dynamic-risk ratings in the period, 0 none to 3 serious concern. "
        + "; ".join(parts)
        + "."
    )
