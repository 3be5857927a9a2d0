"""Dynamic-risk ratings over time: which ratings rose, and the small charts that show them.

A rise is a rating reaching 3, or one at least ``RISE_BY`` above the lowest rating of
the ``RISE_WINDOW`` before it. The coordinator's dashboard lists recent rises across
their circles; the trend page charts one Core Member's year.
"""

import datetime
from types import SimpleNamespace

from circles.forms.minutes import RISK_SHORT_LABELS
from circles.models import MeetingNote

RISE_WINDOW = datetime.timedelta(days=28)
RISE_BY = 2
TREND_DAYS = 365


def find_rises(points):
    """Rises in a series of ``(date, value)`` (value 0–3 or None), oldest first.

    A rise is a rating reaching 3, or a rating at least ``RISE_BY`` above the lowest
    rating in the ``RISE_WINDOW`` before it. Returns ``{index: (from_value, reason)}``.
    """
    rises = {}
    previous = None
    for index, (when, value) in enumerate(points):
        if value is None:
            continue
        window = [v for d, v in points[:index] if v is not None and when - RISE_WINDOW <= d < when]
        if window and value - min(window) >= RISE_BY:
            rises[index] = (min(window), f"up {value - min(window)} in 4 weeks")
        elif value == 3 and (previous is None or previous < 3):
            rises[index] = (previous, "reached 3")
        previous = value
    return rises


def trend_notes(notes):
    return (
        notes.exclude(status=MeetingNote.Status.DRAFT)
        .select_related("meeting")
        .order_by("meeting__starts_at", "pk")
    )


def recent_rises(circles, now):
    """Rises in the last four weeks across the user's open circles (one query).

    Rows as plain values, not model instances: the scan reads a few columns of every
    rating in eight weeks across the caseload, and each rise shows only its circle's
    name and Core Member reference (one small object per circle, shared by its rises).
    """
    since = now - RISE_WINDOW * 2
    rows = trend_notes(
        MeetingNote.objects.filter(
            meeting__circle__in=circles.open(), meeting__starts_at__gte=since
        )
    ).values(
        *MeetingNote.RISK_FIELDS,
        "meeting__starts_at",
        "meeting__circle_id",
        "meeting__circle__name",
        "meeting__circle__core_member_id",
        "meeting__circle__core_member__reference",
    )
    by_circle = {}
    for row in rows:
        circle_id = row["meeting__circle_id"]
        if circle_id not in by_circle:
            circle = SimpleNamespace(
                pk=circle_id,
                id=circle_id,
                name=row["meeting__circle__name"],
                core_member_id=row["meeting__circle__core_member_id"],
                core_member=SimpleNamespace(
                    pk=row["meeting__circle__core_member_id"],
                    reference=row["meeting__circle__core_member__reference"],
                ),
            )
            by_circle[circle_id] = (circle, [])
        by_circle[circle_id][1].append(row)
    found = []
    for circle, circle_rows in by_circle.values():
        for field in MeetingNote.RISK_FIELDS:
            points = [(row["meeting__starts_at"], row[field]) for row in circle_rows]
            for index, (_start, reason) in find_rises(points).items():
                if points[index][0] >= now - RISE_WINDOW:
                    found.append(
                        {
                            "circle": circle,
                            "label": RISK_SHORT_LABELS[field],
                            "when": points[index][0],
                            "value": points[index][1],
                            "reason": reason,
                        }
                    )
    return sorted(found, key=lambda rise: rise["when"], reverse=True)


CHART_WIDTH = 600
CHART_HEIGHT = 130
CHART_PAD_LEFT = 28
CHART_PAD_RIGHT = 12
CHART_PAD_Y = 14


def chart(points, rises, start, end):
    """Coordinates of one small line chart (a value 0–3 over time) for the SVG template."""
    span = max((end - start).total_seconds(), 1)
    inner_w = CHART_WIDTH - CHART_PAD_LEFT - CHART_PAD_RIGHT
    inner_h = CHART_HEIGHT - 2 * CHART_PAD_Y

    def x(when):
        return round(CHART_PAD_LEFT + inner_w * (when - start).total_seconds() / span, 1)

    def y(value):
        return round(CHART_PAD_Y + inner_h * (3 - value) / 3, 1)

    dots = [
        {
            "x": x(when),
            "y": y(value),
            "value": value,
            "when": when,
            "rise": index in rises,
            "reason": rises.get(index, (None, ""))[1],
        }
        for index, (when, value) in enumerate(points)
        if value is not None
    ]
    return {
        "dots": dots,
        "polyline": " ".join(f"{dot['x']},{dot['y']}" for dot in dots),
        "grid": [{"value": v, "y": y(v)} for v in range(4)],
    }


def trend(core_member, now):
    """The trend page's charts, table rows and rises for one Core Member, up to ``now``."""
    start = now - datetime.timedelta(days=TREND_DAYS)
    notes = list(
        trend_notes(
            MeetingNote.objects.filter(
                meeting__circle__core_member=core_member, meeting__starts_at__gte=start
            )
        )
    )
    if notes:
        start = min(start, notes[0].meeting.starts_at)
        start = max(start, notes[0].meeting.starts_at - datetime.timedelta(days=7))
    charts = []
    all_rises = []
    flagged = {}
    for field in MeetingNote.RISK_FIELDS:
        points = [(note.meeting.starts_at, getattr(note, field)) for note in notes]
        rises = find_rises(points)
        for index, (_from, reason) in rises.items():
            flagged[(index, field)] = reason
            all_rises.append(
                {
                    "label": RISK_SHORT_LABELS[field],
                    "when": points[index][0],
                    "value": points[index][1],
                    "reason": reason,
                }
            )
        charts.append(
            {
                "field": field,
                "label": RISK_SHORT_LABELS[field],
                "observed": sum(1 for _when, value in points if value is not None),
                **chart(points, rises, start, now),
            }
        )
    rows = [
        {
            "note": note,
            "cells": [
                {"value": getattr(note, field), "rise": flagged.get((index, field), "")}
                for field in MeetingNote.RISK_FIELDS
            ],
        }
        for index, note in enumerate(notes)
    ]
    rows.reverse()  # newest first in the table
    return {
        "charts": charts,
        "rows": rows,
        "rises": sorted(all_rises, key=lambda rise: rise["when"], reverse=True),
        "start": start,
        "end": now,
    }
