"""Where an import's rows come from: a file of a folder, or rows given as text cells.

Both become the same parsed rows (:func:`reading.parse_records`), so a CSV file and the
event API's JSON are judged by one set of rules and one set of cell parsers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aquagrowth.farm.csvio.blocks import BLOCK_ROWS, Block, BlockParser
from aquagrowth.farm.csvio.errors import ErrorLog
from aquagrowth.farm.csvio.format import FileSpec
from aquagrowth.farm.csvio.progress import Progress
from aquagrowth.farm.csvio.reading import (
    Row,
    header_ok,
    parse_records,
    read_record_blocks,
    read_rows,
)

OnBadRow = Callable[[int, Row], None]
RECORD_BLOCK_ROWS = max(BLOCK_ROWS, 10_000)
"""Rows per block of rows given in memory: they are held whole already, and a request
of the event API (10,000 events at most) as one block is judged by one look-up."""


class Source(Protocol):
    name: str
    """What findings name: the file, or empty for rows of an API request."""

    @property
    def size(self) -> int:
        """The units the progress bar counts (bytes of a file, rows of a request)."""
        ...

    def rows(
        self,
        spec: FileSpec,
        errors: ErrorLog,
        progress: Progress,
        on_bad_row: OnBadRow | None = None,
    ) -> Iterator[tuple[int, Row]]:
        """``(line, row)`` of every row whose cells are all valid; findings logged."""
        ...


@dataclass
class FileSource:
    """A CSV file of the format, streamed from disk."""

    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def rows(self, spec, errors, progress, on_bad_row=None):
        return read_rows(self.path, spec, errors, progress, on_bad_row)

    def blocks(self, spec, errors, progress, on_bad_row=None) -> Iterator[Block]:
        """The valid rows in :class:`Block` s, parsed a column at a time."""
        parser = None
        for header, records in read_record_blocks(self.path, spec, errors, progress, BLOCK_ROWS):
            parser = parser or BlockParser(self.name, header, spec)
            yield parser.parse(records, errors, on_bad_row)


@dataclass
class RecordSource:
    """Rows given in memory as text cells under one header (the event API's rows, each
    turned into the text a CSV cell would hold). A row's line is its index, from 0."""

    header: list[str]
    records: Sequence[list[str]]
    name: str = ""

    @property
    def size(self) -> int:
        return len(self.records)

    def rows(self, spec, errors, progress, on_bad_row=None):
        if not header_ok(self.name, self.header, spec, errors):
            return iter(())
        progress.advance(len(self.records))
        return parse_records(
            self.name, self.header, self.records, spec, errors, on_bad_row, first_line=0
        )

    def blocks(self, spec, errors, progress, on_bad_row=None) -> Iterator[Block]:
        if not header_ok(self.name, self.header, spec, errors):
            return
        progress.advance(len(self.records))
        parser = BlockParser(self.name, self.header, spec)
        for start in range(0, len(self.records), RECORD_BLOCK_ROWS):
            chunk = self.records[start : start + RECORD_BLOCK_ROWS]
            numbered = [(start + i, list(r), None) for i, r in enumerate(chunk)]
            yield parser.parse(numbered, errors, on_bad_row)
