"""What an app contributes to a Core Member's chronology.

The chronology app (top layer) collects entries from each app's source. A source is a
callable ``entries(core_member, user) -> Iterable[Entry]`` that:

- makes a fixed number of queries whatever the number of rows (one per kind), never
  one per row;
- applies the viewer's role rules itself (DESIGN §4): a liaison gets only what was
  shared with them, the circle's status and attendance dates; a volunteer only their
  circle's meetings and the briefing; coordinators and managers everything;
- returns entries for that one Core Member only.

It lives here, in the bottom layer, so every app can build entries without importing
the chronology app.
"""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Entry:
    """One dated line of a Core Member's story."""

    at: datetime  # aware; when it happened
    kind: str  # machine name of the kind, e.g. "meeting", "concern", "document"
    title: str  # what happened, in words, e.g. "Meeting held (attended)"
    detail: str = ""  # a short line more, already filtered for the viewer
    url: str = ""  # the object's page, when the viewer may open it
