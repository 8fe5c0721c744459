"""Excel workbooks (``feeding.xlsx``) read as the records of the same file in CSV.

The sheet named like the kind (``feeding``), else the first visible sheet, is read row
by row: row 1 names the columns and every line number is the sheet's own row number.
Excel stores numbers, dates and times as typed values; each becomes the text a person
would have typed in the CSV file, so that the cell parsers and every check apply
unchanged (:func:`cell_text`). A cell the file holds no value for (an error such as
``#DIV/0!``, a formula Excel never computed) is reported at its cell.

openpyxl reads the workbook in read-only mode with the values Excel saved for formulas
(``data_only``). The sheet itself is streamed by openpyxl's own sheet parser, driven here
rather than through ``ReadOnlyWorksheet.iter_rows``, which pads every row to the widest
column, makes up the rows a sheet skips and keeps every row it parsed in the XML tree:
a crafted sheet of a few kilobytes would otherwise become billions of empty cells. Here
a row is dropped once read, rows keep their numbers, and memory stays bounded by one
row. Guards against zip bombs, all before anything is parsed or as it is read: the
workbook's parts together at most ``AQUAGROWTH_XLSX_MAX_BYTES`` uncompressed (as the zip
declares them; the zip module never inflates a part beyond its declared size), the parts
openpyxl reads whole (shared strings, styles) at most
``AQUAGROWTH_XLSX_MAX_WHOLE_BYTES`` as they are inflated, only the zip's two usual
compression methods, no encryption, at most :data:`MAX_PARTS` parts and, in the sheet,
at most :data:`MAX_ELEMENTS` XML elements held at once. XML entities cannot multiply:
Python's expat (2.4.1 and later) limits their expansion, and ElementTree never fetches
external ones. Anything the workbook cannot give is one finding, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from typing import BinaryIO
from xml.etree.ElementTree import iterparse

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, builtin_format_code
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import (
    DATA_TAG,
    FORMULA_TAG,
    ROW_TAG,
    VALUE_TAG,
    WorkSheetParser,
)

from aquagrowth.farm.csvio import limits
from aquagrowth.farm.csvio.errors import Unreadable
from aquagrowth.farm.csvio.format import FileSpec, Record
from aquagrowth.farm.csvio.progress import Progress

MAX_PARTS = 10_000
"""Parts of one workbook (a workbook has a few dozen: sheets, styles, themes, images)."""
MAX_ELEMENTS = 1 << 18
"""XML elements of the sheet held at once: one row of Excel's widest (16384 cells, a few
elements each) fits; a crafted row of millions of empty cells does not."""
PROGRESS_STEP_BYTES = 1 << 20
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
"""The start of an .xls workbook, and of a password-protected .xlsx."""


def sheet_records(
    open_file: Callable[[], BinaryIO], spec: FileSpec, progress: Progress
) -> Iterator[Record]:
    """The records of the workbook that ``open_file`` opens, read as the CSV file of
    ``spec``: the header (row 1), then every row that holds a cell, by its row number.
    Raises :class:`Unreadable` for a workbook that cannot be read."""
    with open_file() as handle:
        archive = _checked_archive(handle)
        try:
            workbook = _workbook(handle)
            try:
                yield from _sheet(archive, workbook, spec, progress, os.fstat(handle.fileno()))
            finally:
                workbook.close()
        finally:
            archive.close()


def cell_text(value: object) -> str:
    """A typed cell's value as the text the cell parsers read, as a person would have
    typed it: a date ``2024-03-31``, a date and time ``2024-03-31T06:00:00Z`` (Excel's
    times have no zone; the format's are UTC), a time ``06:30:00``, ``TRUE``/``FALSE``,
    a whole number without a point (Excel stores every number as a float, so a count of
    ``3.0`` is 3), other numbers to Excel's 15 significant digits (``12.5``; a computed
    ``0.1 + 0.2`` is the 0.3 Excel shows)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(float(f"{value:.15g}"))
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat() + "Z"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _checked_archive(handle: BinaryIO) -> zipfile.ZipFile:
    """The workbook's zip archive, once its directory shows nothing that could make
    reading it unbounded."""
    start = handle.read(len(OLE_MAGIC))
    handle.seek(0)
    if start == OLE_MAGIC:
        raise Unreadable(
            "not an Excel workbook (.xlsx) but an .xls workbook or a password-protected "
            "one; save it in Excel as Excel Workbook (.xlsx) without a password, or as CSV UTF-8"
        )
    ending = zipfile._EndRecData(handle)  # what ZipFile will read, before it reads it
    if ending is None:
        raise Unreadable("not an Excel workbook (.xlsx): not a zip archive")
    if ending[zipfile._ECD_ENTRIES_TOTAL] > MAX_PARTS:
        raise Unreadable(f"not an Excel workbook (.xlsx): more than {MAX_PARTS} parts")
    try:
        archive = zipfile.ZipFile(handle)
    except Exception as error:  # a damaged zip can fail in many ways
        raise Unreadable(f"not an Excel workbook (.xlsx): {_reason(error)}") from error
    parts = archive.infolist()
    declared = sum(part.file_size for part in parts)
    largest = int(limits.setting("AQUAGROWTH_XLSX_MAX_BYTES"))
    problem = None
    if declared > largest:
        problem = (
            f"{declared} bytes uncompressed, more than {largest} (AQUAGROWTH_XLSX_MAX_BYTES); "
            "save the sheet as CSV UTF-8 or raise the setting"
        )
    elif any(part.flag_bits & 0x1 for part in parts):
        problem = "encrypted; save it without a password"
    elif any(
        part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for part in parts
    ):
        problem = "compressed in a way Excel does not use; save it again in Excel"
    if problem is not None:
        archive.close()
        raise Unreadable(f"the workbook is {problem}")
    return archive


class _Metered(zipfile.ZipFile):
    """The archive as openpyxl reads it while it loads the workbook: every part it reads
    draws on one allowance of uncompressed bytes (the parts it holds whole, and the start
    of each sheet, where it looks for the sheet's size)."""

    def __init__(self, file: BinaryIO, allowance: int) -> None:
        super().__init__(file)
        self.allowance = self.left = allowance

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        stream = super().open(name, mode, pwd, force_zip64=force_zip64)
        return _Drawing(stream, self) if mode == "r" else stream


class _Drawing:
    """A part being read from a :class:`_Metered` archive."""

    def __init__(self, stream, archive: _Metered) -> None:
        self._stream, self._archive = stream, archive

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._archive.left -= len(data)
        if self._archive.left < 0:
            raise Unreadable(
                "the parts of the workbook read whole (shared text, styles, ...) are more "
                f"than {self._archive.allowance} bytes uncompressed "
                "(AQUAGROWTH_XLSX_MAX_WHOLE_BYTES); save the sheet as CSV UTF-8 or raise "
                "the setting"
            )
        return data

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> _Drawing:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _workbook(handle: BinaryIO):
    """openpyxl's read-only workbook with formulas' saved values, loaded as
    ``load_workbook`` does but from a :class:`_Metered` archive."""
    allowance = int(limits.setting("AQUAGROWTH_XLSX_MAX_WHOLE_BYTES"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on styles it does not read
            reader = ExcelReader(handle, read_only=True, data_only=True, keep_links=False)
            reader.archive.close()  # it does not own the handle
            reader.archive = _Metered(handle, allowance)
            reader.read()
    except Unreadable:
        raise
    except Exception as error:  # openpyxl on a damaged workbook fails in many ways
        raise Unreadable(f"not a readable Excel workbook (.xlsx): {_reason(error)}") from error
    return reader.wb


def _sheet(archive, workbook, spec: FileSpec, progress: Progress, status) -> Iterator[Record]:
    sheet = _chosen_sheet(workbook, spec.name)
    path = sheet._worksheet_path
    try:
        part = archive.getinfo(path)
    except KeyError as error:
        raise Unreadable(
            f"the workbook has no part {path} for its sheet {sheet.title!r}"
        ) from error
    scale = status.st_size / max(part.file_size, 1)  # the bar counts the file's bytes
    with archive.open(part) as stream:
        parser = _SheetParser(
            _Counted(stream, progress, scale),
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        per_cent = _per_cent_columns(spec)
        yield from _records(_parsed_rows(parser), per_cent, _percentage_styles(workbook))


def _chosen_sheet(workbook, kind: str):
    sheets = workbook.worksheets
    for sheet in sheets:
        if sheet.title.strip().casefold() == kind.casefold():
            return sheet
    for sheet in sheets:
        if sheet.sheet_state == "visible":
            return sheet
    raise Unreadable("the workbook has no sheet to read")


def _parsed_rows(parser: _SheetParser) -> Iterator[tuple[int, list[dict]]]:
    """The parser's rows, with any failure of a damaged sheet as :class:`Unreadable`."""
    rows = parser.rows()
    while True:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. a date out of range: an error cell
                row = next(rows)
        except StopIteration:
            return
        except Unreadable:
            raise
        except Exception as error:
            raise Unreadable(
                f"the sheet is damaged and cannot be read further: {_reason(error)}"
            ) from error
        yield row


def _per_cent_columns(spec: FileSpec) -> set[str]:
    return {column.name for column in spec.columns if column.cell.unit == "%"}


def _percentage_styles(workbook) -> set[int]:
    """The cell styles that show a number as a percentage (``5%`` for 0.05)."""
    styles = set()
    for index, style in enumerate(workbook._cell_styles):
        number = style.numFmtId
        if number < BUILTIN_FORMATS_MAX_SIZE:
            code = builtin_format_code(number) or ""
        else:
            code = workbook._number_formats[number - BUILTIN_FORMATS_MAX_SIZE]
        if "%" in re.sub(r'"[^"]*"|\\.', "", code):  # a % sign, not quoted text
            styles.add(index)
    return styles


def _records(
    rows: Iterator[tuple[int, list[dict]]], per_cent: set[str], percentages: set[int]
) -> Iterator[Record]:
    """The sheet's rows as records: the header from row 1, then each row's cells as text in
    the header's columns; a value right of the header's last column is a finding, as is a
    percentage cell in a column in per cent: Excel keeps 5% as 0.05, where the column
    means 5."""
    width = 0
    previous = 0
    watched: set[int] = set()
    for number, cells in rows:
        if previous == 0:
            header = _texts(cells) if number == 1 else []
            if not header:
                raise Unreadable("row 1 is empty; the sheet's first row must name the columns")
            previous, width = 1, len(header)
            watched = {i for i, name in enumerate(header) if name.strip() in per_cent}
            yield 1, header, None
            continue
        if number <= previous:
            raise Unreadable(f"the sheet is damaged: its row {number} comes after row {previous}")
        previous = number
        texts = [""] * width
        flaws: dict[int, str] | None = None
        for cell in cells:
            index, value = cell["column"] - 1, cell["value"]
            if index >= width:
                if (flaws is None or width not in flaws) and cell_text(value).strip():
                    flaws = flaws or {}
                    flaws[width] = (
                        f"a value in column {get_column_letter(index + 1)}, right of the "
                        f"header's last column {get_column_letter(max(width, 1))}"
                    )
                continue
            if cell["data_type"] in _FLAWED:
                flaws = flaws or {}
                flaws[index] = _flaw(value, cell["data_type"])
            elif value is not None:
                texts[index] = value if type(value) is str else cell_text(value)
                if (
                    index in watched
                    and cell["style_id"] in percentages
                    and type(value) in (int, float)
                ):
                    shown = f"{float(texts[index]) * 100:g}"
                    flaws = flaws or {}
                    flaws[index] = (
                        f"a percentage cell ({shown}%), which Excel keeps as "
                        f"{texts[index]}; the column is in per cent: give {shown} in a cell "
                        "formatted as a number"
                    )
        yield number, texts, flaws


def _texts(cells: list[dict]) -> list[str]:
    """A row's cells as text in their columns, up to its last cell with a value."""
    values = {cell["column"]: cell_text(cell["value"]) for cell in cells}
    filled = [column for column, text in values.items() if text.strip()]
    return [values.get(column, "") for column in range(1, max(filled, default=0) + 1)]


def _flaw(value: object, kind: str) -> str:
    if kind == "e":
        return f"holds Excel's error value {value}, not a value"
    if kind == _SheetParser.NO_DATE:
        return f"the number {value} is formatted as a date, but no date Excel can show"
    formula = str(value)[:60]
    return (
        f"the formula {formula} has no saved value; save the workbook in Excel, which "
        "computes it, or paste the values"
    )


class _SheetParser(WorkSheetParser):
    """openpyxl's sheet parser (types, shared strings, dates), driven row by row."""

    UNCOMPUTED = "uncomputed formula"
    NO_DATE = "no date"

    def rows(self) -> Iterator[tuple[int, list[dict]]]:
        """``(row number, cells)`` of every row of the sheet, each row dropped from the XML
        tree once read; the sheet's other parts are skipped."""
        depth = held = 0  # open elements; elements in the tree
        root = part = None  # the sheet, and the part of it being read (sheetData: the rows)
        for event, element in iterparse(self.source, events=("start", "end")):
            if event == "start":
                depth += 1
                held += 1
                if depth == 1:
                    root = element
                elif depth == 2:
                    part = element
                if held > MAX_ELEMENTS:
                    raise Unreadable(
                        f"the sheet is damaged: more than {MAX_ELEMENTS} XML elements in one row"
                    )
                continue
            depth -= 1
            if depth == 2:  # a row of sheetData, or an element of another part
                if element.tag == ROW_TAG and part.tag == DATA_TAG:
                    row = self.parse_row(element)
                    self.row_dimensions.clear()  # kept per row by openpyxl for its own use
                    yield row
                part.clear()
                held = 2
            elif depth == 1:
                root.clear()
                held = 1

    def parse_cell(self, element) -> dict:
        """The cell as openpyxl reads it, a formula without a saved value marked as such
        (openpyxl's ``data_only`` reading gives it as an empty cell)."""
        cell = super().parse_cell(element)
        if cell["value"] is None and (formula := element.find(FORMULA_TAG)) is not None:
            cell["value"] = "=" + (formula.text or "")
            cell["data_type"] = self.UNCOMPUTED
        elif cell["data_type"] == "e" and element.get("t") != "e":
            # openpyxl makes a date cell whose number is no date an error of its own
            cell["value"] = element.findtext(VALUE_TAG)
            cell["data_type"] = self.NO_DATE
        return cell


_FLAWED = ("e", _SheetParser.UNCOMPUTED, _SheetParser.NO_DATE)
"""Cells that hold no value to read: an error, a formula never computed, no date."""


class _Counted:
    """The sheet's stream, advancing the progress bar in the file's (compressed) bytes."""

    def __init__(self, stream, progress: Progress, scale: float) -> None:
        self._stream, self._progress, self._scale = stream, progress, scale
        self._pending = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._pending += len(data)
        if self._pending >= PROGRESS_STEP_BYTES or not data:
            self._progress.advance(int(self._pending * self._scale))
            self._pending = 0
        return data


def _reason(error: BaseException) -> str:
    """An exception as one short line (openpyxl's messages run over several)."""
    text = str(error).strip().splitlines()
    first = text[0] if text else ""
    return (f"{type(error).__name__}: {first}" if first else type(error).__name__)[:200]
