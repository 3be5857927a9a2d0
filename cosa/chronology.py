"""What an app contributes to a Core Member's chronology.

The chronology app (top layer) collects entries from each app's source. A source is a
module with ``KINDS`` (its kinds' machine names and labels, for the page's filter) and
a callable ``entries(core_member, user, window=EVERYTHING) -> Iterable[Entry]`` that:

- makes a fixed number of queries whatever the number of rows (one per kind), never
  one per row, and none for a kind the window leaves out;
- applies the viewer's role rules itself (DESIGN §4): a liaison gets only what was
  shared with them, the circle's status and attendance dates; a volunteer only their
  circle's meetings and the briefing; coordinators and managers everything;
- returns entries for that one Core Member only.

``window`` says which kinds and dates the page asks for; a source may ignore it (the
chronology app filters every entry again) but a source with many rows (meetings) keeps
its query to the window and to ``window.meeting_limit`` rows.

It lives here, in the bottom layer, so every app can build entries without importing
the chronology app.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    F,
    IntegerField,
    Q,
    TextField,
    Value,
)
from django.db.models.functions import Cast
from django.utils import timezone

# Five years of weekly meetings are about 260: the page shows the latest this many in
# the dates asked for, and says where it stopped.
MEETING_LIMIT = 100


@dataclass(frozen=True)
class Entry:
    """One dated line of a Core Member's story."""

    at: datetime.datetime  # aware; when it happened
    kind: str  # machine name of the kind, e.g. "meeting", "concern", "document"
    title: str  # what happened, in words, e.g. "Meeting held (attended)"
    detail: str = ""  # a short line more, already filtered for the viewer
    url: str = ""  # the object's page, when the viewer may open it
    # Set on the one entry that stands where a capped kind stopped (older rows exist).
    truncated: bool = False


def on_day(day: datetime.date) -> datetime.datetime:
    """A date-only event as an aware moment: the start of that day in local time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass(frozen=True)
class Window:
    """The kinds and the local dates (both inclusive) a chronology page asks for."""

    since: datetime.date | None = None
    until: datetime.date | None = None
    kinds: frozenset | None = None  # None: every kind
    meeting_limit: int = MEETING_LIMIT

    def wants(self, *kinds: str) -> bool:
        """Whether any of ``kinds`` is asked for (a query serving none of them is skipped)."""
        return self.kinds is None or any(kind in self.kinds for kind in kinds)

    def _end(self):
        # The first moment after ``until``; None past the calendar's last day.
        if self.until is None or self.until >= datetime.date.max:
            return None
        return on_day(self.until + datetime.timedelta(days=1))

    def days(self, field: str) -> Q:
        """A filter keeping a date field's rows to the window's dates."""
        q = Q()
        if self.since is not None:
            q &= Q(**{f"{field}__gte": self.since})
        if self.until is not None:
            q &= Q(**{f"{field}__lte": self.until})
        return q

    def moments(self, field: str) -> Q:
        """A filter keeping a date-time field's rows to the window's (local) dates."""
        q = Q()
        if self.since is not None:
            q &= Q(**{f"{field}__gte": on_day(self.since)})
        end = self._end()
        if end is not None:
            q &= Q(**{f"{field}__lt": end})
        return q

    def contains(self, entry: Entry) -> bool:
        if not self.wants(entry.kind):
            return False
        if self.since is not None and entry.at < on_day(self.since):
            return False
        end = self._end()
        return end is None or entry.at < end


EVERYTHING = Window()


# A source with several kinds reads them in one query, UNION ALL of one shape: the
# kind, a key (the row's pk, or the object its page is for), four dates, three
# moments, two numbers, a flag and eight texts; each kind fills what it has, the rest is NULL.
SHAPE = {
    "key": IntegerField(),
    "day": DateField(),
    "day_2": DateField(),
    "day_3": DateField(),
    "day_4": DateField(),
    "moment": DateTimeField(),
    "moment_2": DateTimeField(),
    "moment_3": DateTimeField(),
    "n_1": IntegerField(),
    "n_2": IntegerField(),
    "flag": BooleanField(),
    "t_1": TextField(),
    "t_2": TextField(),
    "t_3": TextField(),
    "t_4": TextField(),
    "t_5": TextField(),
    "t_6": TextField(),
    "t_7": TextField(),
    "t_8": TextField(),
}


def shaped(rows, kind, **columns):
    """``rows`` (a queryset) in the common shape: ``columns`` maps SHAPE's names to
    field paths; ``kind`` is the value of each row's ``src``."""
    unknown = set(columns) - set(SHAPE)
    if unknown:
        raise ValueError(f"Not in the chronology's shape: {sorted(unknown)}")
    values = {"src": Value(kind, output_field=CharField())}
    for name, output in SHAPE.items():
        field = columns.get(name)
        # NULL is cast to the column's type: PostgreSQL resolves a UNION's columns two
        # parts at a time, and two bare NULLs make text, which no later smallint or
        # date matches. Typed, the union's converters (the first part's) read every row.
        values[name] = F(field) if field is not None else Cast(Value(None), output_field=output)
    return rows.order_by().annotate(**values).values("src", *SHAPE)


def union_rows(parts):
    """The rows of every part (``shaped`` querysets) in one query, grouped by kind."""
    if not parts:
        return {}
    first, *others = parts
    by_kind = {}
    for row in first.union(*others, all=True) if others else first:
        by_kind.setdefault(row["src"], []).append(row)
    return by_kind
