"""What the import knows about the farm: stored records and rows of the files, by natural key.

Validation runs before anything is written, so a row may refer to a container that only
exists further up in ``containers.csv``. The catalogue therefore holds, per kind, every
natural key with where it comes from (stored, or a file line) and, once stored, its id.
Only kinds that other rows refer to (or that a repeated import could duplicate) are held;
event rows are streamed and never kept.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

STORED = 0
"""The ``line`` of an entry that is already in the database."""

Key = tuple[Any, ...]


@dataclass(slots=True)
class Entry:
    """One keyed record: ``line`` is its line in the file, or ``STORED``; ``id`` is its
    primary key once it is in the database; ``row`` its values by column name."""

    line: int
    id: int | None
    row: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Stay:
    """An assignment's days, ``arrival`` .. ``departure`` - 1 (open when departure is None)."""

    arrival: dt.date
    departure: dt.date | None
    line: int

    def covers(self, day: dt.date) -> bool:
        return self.arrival <= day and (self.departure is None or day < self.departure)

    def overlaps(self, other: Stay) -> bool:
        ends_after = other.departure is None or self.arrival < other.departure
        starts_before = self.departure is None or other.arrival < self.departure
        return ends_after and starts_before

    def describe(self) -> str:
        end = "open" if self.departure is None else f"until {self.departure}"
        where = "stored" if self.line == STORED else f"line {self.line}"
        return f"the stay from {self.arrival} ({end}, {where})"


@dataclass
class Catalogue:
    entries: dict[str, dict[Key, Entry]] = field(default_factory=dict)
    uniques: dict[tuple[str, tuple[str, ...]], dict[Key, int]] = field(default_factory=dict)
    stays: dict[tuple[str, str], list[Stay]] = field(default_factory=dict)
    broken: set[tuple[str, Key]] = field(default_factory=set)
    """Keys of rows that were reported bad: rows naming them are not reported again."""
    broken_stays: dict[tuple[str, str], list[Stay | None]] = field(default_factory=dict)
    """Per (batch, container), the days of assignment rows reported bad (None when their
    arrival did not parse): events there are not judged again."""
    broken_samples: set[Key] = field(default_factory=set)
    """Sample keys (as ``fish.csv`` names them) of growth-sample rows reported bad."""
    sample_days: Counter[Key] = field(default_factory=Counter)
    """Growth samples in the files per (batch, container, arrival, sample day)."""
    named: Any = None
    """What an import of rows in memory names (``importing.Named``): only those stored
    records are held; None for files, which may name anything."""

    def of(self, kind: str) -> dict[Key, Entry]:
        return self.entries.setdefault(kind, {})

    def get(self, kind: str, key: Key) -> Entry | None:
        return self.of(kind).get(key)

    def id_of(self, kind: str, key: Key) -> int:
        """The stored id of a key that validation has already found; only used when loading."""
        entry = self.of(kind)[key]
        assert entry.id is not None, f"{kind} {key} is not stored yet"
        return entry.id

    def stays_of(self, batch: str, container: str) -> list[Stay]:
        return self.stays.get((batch, container), [])

    def held_bad(self, batch: str, container: str, day: dt.date | None = None) -> bool:
        """A stay of a row reported bad may cover ``day`` (any day when None)."""
        for stay in self.broken_stays.get((batch, container), ()):
            if stay is None or day is None or stay.covers(day):
                return True
        return False

    def add_stay(self, batch: str, container: str, stay: Stay) -> None:
        self.stays.setdefault((batch, container), []).append(stay)
