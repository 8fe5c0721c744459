"""Stream the rows of one CSV file with checked header and parsed cells, in bounded memory.

The file is read line by line from disk (never whole), handed to :mod:`csv`, and each
record becomes a dict of parsed values. Bad cells are logged and their row skipped, so a
caller sees only rows whose every cell is valid. A ``;`` file (:mod:`.dialects`) and an
Excel workbook (:mod:`.spreadsheets`) give the same records as a comma file, so every
cell and row is checked here, whatever the file.
"""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat
from operator import add
from pathlib import Path
from typing import Any

from aquagrowth.farm.csvio import limits
from aquagrowth.farm.csvio.cells import CellError
from aquagrowth.farm.csvio.dialects import csv_records
from aquagrowth.farm.csvio.errors import WHOLE_ROW, ErrorLog, Unreadable
from aquagrowth.farm.csvio.format import FileSpec, Record
from aquagrowth.farm.csvio.progress import Progress
from aquagrowth.farm.csvio.spreadsheets import sheet_records

Row = dict[str, Any]


class FileRefused(Unreadable):
    """The file cannot be read as a file of the format (not a regular file, a line too
    long); the message is the reason shown to the user."""

    def __init__(self, reason: str, physical_line: int = 1) -> None:
        super().__init__(reason)
        self.physical_line = physical_line


def not_regular(path: Path) -> str | None:
    """Why ``path`` is not a regular file to read (None when it is one). ``os.stat``
    follows links, so ``feeding.csv`` linked to ``/dev/zero`` is a device here."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        return f"cannot be read: {error.strerror}"
    if stat.S_ISREG(mode):
        return None
    what = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else None
    what = what or ("a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a file")
    return f"not a regular file ({what}); only regular CSV files are read"


def open_regular(path: Path):
    """Open ``path`` for reading only when it is a regular file, checked on the open
    descriptor too (the name may have changed since it was listed). ``O_NONBLOCK``
    keeps the open from waiting for a writer should the name have become a FIFO."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    descriptor = os.open(path, flags)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise FileRefused(not_regular(path) or "not a regular file")
    return os.fdopen(descriptor, "rb")


READ_BYTES = 1 << 20
"""Bytes read and decoded at once: lines are cut from the chunk, not read one by one."""


def _decoded_lines(path: Path, progress: Progress) -> Iterator[str]:
    """Lines of ``path`` as text (each with its ``\\n``, as ``readline`` gives them),
    advancing ``progress`` by the bytes consumed, refusing a line longer than the
    setting (reading stops there: a file of one endless line never fills the memory).

    The file is read a megabyte at a time and each chunk's whole lines decoded at once;
    a chunk that is not UTF-8 is decoded line by line again, so the error comes at its
    line. ``utf-8-sig`` drops the byte-order mark that spreadsheets put in front.
    """
    longest = int(limits.setting("AQUAGROWTH_CSV_MAX_LINE_BYTES"))
    number = 0
    first = True
    rest = b""
    with open_regular(path) as handle:
        while True:
            data = handle.read(READ_BYTES)
            progress.advance(len(data))
            chunk = rest + data
            cut = chunk.rfind(b"\n") + 1 if data else len(chunk)
            whole, rest = chunk[:cut], chunk[cut:]
            if whole:
                raw_lines = whole.split(b"\n")
                if raw_lines[-1] == b"":
                    raw_lines.pop()
                    ends = [b"\n"] * len(raw_lines)
                else:  # the last line of a file without a final newline
                    ends = [b"\n"] * (len(raw_lines) - 1) + [b""]
                if max(map(len, raw_lines)) > longest:
                    for raw in raw_lines:
                        number += 1
                        if len(raw) > longest:
                            raise _too_long(longest, number)
                try:
                    text = whole.decode("utf-8-sig" if first else "utf-8")
                except UnicodeDecodeError:
                    for raw, end in zip(raw_lines, ends, strict=True):
                        yield (raw + end).decode("utf-8-sig" if first else "utf-8")
                        first = False
                    raise  # not reached: one of the lines raised
                first = False
                number += len(raw_lines)
                lines = text.split("\n")
                if lines[-1] == "":
                    lines.pop()
                    yield from map(add, lines, repeat("\n"))
                else:
                    yield from map(add, lines[:-1], repeat("\n"))
                    yield lines[-1]
            if len(rest) > longest:
                raise _too_long(longest, number + 1)
            if not data:
                break


def _too_long(longest: int, number: int) -> FileRefused:
    return FileRefused(
        f"a line longer than {longest} bytes (AQUAGROWTH_CSV_MAX_LINE_BYTES); "
        "the rest of the file is not read",
        number,
    )


def _records(path: Path, spec: FileSpec, progress: Progress) -> Iterator[Record]:
    """The file's records, read as its name says: a workbook or CSV."""
    if path.suffix == ".xlsx":
        return sheet_records(lambda: open_regular(path), spec, progress)
    return csv_records(_decoded_lines(path, progress), spec)


@dataclass
class _Place:
    """Where the reading of a file is: the last line read whole (a failure is on the
    next one)."""

    name: str
    line: int = 0


@contextmanager
def _failures_reported(place: _Place, errors: ErrorLog) -> Iterator[None]:
    """A file that stops being readable (not UTF-8, not CSV, refused, an OS error) is a
    finding at the line after the last one read whole; what was read stays read."""
    name = place.name
    try:
        yield
    except UnicodeDecodeError:
        errors.add(name, place.line + 1, WHOLE_ROW, "not UTF-8 text; save the file as CSV UTF-8")
    except csv.Error as error:
        errors.add(name, place.line + 1, WHOLE_ROW, f"not valid CSV: {error}")
    except Unreadable as refused:
        errors.add(name, place.line + 1, WHOLE_ROW, refused.reason)
    except OSError as error:
        errors.add(name, place.line + 1, WHOLE_ROW, f"cannot be read: {error.strerror or error}")


def _opened(
    path: Path, spec: FileSpec, errors: ErrorLog, progress: Progress, place: _Place
) -> tuple[list[str], Iterator[Record]] | None:
    """The file's checked header and the records after it; None (reported) when the file
    is empty or its header has an unknown, duplicated or missing required column, since
    every row would be misread."""
    records = _records(path, spec, progress)
    first = next(records, None)
    if first is None:
        errors.add(place.name, 1, WHOLE_ROW, "the file is empty; a header line is required")
        return None
    place.line = 1
    header = [cell.strip() for cell in first[1]]
    if not header_ok(place.name, header, spec, errors):
        return None
    return header, records


def read_rows(
    path: Path,
    spec: FileSpec,
    errors: ErrorLog,
    progress: Progress,
    on_bad_row: Callable[[int, Row], None] | None = None,
) -> Iterator[tuple[int, Row]]:
    """Yield ``(line, row)`` for every valid record of ``path``; log every finding
    (:func:`_opened`, :func:`_failures_reported`).

    ``on_bad_row`` receives the cells that did parse of a row that has a bad one.
    """
    place = _Place(path.name)
    with _failures_reported(place, errors):
        opened = _opened(path, spec, errors, progress, place)
        if opened is None:
            return
        header, records = opened

        def counted() -> Iterator[Record]:
            for record in records:
                place.line = record[0]
                yield record

        yield from parse_numbered(place.name, header, counted(), spec, errors, on_bad_row)


def read_record_blocks(
    path: Path, spec: FileSpec, errors: ErrorLog, progress: Progress, size: int
) -> Iterator[tuple[list[str], list[Record]]]:
    """``(header, records)`` in blocks of ``size`` records, once the header is checked;
    every file-level finding logged as :func:`read_rows` logs it (the records read
    before a file stops being readable are still given)."""
    place = _Place(path.name)
    header: list[str] = []
    block: list[Record] = []
    with _failures_reported(place, errors):
        opened = _opened(path, spec, errors, progress, place)
        if opened is None:
            return
        header, records = opened
        last = place.line
        try:
            for record in records:
                block.append(record)
                if len(block) >= size:
                    last = record[0]
                    yield header, block
                    block = []
        except BaseException:
            # Where the reading stopped: the line after the last one read whole.
            place.line = block[-1][0] if block else last
            raise
    if block:
        yield header, block


def parse_records(
    name: str,
    header: list[str],
    records: Iterable[list[str]],
    spec: FileSpec,
    errors: ErrorLog,
    on_bad_row: Callable[[int, Row], None] | None = None,
    first_line: int = 2,
) -> Iterator[tuple[int, Row]]:
    """Parse text records under a checked ``header`` into rows of values, logging every
    bad cell (there ``name`` is empty and a record's line is its index in the request)."""
    numbered = ((line, record, None) for line, record in enumerate(records, start=first_line))
    return parse_numbered(name, header, numbered, spec, errors, on_bad_row)


def parse_numbered(
    name: str,
    header: list[str],
    records: Iterable[Record],
    spec: FileSpec,
    errors: ErrorLog,
    on_bad_row: Callable[[int, Row], None] | None = None,
) -> Iterator[tuple[int, Row]]:
    """Parse records with their lines (a file's, of either CSV dialect or a workbook's
    sheet) under a checked ``header`` into rows of values, logging every bad cell: the
    one home of cell parsing, for files and for the event API's rows."""
    cells = {column.name: column.cell for column in spec.columns}
    width = len(header)
    for line, record, flaws in records:
        if not flaws and (not record or all(not value.strip() for value in record)):
            continue
        if len(record) != width:
            errors.add(name, line, WHOLE_ROW, f"{len(record)} cells, but the header has {width}")
            continue
        row: Row = {}
        good = True
        pairs = zip(header, record, strict=True)
        if flaws:
            good = False
            pairs = _report_flaws(name, line, header, record, flaws, errors)
        for column, text in pairs:
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


def _report_flaws(
    name: str,
    line: int,
    header: list[str],
    record: list[str],
    flaws: dict[int, str],
    errors: ErrorLog,
) -> list[tuple[str, str]]:
    """Report the cells the file holds no text for; the row's other cells, to parse."""
    for index, reason in sorted(flaws.items()):
        errors.add(name, line, header[index] if index < len(header) else WHOLE_ROW, reason)
    return [
        (column, text)
        for index, (column, text) in enumerate(zip(header, record, strict=True))
        if index not in flaws
    ]


def header_ok(name: str, header: list[str], spec: FileSpec, errors: ErrorLog) -> bool:
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
