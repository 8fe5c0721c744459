"""Parse a column of cells at once: one value parser over a list of texts, not per cell.

A file's rows repeat the same few texts in most columns (a container, a day, a batch), so
each column keeps what its texts parsed to: :meth:`Cell.parse` runs once per distinct
text, and a repeated one is a dictionary lookup. Numbers are the exception (nearly every
one differs): ``float`` over the whole list, then the bounds checked on a numpy array.

The column parsers only ever *accept* what :meth:`Cell.parse` accepts, with the same
value; any cell they cannot vouch for is *flagged*, and its row is parsed again the
per-row way (:func:`reading.parse_numbered`), which gives the finding its exact words.
So the findings are the per-row parser's, and only the rows a column check flags pay
for per-row work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from aquagrowth.farm.csvio import limits
from aquagrowth.farm.csvio.cells import Cell, CellError, Integer, Number

MEMO_LIMIT = 200_000
"""Distinct texts a column remembers; past that it starts again (bounded memory in a
file of millions of distinct timestamps)."""

_FAILED = object()
"""What a remembered text that does not parse maps to."""


class ColumnParser:
    """Parses the cells of one column of one file, block after block."""

    def __init__(self, cell: Cell) -> None:
        self.cell = cell
        self.memo: dict[str, Any] = {}
        self.failed: set[str] = set()
        if isinstance(cell, Number):
            self.parse = self._numbers
        elif isinstance(cell, Integer):
            self.parse = self._integers
        else:
            self.parse = self._remembered

    parse: Callable[[list[str]], tuple[list[Any], list[int]]]
    """``parse(texts)`` -> (values, indexes of the flagged cells; their values are junk)."""

    def _remembered(self, texts: list[str]) -> tuple[list[Any], list[int]]:
        memo, failed = self.memo, self.failed
        if len(memo) > MEMO_LIMIT:
            memo.clear()
            failed.clear()
        parse = self.cell.parse
        distinct = set(texts)
        with limits.era_held():
            for text in distinct.difference(memo):
                try:
                    memo[text] = parse(text)
                except CellError:
                    memo[text] = _FAILED
                    failed.add(text)
        values = list(map(memo.__getitem__, texts))
        if failed.isdisjoint(distinct):
            return values, []
        return values, [i for i, value in enumerate(values) if value is _FAILED]

    def _integers(self, texts: list[str]) -> tuple[list[Any], list[int]]:
        cell: Integer = self.cell  # type: ignore[assignment]
        highest = limits.DATABASE_INTEGER_MAX if cell.maximum is None else cell.maximum
        if cell.unit == "fish":
            highest = min(highest, int(limits.setting("AQUAGROWTH_MAX_FISH_COUNT")))
        lowest = cell.minimum
        values, flagged = _each(int, texts, cell)
        flagged.extend(
            i
            for i, value in enumerate(values)
            if value is not None and not lowest <= value <= highest
        )
        return values, flagged

    def _numbers(self, texts: list[str]) -> tuple[list[Any], list[int]]:
        cell: Number = self.cell  # type: ignore[assignment]
        values, flagged = _each(float, texts, cell)
        given = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        with np.errstate(invalid="ignore"):
            wrong = ~np.isfinite(given)
            if cell.at_least is not None:
                wrong |= given < cell.at_least
            if cell.above is not None:
                wrong |= given <= cell.above
            if cell.at_most is not None:
                wrong |= given > cell.at_most
            if cell.below is not None:
                wrong |= given >= cell.below
            if cell.at_most_setting:
                wrong |= given > float(limits.setting(cell.at_most_setting))
        if cell.required:
            flagged.extend(np.flatnonzero(wrong).tolist())
        else:
            empty = np.array([v is None for v in values], dtype=bool)
            flagged.extend(np.flatnonzero(wrong & ~empty).tolist())
        return values, flagged


def _each(convert, texts: list[str], cell: Cell) -> tuple[list[Any], list[int]]:
    """``convert`` (``int``, ``float``) of every text; those that fail, flagged. An empty
    cell of an optional column is its ``empty`` value (None for numbers), as
    :meth:`Cell.parse` gives it; ``int`` and ``float`` ignore surrounding whitespace as
    ``parse`` strips it, and a NUL or any other odd text makes them fail."""
    try:
        return list(map(convert, texts)), []
    except ValueError:
        pass
    values: list[Any] = []
    flagged: list[int] = []
    for i, text in enumerate(texts):
        try:
            values.append(convert(text))
        except ValueError:
            if not cell.required and not text.strip():
                values.append(cell.empty)
                continue
            values.append(None)
            flagged.append(i)
    return values, flagged
