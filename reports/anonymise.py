"""The anonymised quarterly return: no names or references, small numbers suppressed.

Rules (the issue asks for counts below 5 to read "<5"):

* Primary suppression: every count from 0 to 4 is shown as ``<5``.
* Secondary suppression: each table of the return is a breakdown whose rows add
  up to a total row. When exactly one row is suppressed and the total is shown,
  the total minus the other rows would reveal it, so the smallest other row is
  withheld too and shown as ``*``. The total stays: it is the figure a funder
  needs.
* A derived figure (a rate or a median) is shown only when it rests on at least
  5 cases; otherwise it reads ``<5 cases``.
* Volunteer hours are not counts of people: they are shown to the whole hour.

Suppression works within each table. Two tables may share a total (for
example circles and their Core Members), which reveals no suppressed cell.
"""

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from reports.queries import REPORTS, Table, build

THRESHOLD = 5
SUPPRESSED = "<5"
WITHHELD = "*"
TOO_FEW = "<5 cases"


def suppress(cells, total=None):
    """(shown cells, shown total) for a breakdown of ``cells`` adding up to ``total``."""
    shown = [SUPPRESSED if cell < THRESHOLD else cell for cell in cells]
    shown_total = None
    if total is not None:
        shown_total = SUPPRESSED if total < THRESHOLD else total
        primary = [i for i, cell in enumerate(cells) if cell < THRESHOLD]
        others = [i for i in range(len(cells)) if i not in primary]
        if len(primary) == 1 and shown_total != SUPPRESSED and others:
            smallest = min(others, key=lambda i: cells[i])
            shown[smallest] = WITHHELD
    return shown, shown_total


def _counts(table):
    """One count column per table (the return uses one-dimensional breakdowns)."""
    cells = [row[1] for row in table.rows]
    shown, shown_total = suppress(cells, table.total[1] if table.total else None)
    rows = [[row[0], cell] for row, cell in zip(table.rows, shown, strict=True)]
    total = [table.total[0], shown_total] if table.total else None
    return replace(table, columns=table.columns[:2], rows=rows, total=total, chart=None)


def _figures(table):
    rows = []
    for label, value, base in table.rows:
        enough = base >= THRESHOLD
        rows.append(
            [
                label,
                (value if value is not None else "—") if enough else TOO_FEW,
                base if enough else SUPPRESSED,
            ]
        )
    return replace(table, rows=rows, chart=None)


def _hours(table):
    def whole(value):
        return int(Decimal(value).quantize(Decimal("1"), rounding=ROUND_HALF_UP))

    rows = [[row[0], whole(row[1])] for row in table.rows]
    total = [table.total[0], whole(table.total[1])]
    return replace(
        table, columns=[table.columns[0], "Hours (whole)"], rows=rows, total=total, chart=None
    )


def _follow_up(table):
    rows = [
        [row[0], *(SUPPRESSED if isinstance(c, int) and c < THRESHOLD else c for c in row[1:])]
        for row in table.rows
    ]
    return replace(table, rows=rows, chart=None)


def _column(table, slug, title, index, header):
    """A one-dimensional breakdown from one column of a wider table."""
    return Table(
        slug,
        title,
        [table.columns[0], header],
        [[row[0], row[index]] for row in table.rows],
        total=[table.total[0], table.total[index]],
    )


def _mappa_tables(table):
    by_category = Table(
        "core-members-by-mappa-category",
        "Core Members by MAPPA category",
        ["MAPPA category", "Core Members"],
        [[row[0], row[-1]] for row in table.rows],
        total=["Total", table.total[-1]],
    )
    by_level = Table(
        "core-members-by-mappa-level",
        "Core Members by MAPPA level",
        ["MAPPA level", "Core Members"],
        [[header, table.total[i]] for i, header in enumerate(table.columns[1:-1], start=1)],
        total=["Total", table.total[-1]],
    )
    return [by_category, by_level]


def _records_by_basis(table):
    shared, consent, override = table.total[1:4]
    return Table(
        "records-shared-by-basis",
        "Records shared with the outer circle, by legal basis",
        ["Legal basis", "Records"],
        [["Consent (sharing agreement)", consent], ["Public-protection override", override]],
        total=["Shared", shared],
    )


def return_tables(scope, period):
    """The tables of the quarterly return, before suppression."""
    reports = {slug: build(slug, scope, period) for slug in REPORTS}
    caseload, activity, safety = reports["caseload"], reports["activity"], reports["safety"]
    volunteers, outcomes = reports["volunteers"], reports["outcomes"]
    return [
        caseload.table("circles-by-state"),
        *_mappa_tables(caseload.table("core-members-by-mappa")),
        caseload.table("referrals"),
        caseload.table("referral-to-launch"),
        activity.table("group-meetings"),
        activity.table("other-contacts"),
        activity.table("attendance"),
        activity.table("volunteer-hours"),
        activity.table("activity-figures"),
        _column(safety.table("concerns"), "concerns", "Concerns raised, by severity", 1, "Raised"),
        _records_by_basis(safety.table("records-shared")),
        safety.table("safety-figures"),
        volunteers.table("volunteers-by-status"),
        volunteers.table("dbs"),
        volunteers.table("retention"),
        volunteers.table("volunteer-figures"),
        outcomes.table("ended-by-reason"),
        outcomes.table("outcome-figures"),
        outcomes.table("follow-up"),
        outcomes.table("follow-up-reconvictions"),
        outcomes.table("follow-up-rates"),
    ]


ANONYMISERS = {"counts": _counts, "figures": _figures, "hours": _hours, "follow-up": _follow_up}


def quarterly_return(scope, period):
    return [ANONYMISERS[table.kind](table) for table in return_tables(scope, period)]


def long_rows(tables):
    """Every cell of every table as one CSV row: table, row, column, value."""
    for table in tables:
        for row in table.all_rows():
            for header, cell in zip(table.columns[1:], row[1:], strict=True):
                yield [table.title, row[0], header, "" if cell is None else cell]
