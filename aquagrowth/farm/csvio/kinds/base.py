"""What every kind of record does in the format: check a row, build a record, export rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone

from aquagrowth.farm.csvio import limits
from aquagrowth.farm.csvio.catalogue import STORED, Catalogue, Entry, Key
from aquagrowth.farm.csvio.format import FileSpec

Row = dict[str, Any]
Bad = Callable[[str, str], None]
"""Report a finding on the current row: ``bad(column, reason)``."""


def today() -> dt.date:
    """Today as a farm day (UTC)."""
    return timezone.now().date()


class Kind:
    """A kind of record: one CSV file of the format and one model.

    ``shared`` kinds (species, infrastructure, parameters) are the same across batches:
    a row identical to a stored one is accepted as already there, so a batch exported
    from one farm imports into another that has the same containers. ``referenced``
    kinds are looked up by other files, so their keys are kept in the catalogue.
    """

    spec: ClassVar[FileSpec]
    model: ClassVar[type[models.Model]]
    shared: ClassVar[bool] = False
    referenced: ClassVar[bool] = False
    weight_columns: ClassVar[tuple[str, ...]] = ()
    """Columns holding a fish's weight (g), bounded by the batch's species' limit."""
    identified: ClassVar[bool] = False
    """Events with an identity (``source``, ``external_id``; docs/data-in.md)."""
    date_column: ClassVar[str] = ""
    """An event's day (a reading's time): with the batch, where a repeat is looked for."""

    @property
    def name(self) -> str:
        return self.spec.name

    def key(self, row: Row) -> Key:
        return tuple(row[column] for column in self.spec.key)

    # -- stored records -------------------------------------------------------------

    def stored(self, batch_ids: set[int] | None, where: Q | None = None) -> Any:
        """Stored records as ``(pk, value of each column in order)``, in a stable order;
        only those of ``batch_ids`` (and what they need) when given, and only those
        ``where`` selects (events only)."""
        raise NotImplementedError

    def stored_rows(
        self, batch_ids: set[int] | None = None, where: Q | None = None
    ) -> Iterator[tuple[int, Row]]:
        """Stored records as rows, with empty optional cells as a parsed file gives them."""
        stored = self.stored(batch_ids) if where is None else self.stored(batch_ids, where)
        return self.as_rows(stored)

    def as_rows(self, stored: Any) -> Iterator[tuple[int, Row]]:
        """``(pk, row)`` of what :meth:`stored` gives (or a filtered queryset of it)."""
        columns = self.spec.columns
        for pk, *values in stored:
            row = {
                column.name: column.cell.empty if value is None else value
                for column, value in zip(columns, values, strict=True)
            }
            yield pk, row

    # -- validation -----------------------------------------------------------------

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        """Report everything wrong with a row whose cells are valid one by one."""

    def check_ranges(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        """Report numbers outside their plausible range that depend on other records
        (a weight on the batch's species); fixed ranges are the cells' own."""
        if not self.weight_columns:
            return
        species = species_of(catalogue, row["batch"])
        if species is not None:
            for column in self.weight_columns:
                check_weight(row[column], column, species, bad)

    def hold_bad(self, row: Row, catalogue: Catalogue) -> None:
        """Remember a row reported bad (``row`` holds the cells that did parse), so rows
        that name it are not reported again: one bad parent, one finding."""
        if self.spec.key and all(column in row for column in self.spec.key):
            catalogue.broken.add((self.name, self.key(row)))

    def accept(self, line: int, row: Row, catalogue: Catalogue) -> None:
        """Record what later rows must see of a valid row (``line`` is STORED for a stored one)."""

    # -- whole columns (blocks of rows, :mod:`..blocks`) --------------------------------

    columnar: ClassVar[bool] = False
    """Checked and loaded a block at a time (:meth:`check_columns`, :meth:`load_columns`)."""

    def check_columns(self, block: Any, catalogue: Catalogue) -> list[int]:
        """The rows of ``block`` (by index) that :meth:`check` and :meth:`check_ranges`
        must see, in order: every row that may be wrong. The others are known good, so
        a kind must flag a row whenever either check could report it or remember it."""
        return list(range(len(block)))

    def check_flagged(self, index: int, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        """The per-row checks of a row :meth:`check_columns` flagged (row ``index`` of
        its block)."""
        self.check(row, catalogue, bad)
        self.check_ranges(row, catalogue, bad)

    def load_columns(self, block: Any, catalogue: Catalogue) -> dict[str, list[Any]]:
        """The table's columns (by attname) for the rows of ``block``, ids resolved:
        what :meth:`build` gives, a column at a time."""
        raise NotImplementedError

    def touched_columns(self, block: Any) -> dict[str, dt.date]:
        """The first day of ``block`` per batch number (:meth:`touched` of every row)."""
        days: dict[str, dt.date] = {}
        columns = block.columns
        for number, day in zip(columns["batch"], columns[self.date_column], strict=True):
            if number not in days or day < days[number]:
                days[number] = day
        return days

    def before_storing(self) -> None:
        """Read what the checks need of the database before the import stores anything
        (it stores each file as it checks it, :func:`importing._import`)."""

    # -- loading --------------------------------------------------------------------

    def build(self, row: Row, catalogue: Catalogue) -> models.Model:
        raise NotImplementedError

    def touched(self, row: Row, catalogue: Catalogue) -> tuple[str, dt.date] | None:
        """The batch number and first day whose daily states this row can change."""
        return None

    def after_load(self, catalogue: Catalogue) -> None:
        """Finish what a bulk insert cannot do (e.g. links back to the new records)."""


def find(
    catalogue: Catalogue, kind: str, key: Key, column: str, label: str, bad: Bad
) -> Entry | None:
    """The entry of ``key``, or None after reporting that nothing has that key (unless its
    own row was reported bad: one typing error should give one report, not thousands)."""
    entry = catalogue.get(kind, key)
    if entry is None and (kind, key) not in catalogue.broken:
        shown = " / ".join(str(part) for part in key)
        bad(column, f"no {label} {shown!r} in the files or the database")
    return entry


def check_weight(value: float | None, column: str, species: str, bad: Bad) -> None:
    """A fish's weight is below its species' limit (``AQUAGROWTH_MAX_FISH_WEIGHT_G``)."""
    if value is None:
        return
    highest = limits.max_fish_weight_g(species)
    if value > highest:
        bad(column, f"{value:g} g is more than a fish of {species} weighs ({highest:g} g at most)")


def species_of(catalogue: Catalogue, batch: str) -> str | None:
    """The species of a batch the catalogue knows (None for an unknown batch)."""
    entry = catalogue.get("batches", (batch,))
    return None if entry is None else entry.row["species"]


def origin(entry: Entry) -> str:
    return "already stored" if entry.line == STORED else f"given on line {entry.line}"
