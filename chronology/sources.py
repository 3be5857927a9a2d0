"""The apps whose entries make up a Core Member's chronology, and their merging.

Each source is a module with ``KINDS`` and ``entries(core_member, user, window)``
(the contract in cosa/chronology.py). To add one, import it and name it in SOURCES.
"""

import inspect
from dataclasses import dataclass

from circles import chronology as circle_entries
from coreMembers import chronology as core_member_entries
from cosa.chronology import EVERYTHING, Entry, Window
from documents import chronology as document_entries
from loneworking import chronology as lone_working_entries
from outcomes import chronology as outcome_entries
from sharing import chronology as record_entries

SOURCES = (
    core_member_entries,
    circle_entries,
    record_entries,
    outcome_entries,
    document_entries,
    lone_working_entries,
)


def _takes_window(source):
    # A source written to the first form of the contract takes no window: the merge
    # below filters its entries to the window all the same.
    return "window" in inspect.signature(source.entries).parameters


def kinds():
    """Every kind's (machine name, label), in the sources' order."""
    return [kind for source in SOURCES for kind in getattr(source, "KINDS", ())]


@dataclass(frozen=True)
class Timeline:
    entries: list
    truncated: bool  # a capped kind stopped before the window's start


def collect(core_member, user, window: Window = EVERYTHING) -> Timeline:
    """Every source's entries the user may see, in the window, newest first."""
    found: list[Entry] = []
    for source in SOURCES:
        rows = (
            source.entries(core_member, user, window)
            if _takes_window(source)
            else source.entries(core_member, user)
        )
        found += [entry for entry in rows if window.contains(entry)]
    # Newest first; on one moment, the capped kind's marker last (it stands where it stopped).
    found.sort(key=lambda entry: (entry.at, not entry.truncated), reverse=True)
    return Timeline(entries=found, truncated=any(entry.truncated for entry in found))
