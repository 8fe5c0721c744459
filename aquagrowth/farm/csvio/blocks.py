"""Rows in blocks, a column at a time: the fast way through a file of millions of events.

A :class:`Block` holds a few thousand consecutive rows of one file as one list of
values per column (:mod:`.columns` parses them), so a check can run over a whole column
(a list comprehension, a numpy comparison) instead of once per row. Rows a column parser
or a column check flags are handed to the per-row code (:func:`reading.parse_numbered`,
``Kind.check``), which reports them in its own words: the findings are the same as the
per-row import's, by file, line and field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from aquagrowth.farm.csvio.columns import ColumnParser
from aquagrowth.farm.csvio.errors import ErrorLog
from aquagrowth.farm.csvio.format import FileSpec, Record
from aquagrowth.farm.csvio.reading import Row, parse_numbered

BLOCK_ROWS = 4096
"""Rows per block: long columns for the column checks, a few MB of memory."""


@dataclass
class Block:
    """Consecutive valid rows of one file: their lines and their values by column."""

    lines: list[int]
    columns: dict[str, list[Any]]

    def __len__(self) -> int:
        return len(self.lines)

    def row(self, index: int) -> Row:
        return {name: values[index] for name, values in self.columns.items()}

    def rows(self) -> Iterator[tuple[int, Row]]:
        names = list(self.columns)
        for line, values in zip(self.lines, zip(*self.columns.values(), strict=True), strict=True):
            yield line, dict(zip(names, values, strict=True))

    def keep(self, indexes: list[int]) -> Block:
        """The block of the rows at ``indexes`` only."""
        if len(indexes) == len(self.lines):
            return self
        return Block(
            [self.lines[i] for i in indexes],
            {name: [values[i] for i in indexes] for name, values in self.columns.items()},
        )


class BlockParser:
    """Parses the records of one file (under its checked header) into :class:`Block` s."""

    def __init__(self, name: str, header: list[str], spec: FileSpec) -> None:
        self.name, self.header, self.spec = name, header, spec
        cells = {column.name: column.cell for column in spec.columns}
        self.parsers = [ColumnParser(cells[column]) for column in header]
        self.missing = {c.name: c.cell.empty for c in spec.columns if c.name not in header}

    def parse(
        self,
        records: list[Record],
        errors: ErrorLog,
        on_bad_row: Callable[[int, Row], None] | None = None,
    ) -> Block:
        """The valid rows of ``records``; every bad one reported (and given to
        ``on_bad_row``) by the per-row parser, in line order."""
        width = len(self.header)
        cells = list(map(itemgetter(1), records))
        flaws = list(map(itemgetter(2), records))
        if flaws.count(None) == len(flaws) and set(map(len, cells)) <= {width}:
            plain, odd = records, []  # the usual block: one pass, no copies
        else:
            plain = [r for r in records if r[2] is None and len(r[1]) == width]
            odd = [r for r in records if r[2] is not None or len(r[1]) != width]
        slow: set[int] = set()  # positions in ``plain`` the per-row parser must see
        values_by_column: list[list[Any]] = []
        if plain:
            texts = list(
                zip(*(cells if plain is records else map(itemgetter(1), plain)), strict=True)
            )
            for parser, column_texts in zip(self.parsers, texts, strict=True):
                values, flagged = parser.parse(list(column_texts))
                values_by_column.append(values)
                slow.update(flagged)
        else:
            values_by_column = [[] for _ in self.header]
        if not odd and not slow:
            columns = dict(zip(self.header, values_by_column, strict=True))
            for column, empty in self.missing.items():
                columns[column] = [empty] * len(plain)
            return Block(list(map(itemgetter(0), plain)), columns)
        again = sorted([*odd, *(plain[i] for i in slow)], key=lambda record: record[0])
        fixed = dict(parse_numbered(self.name, self.header, again, self.spec, errors, on_bad_row))
        good = []
        lines = []
        for i, record in enumerate(plain):
            if i in slow:
                row = fixed.get(record[0])
                if row is None:
                    continue
                for column, values in zip(self.header, values_by_column, strict=True):
                    values[i] = row[column]
            good.append(i)
            lines.append(record[0])
        columns = {
            column: values if len(good) == len(plain) else [values[i] for i in good]
            for column, values in zip(self.header, values_by_column, strict=True)
        }
        for column, empty in self.missing.items():
            columns[column] = [empty] * len(lines)
        # The odd records (another width, a cell a ``;`` file holds no number for) are
        # never valid rows: the per-row parser has reported each of them.
        return Block(lines, columns)
