"""Which character separates a CSV file's cells, and what that means for its numbers.

The format's own files are comma separated with decimal points. Excel in most of Europe
saves "CSV" with semicolons and decimal commas: it separates cells by the list separator
of the computer's region, which is ``;`` wherever the decimal mark is ``,``. So a file
separated by ``;`` has decimal commas, and one separated by ``,`` decimal points.

A file says which it is by Excel's own first line ``sep=;`` (or ``sep=,``); Excel reads
that line as an instruction, not as a row, so the header is still line 1. Without it the
header line tells: the format's column names hold neither character, so a header with
``;`` and no ``,`` is separated by ``;``, one with ``,`` and no ``;`` by ``,``, and a
header with both is reported, as is a ``sep=`` line its header contradicts: two readings
that both fit are never chosen between silently. A header of one column holds neither;
it reads the same either way and the file is read as the format's comma CSV.

In a ``;`` file, a number cell (and only a number cell: text keeps its commas) may use a
decimal comma (``12,5``) or a decimal point where that cannot be misread (``12.5``,
``0.125``). A point followed by exactly three digits (``1.500``) could be a thousands
separator, as Excel writes one in most of Europe, so it is reported, as are thousands
separators themselves (``1.234,5``).
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterable, Iterator

from aquagrowth.farm.csvio.errors import Unreadable
from aquagrowth.farm.csvio.format import FileSpec, Record

DELIMITERS = (",", ";")

_SEP_LINE = re.compile(r'"?sep=(.)(?:\1)*"?', re.IGNORECASE)
"""Excel's first line, ``sep=;``; a tool that read it as a row may have added more
separators after it, or quotes."""
_ANY_SEP_LINE = re.compile(r'"?sep=.*', re.IGNORECASE)
_DECIMAL_COMMA = re.compile(r"([+-]?\d*),(\d+(?:[eE][+-]?\d+)?)")
_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+")
"""A whole number in groups of three digits separated by points: in a file with decimal
commas the point may be a thousands separator."""


def csv_records(lines: Iterable[str], spec: FileSpec) -> Iterator[Record]:
    """The records of a CSV file given as text lines: the header (line 1), then every row,
    split at the delimiter the file says or its header shows; number cells of a ``;``
    file are given with a decimal point. Raises :class:`Unreadable` when the file does
    not make its delimiter clear."""
    lines = iter(lines)
    first = next(lines, None)
    said = said_delimiter(first) if first is not None else None
    if said is not None:
        first = next(lines, None)
    if first is None:
        return
    delimiter = header_delimiter(first, said)
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter, strict=True)
    header = next(reader)
    yield 1, header, None
    if delimiter == ",":
        yield from zip(itertools.count(2), reader, itertools.repeat(None))
        return
    numbers = _number_indexes(header, spec)
    for line, record in enumerate(reader, start=2):
        flaws = None
        if len(record) == len(header):  # otherwise the row's width is reported
            for index in numbers:
                text, flaw = decimal_point(record[index])
                record[index] = text
                if flaw is not None:
                    flaws = flaws or {}
                    flaws[index] = flaw
        yield line, record, flaws


def said_delimiter(line: str) -> str | None:
    """The delimiter a first line ``sep=X`` says (None when the line is no ``sep=`` line)."""
    line = line.strip()
    match = _SEP_LINE.fullmatch(line)
    if match is not None and match.group(1) in DELIMITERS:
        return match.group(1)
    if _ANY_SEP_LINE.fullmatch(line):
        raise Unreadable(
            f"the first line {line[:20]!r} names a separator this import does not "
            "read; only sep=, and sep=; are read"
        )
    return None


def header_delimiter(header: str, said: str | None) -> str:
    """The delimiter of a file whose header line is ``header``; ``said`` is what the file's
    ``sep=`` line says, if it has one."""
    found = [delimiter for delimiter in DELIMITERS if delimiter in header]
    if said is not None:
        if found and said not in found:
            raise Unreadable(
                f"the first line says sep={said}, but the header line is separated by "
                f"{found[0]!r}; correct one of them"
            )
        return said
    if len(found) > 1:
        raise Unreadable(
            "the header line holds both ',' and ';', so it is not clear which one separates "
            "the cells; make the first line sep=; or sep=, to say it"
        )
    return found[0] if found else ","


def decimal_point(text: str) -> tuple[str, str | None]:
    """A number cell of a file with decimal commas as the text the number parser reads,
    and the reason it cannot be read (None when it can). Text that is no number is
    given back as it is, for the parser to report in the user's own writing."""
    stripped = text.strip()
    if "," in stripped:
        if "." in stripped:
            plain = stripped.replace(".", "")
            return text, f"{stripped!r}: thousands separators are not read; write {plain}"
        match = _DECIMAL_COMMA.fullmatch(stripped)
        return (f"{match.group(1)}.{match.group(2)}" if match else text), None
    if _GROUPED.fullmatch(stripped):
        plain = stripped.replace(".", "")
        if stripped.count(".") > 1:
            return text, f"{stripped!r}: thousands separators are not read; write {plain}"
        point = f"{float(stripped):g}"
        return text, (
            f"{stripped!r} could be {plain} ('.' as a thousands separator) or {point} "
            f"(a decimal point); in a file with decimal commas write {plain} or "
            f"{point.replace('.', ',')}"
        )
    return text, None


def _number_indexes(header: list[str], spec: FileSpec) -> list[int]:
    numbers = {column.name for column in spec.columns if column.cell.kind == "number"}
    return [index for index, name in enumerate(header) if name.strip() in numbers]
