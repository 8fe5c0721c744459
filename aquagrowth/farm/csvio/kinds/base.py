"""What every kind of record does in the format: check a row, build a record, export rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone

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

    @property
    def name(self) -> str:
        return self.spec.name

    def key(self, row: Row) -> Key:
        return tuple(row[column] for column in self.spec.key)

    # -- stored records -------------------------------------------------------------

    def stored(self, batch_ids: set[int] | None) -> Iterable[tuple[Any, ...]]:
        """Stored records as ``(pk, value of each column in order)``, in a stable order;
        only those of ``batch_ids`` (and what they need) when given."""
        raise NotImplementedError

    def stored_rows(self, batch_ids: set[int] | None = None) -> Iterator[tuple[int, Row]]:
        """Stored records as rows, with empty optional cells as a parsed file gives them."""
        columns = self.spec.columns
        for pk, *values in self.stored(batch_ids):
            row = {
                column.name: column.cell.empty if value is None else value
                for column, value in zip(columns, values, strict=True)
            }
            yield pk, row

    # -- validation -----------------------------------------------------------------

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        """Report everything wrong with a row whose cells are valid one by one."""

    def accept(self, line: int, row: Row, catalogue: Catalogue) -> None:
        """Record what later rows must see of a valid row (``line`` is STORED for a stored one)."""

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


def origin(entry: Entry) -> str:
    return "already stored" if entry.line == STORED else f"given on line {entry.line}"
