"""Stream the rows of one CSV file with checked header and parsed cells, in bounded memory.

The file is read line by line from disk (never whole), handed to :mod:`csv`, and each
record becomes a dict of parsed values. Bad cells are logged and their row skipped, so a
caller sees only rows whose every cell is valid.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from aquagrowth.farm.csvio.cells import CellError
from aquagrowth.farm.csvio.errors import WHOLE_ROW, ErrorLog
from aquagrowth.farm.csvio.format import FileSpec
from aquagrowth.farm.csvio.progress import Progress

Row = dict[str, Any]

PROGRESS_STEP_BYTES = 1 << 20


def _decoded_lines(path: Path, progress: Progress) -> Iterator[str]:
    """Lines of ``path`` as text, advancing ``progress`` by the bytes consumed.

    Reading bytes and decoding per line keeps an exact byte count for the progress bar,
    which a text file's ``tell()`` cannot give during iteration.
    """
    pending = 0
    with path.open("rb") as handle:
        first = True
        for raw in handle:
            pending += len(raw)
            if pending >= PROGRESS_STEP_BYTES:
                progress.advance(pending)
                pending = 0
            # utf-8-sig drops the byte-order mark that spreadsheets put in front.
            yield raw.decode("utf-8-sig" if first else "utf-8")
            first = False
    progress.advance(pending)


def read_rows(
    path: Path,
    spec: FileSpec,
    errors: ErrorLog,
    progress: Progress,
    on_bad_row: Callable[[int, Row], None] | None = None,
) -> Iterator[tuple[int, Row]]:
    """Yield ``(line, row)`` for every valid record of ``path``; log every finding.

    ``on_bad_row`` receives the cells that did parse of a row that has a bad one.
    A header with an unknown, duplicated or missing required column is reported and no
    row is read, since every row would be misread.
    """
    name = spec.file_name
    line = 1
    try:
        lines = _decoded_lines(path, progress)
        reader = csv.reader(lines, strict=True)
        header = next(reader, None)
        if header is None:
            errors.add(name, 1, WHOLE_ROW, "the file is empty; a header line is required")
            return
        header = [cell.strip() for cell in header]
        if not _header_ok(name, header, spec, errors):
            return
        cells = {column.name: column.cell for column in spec.columns}
        width = len(header)
        for line, record in enumerate(reader, start=2):
            if not record or all(not value.strip() for value in record):
                continue
            if len(record) != width:
                errors.add(
                    name, line, WHOLE_ROW, f"{len(record)} cells, but the header has {width}"
                )
                continue
            row: Row = {}
            good = True
            for column, text in zip(header, record, strict=True):
                try:
                    row[column] = cells[column].parse(text)
                except CellError as error:
                    errors.add(name, line, column, str(error))
                    good = False
            if good:
                for column in spec.columns:
                    row.setdefault(column.name, column.cell.empty)
                yield line, row
            elif on_bad_row is not None:
                on_bad_row(line, row)
    except UnicodeDecodeError:
        errors.add(name, line + 1, WHOLE_ROW, "not UTF-8 text; save the file as CSV UTF-8")
    except csv.Error as error:
        errors.add(name, line + 1, WHOLE_ROW, f"not valid CSV: {error}")


def _header_ok(name: str, header: list[str], spec: FileSpec, errors: ErrorLog) -> bool:
    known = {column.name for column in spec.columns}
    ok = True
    seen: set[str] = set()
    for column in header:
        if column not in known:
            errors.add(name, 1, column or WHOLE_ROW, "unknown column")
            ok = False
        elif column in seen:
            errors.add(name, 1, column, "column given twice")
            ok = False
        seen.add(column)
    for column in spec.columns:
        if column.cell.required and column.name not in seen:
            errors.add(name, 1, column.name, "missing column")
            ok = False
    return ok
