"""The shape of one CSV file of the format: its name, columns and natural key.

Each kind of record declares one :class:`FileSpec`; the reader, the writer and the
documentation all follow the same declaration, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from aquagrowth.farm.csvio.cells import Cell


@dataclass(frozen=True)
class Column:
    name: str
    cell: Cell
    doc: str = ""
    # An empty cell means "as stored" (a default when the record is new), so a file
    # sent again without it is the same record, not a conflict (a scenario's created_at).
    empty_keeps_stored: bool = False


@dataclass(frozen=True)
class FileSpec:
    """``key`` names the columns that identify a row (empty for events, which have none);
    ``also_unique`` lists further column sets that no two rows may share."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    also_unique: tuple[tuple[str, ...], ...] = ()

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


Record = tuple[int, list[str], dict[int, str] | None]
"""One row of a file as every reader gives it (CSV of either dialect, a workbook's sheet):
its line (the header is line 1), its cells as text, and the cells the file holds no
text for, by index, with the reason (an index past the header: the whole row). The cell
parsers and checks take it from there, whatever the file was."""
