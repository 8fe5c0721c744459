"""European spreadsheets: ';' CSV files with decimal commas and Excel workbooks (.xlsx),
read by the same checks as the comma CSV files, with the same file:line:column findings."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.apps import apps
from django.db import transaction

from aquagrowth.farm import models as m
from aquagrowth.farm.csvio import import_farm
from aquagrowth.farm.csvio.spreadsheets import MAX_ELEMENTS, cell_text
from tests.farm.conftest import write_csv

UTC = dt.UTC
FEEDING = ["batch", "container", "feeding_date", "feeding_time", "amount_kg", "feed_type"]
TANK = ["FO-2024-01", "S01-B-01"]
"""The fry tank (100 m3) where batch FO-2024-01 stays from 2024-03-31."""
SHEET = "xl/worksheets/sheet1.xml"


def every_table() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def findings(folder: Path) -> list[str]:
    """The import's findings as the command prints them; asserts nothing was stored."""
    before = every_table()
    result = import_farm(folder)
    assert every_table() == before
    assert not result.ok and result.stored == {}
    return [str(error) for error in result.errors]


class _Undo(Exception):
    pass


def feeding_stored_from(folder: Path) -> list[tuple]:
    """The feeding events an import of ``folder`` stores, the import then undone (so that
    twins can each be imported into the same farm)."""
    rows: list[tuple] = []
    try:
        with transaction.atomic():
            before = set(m.FeedingEvent.objects.values_list("pk", flat=True))
            result = import_farm(folder)
            assert result.ok, [str(error) for error in result.errors]
            new = m.FeedingEvent.objects.exclude(pk__in=before)
            fields = ("batch__number", "container__name", "feeding_date", "feeding_time")
            rows = sorted(
                new.values_list(*fields, "amount_kg", "feed_type"), key=lambda row: repr(row)
            )
            raise _Undo
    except _Undo:
        pass
    return rows


def save_workbook(path: Path, rows: list[list], title: str = "feeding") -> Path:
    """A workbook of one sheet written by openpyxl, typed cells as given (None: no cell,
    an empty list: an empty row)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def patch_part(path: Path, part: str, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in one part of a workbook, as another program than
    openpyxl would have written it (a formula's saved value, an error cell)."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    text = parts[part].decode()
    assert old in text, text
    parts[part] = text.replace(old, new).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


# ---------------------------------------------------------------- ';' CSV files


COMMA_TWIN = (
    "batch,container,feeding_date,feeding_time,amount_kg,feed_type\n"
    'FO-2024-01,S01-B-01,2024-04-05,08:00,12.5,"Fry 0,5 mm"\n'
    "FO-2024-01,S01-B-01,2024-04-06,,0.125,1.500\n"
    "FO-2024-01,S01-B-01,2024-04-07,06:30,3,Fry; small\n"
    "FO-2024-01,S01-B-01,2024-04-08,,1e-3,\n"
)
SEMICOLON_TWIN = (
    "batch;container;feeding_date;feeding_time;amount_kg;feed_type\n"
    "FO-2024-01;S01-B-01;2024-04-05;08:00;12,5;Fry 0,5 mm\n"
    "FO-2024-01;S01-B-01;2024-04-06;;0.125;1.500\n"
    'FO-2024-01;S01-B-01;2024-04-07;06:30;3;"Fry; small"\n'
    "FO-2024-01;S01-B-01;2024-04-08;;1,0e-3;\n"
    ";;;;;\n"
)


def test_a_semicolon_file_with_decimal_commas_stores_what_its_comma_twin_does(farm, tmp_path):
    comma = feeding_stored_from(write_csv(tmp_path / "comma", {"feeding": COMMA_TWIN}))
    semicolon = feeding_stored_from(write_csv(tmp_path / "semi", {"feeding": SEMICOLON_TWIN}))

    assert semicolon == comma
    assert [(row[4], row[5]) for row in semicolon] == [
        (12.5, "Fry 0,5 mm"),  # text keeps its comma; the number's is its decimal mark
        (0.125, "1.500"),  # a point that cannot be a thousands separator is one; text as is
        (3.0, "Fry; small"),
        (0.001, ""),
    ]


def test_excel_s_sep_line_says_the_separator_and_is_not_a_row(farm, tmp_path):
    # As Excel shows the file: the sep= line is an instruction, so the header is row 1.
    text = "\ufeffsep=;\n" + SEMICOLON_TWIN.replace("12,5", "-12,5")
    assert findings(write_csv(tmp_path / "in", {"feeding": text})) == [
        "feeding.csv:2:amount_kg: must be at least 0, not -12.5"
    ]
    said_comma = "sep=,\n" + COMMA_TWIN
    assert feeding_stored_from(write_csv(tmp_path / "comma", {"feeding": said_comma})) == (
        feeding_stored_from(write_csv(tmp_path / "plain", {"feeding": COMMA_TWIN}))
    )


def test_a_header_of_one_column_reads_as_the_comma_format(farm, tmp_path):
    folder = write_csv(tmp_path / "in", {"geographies": "name\nIceland\n"})
    assert import_farm(folder).ok
    assert m.Geography.objects.filter(name="Iceland").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "batch;container,feeding_date;amount_kg\nFO-2024-01;S01-B-01;2024-04-05;1\n",
            "feeding.csv:1:-: the header line holds both ',' and ';', so it is not clear which "
            "one separates the cells; make the first line sep=; or sep=, to say it",
            id="header with both",
        ),
        pytest.param(
            "sep=;\nbatch,container,feeding_date,amount_kg\nFO-2024-01,S01-B-01,2024-04-05,1\n",
            "feeding.csv:1:-: the first line says sep=;, but the header line is separated by "
            "','; correct one of them",
            id="sep= contradicted by the header",
        ),
        pytest.param(
            "sep=|\nbatch|container|feeding_date|amount_kg\n",
            "feeding.csv:1:-: the first line 'sep=|' names a separator this import does not "
            "read; only sep=, and sep=; are read",
            id="sep=|",
        ),
        pytest.param(
            "batch;container;feeding_date;amount_kg\nFO-2024-01;S01-B-01;2024-04-05;1.500\n",
            "feeding.csv:2:amount_kg: '1.500' could be 1500 ('.' as a thousands separator) or "
            "1.5 (a decimal point); in a file with decimal commas write 1500 or 1,5",
            id="1.500 with decimal commas",
        ),
        pytest.param(
            "batch;container;feeding_date;amount_kg\nFO-2024-01;S01-B-01;2024-04-05;1.234,5\n",
            "feeding.csv:2:amount_kg: '1.234,5': thousands separators are not read; write 1234,5",
            id="thousands separators",
        ),
        pytest.param(
            "batch;container;assignment_date;event_date;count\n"
            "FO-2024-01;S01-A-01;2024-01-01;2024-01-05;3,0\n",
            "mortality.csv:2:count: '3,0' is not a whole number",
            id="a decimal comma in a count",
        ),
        pytest.param(
            'batch,container,feeding_date,amount_kg\nFO-2024-01,S01-B-01,2024-04-05,"12,5"\n',
            "feeding.csv:2:amount_kg: '12,5' is not a number",
            id="a comma file as before: no decimal commas",
        ),
    ],
)
def test_a_file_that_can_be_read_two_ways_is_reported_not_guessed(farm, tmp_path, text, expected):
    name = "mortality" if text.startswith("batch;container;assignment_date") else "feeding"
    assert findings(write_csv(tmp_path / "in", {name: text})) == [expected]


# ---------------------------------------------------------------- Excel workbooks


GOOD_ROWS = [
    FEEDING,
    [*TANK, dt.date(2024, 4, 5), dt.time(8, 0), 12.5, "Fry 0,5 mm"],
    [],  # an empty row: skipped, but it counts in the row numbers
    [*TANK, dt.datetime(2024, 4, 6), None, 3, None],  # a date typed as a date and time
    [*TANK, dt.date(2024, 4, 7), None, 0.3, "Fry"],
]


def test_a_workbook_stores_its_typed_cells_as_the_csv_file_would(farm, tmp_path):
    path = save_workbook(tmp_path / "in" / "feeding.xlsx", GOOD_ROWS)
    # A computed 0.1 + 0.2 as Excel saves it: the 0.3 it shows is stored, not its noise.
    patch_part(path, SHEET, "<v>0.3</v>", "<v>0.30000000000000004</v>")

    stored = feeding_stored_from(path.parent)

    assert stored == [
        ("FO-2024-01", "S01-B-01", dt.date(2024, 4, 5), dt.time(8, 0), 12.5, "Fry 0,5 mm"),
        ("FO-2024-01", "S01-B-01", dt.date(2024, 4, 6), None, 3.0, ""),
        ("FO-2024-01", "S01-B-01", dt.date(2024, 4, 7), None, 0.3, "Fry"),
    ]
    twin = write_csv(
        tmp_path / "csv",
        {
            "feeding": "batch,container,feeding_date,feeding_time,amount_kg,feed_type\n"
            'FO-2024-01,S01-B-01,2024-04-05,08:00,12.5,"Fry 0,5 mm"\n'
            "FO-2024-01,S01-B-01,2024-04-06,,3,\n"
            "FO-2024-01,S01-B-01,2024-04-07,,0.3,Fry\n"
        },
    )
    assert feeding_stored_from(twin) == stored


def test_bad_cells_of_a_workbook_are_reported_at_the_sheet_s_row_and_column(farm, tmp_path):
    rows = [
        *GOOD_ROWS,
        [*TANK, dt.date(2024, 4, 8), None, "lots", None],  # row 6
        [*TANK, dt.datetime(2024, 4, 9, 6, 30), None, 2.5, None],  # row 7
        [*TANK, dt.date(2024, 4, 10), None, "=1+2", None],  # row 8: formula never computed
        [*TANK, dt.date(2024, 4, 11), None, 4, None],  # row 9: an error value, below
        [*TANK, dt.date(2024, 4, 12), "", None, None],  # row 10: an empty required cell
        [*TANK, dt.date(2024, 4, 13), None, 1, None, None, "note"],  # row 11
        [*TANK, dt.date(2024, 4, 14), None, 1, None],  # row 12: a date beyond Excel's
    ]
    path = save_workbook(tmp_path / "in" / "feeding.xlsx", rows)
    patch_part(path, SHEET, '<c r="E9" t="n"><v>4</v></c>', '<c r="E9" t="e"><v>#DIV/0!</v></c>')
    patch_part(path, SHEET, "<v>45396</v>", "<v>99999999</v>")

    assert findings(path.parent) == [
        "feeding.xlsx:6:amount_kg: 'lots' is not a number",
        "feeding.xlsx:7:feeding_date: '2024-04-09T06:30:00Z' is not a date like 2024-03-31",
        "feeding.xlsx:8:amount_kg: the formula =1+2 has no saved value; save the workbook in "
        "Excel, which computes it, or paste the values",
        "feeding.xlsx:9:amount_kg: holds Excel's error value #DIV/0!, not a value",
        "feeding.xlsx:10:amount_kg: a value is required",
        "feeding.xlsx:11:-: a value in column H, right of the header's last column F",
        "feeding.xlsx:12:feeding_date: the number 99999999 is formatted as a date, but no date "
        "Excel can show",
    ]


def test_a_formula_s_saved_value_is_read_and_a_whole_float_is_a_count(farm, tmp_path):
    header = ["batch", "container", "assignment_date", "event_date", "count", "cause"]
    stay = ["FO-2024-01", "S01-A-01", dt.date(2024, 1, 1)]
    path = save_workbook(
        tmp_path / "in" / "mortality.xlsx",
        [header, [*stay, dt.date(2024, 1, 5), 7, "=A1"], [*stay, dt.date(2024, 1, 6), 8, None]],
        title="Sheet1",
    )
    # Excel saves every number as a float and a formula with the value it computed.
    patch_part(path, SHEET, "<v>8</v>", "<v>8.0</v>")
    patch_part(path, SHEET, "<f>A1</f><v />", '<f>"fun"&amp;"gus"</f><v>fungus</v>')
    patch_part(path, SHEET, '<c r="F2">', '<c r="F2" t="str">')
    before = set(m.MortalityEvent.objects.values_list("pk", flat=True))

    result = import_farm(path.parent)

    assert result.ok, [str(error) for error in result.errors]
    assert result.files == {"mortality": "mortality.xlsx"}
    new = m.MortalityEvent.objects.exclude(pk__in=before).order_by("event_date")
    assert list(new.values_list("event_date", "count", "cause")) == [
        (dt.date(2024, 1, 5), 7, "fungus"),
        (dt.date(2024, 1, 6), 8, ""),
    ]


def test_a_workbook_of_readings_gives_utc_timestamps(farm, tmp_path):
    header = ["container", "parameter", "reading_time", "value", "sensor"]
    path = save_workbook(
        tmp_path / "in" / "readings.xlsx",
        [header, ["S01-A-01", "temperature", dt.datetime(2024, 1, 2, 6, 15), 8.25, "T-A01"]],
        title="readings",
    )
    assert import_farm(path.parent).ok
    reading = m.EnvironmentalReading.objects.get(reading_time__date=dt.date(2024, 1, 2))
    assert (reading.reading_time, reading.value) == (
        dt.datetime(2024, 1, 2, 6, 15, tzinfo=UTC),
        8.25,
    )


def test_a_percentage_cell_in_a_column_in_per_cent_is_reported_not_read_as_a_fraction(
    farm, tmp_path
):
    # Typed as 0.5% in Excel, kept as 0.005: read as it is, the count would be 100 times
    # more precise than the counter said.
    header = ["batch", "container", "assignment_date", "count_date", "count", "method"]
    path = tmp_path / "in" / "population_counts.xlsx"
    path.parent.mkdir()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([*header, "precision_pct", "note"])
    sheet.append(["FO-2024-01", "S01-B-01", dt.date(2024, 3, 31), dt.date(2024, 4, 20)])
    sheet.append(["FO-2024-01", "S01-B-01", dt.date(2024, 3, 31), dt.date(2024, 4, 21)])
    for row, note in ((2, "0.5%"), (3, "25%")):
        sheet.cell(row, 5, 180_000)
        sheet.cell(row, 6, "counter")
        sheet.cell(row, 8, note).number_format = "0%"  # text, not a number: as it is
    sheet.cell(2, 7, 0.005).number_format = "0.0%"
    sheet.cell(3, 7, 0.5)
    book.save(path)

    assert findings(path.parent) == [
        "population_counts.xlsx:2:precision_pct: a percentage cell (0.5%), which Excel keeps "
        "as 0.005; the column is in per cent: give 0.5 in a cell formatted as a number"
    ]


def test_the_sheet_named_like_the_kind_is_read_else_the_first(farm, tmp_path):
    path = tmp_path / "in" / "feeding.xlsx"
    path.parent.mkdir()
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["written by the feed barge"])
    feeding = book.create_sheet("Feeding")
    for row in GOOD_ROWS:
        feeding.append(row)
    book.save(path)
    assert len(feeding_stored_from(path.parent)) == 3

    del book["Feeding"]
    book.save(path)
    assert findings(path.parent) == [
        "feeding.xlsx:1:written by the feed barge: unknown column",
        "feeding.xlsx:1:batch: missing column",
        "feeding.xlsx:1:container: missing column",
        "feeding.xlsx:1:feeding_date: missing column",
        "feeding.xlsx:1:amount_kg: missing column",
    ]


def test_csv_and_xlsx_of_one_kind_in_one_folder_is_reported(farm, tmp_path):
    folder = write_csv(tmp_path / "in", {"feeding": COMMA_TWIN})
    save_workbook(folder / "feeding.xlsx", GOOD_ROWS)
    save_workbook(folder / "~$feeding.xlsx", GOOD_ROWS)  # Excel's lock file: passed over
    (folder / "mortality.xls").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(60))

    assert findings(folder) == [
        "mortality.xls:1:-: an Excel 97-2003 workbook (.xls) is not read; save it as Excel "
        "Workbook (.xlsx) or CSV UTF-8",
        "feeding.xlsx:1:-: feeding.csv is in the folder too; remove one of them (neither is "
        "read: which one holds the records would be a guess)",
    ]


def test_a_workbook_that_is_no_regular_file_is_refused_unopened(farm, tmp_path):
    folder = tmp_path / "in"
    (folder / "feeding.xlsx").mkdir(parents=True)
    assert findings(folder) == [
        "feeding.xlsx:1:-: not a regular file (a folder); only regular CSV files are read"
    ]


def truncated(path: Path) -> None:
    data = save_workbook(path, GOOD_ROWS).read_bytes()
    path.write_bytes(data[: len(data) // 2])


def not_a_workbook(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")


def damaged_sheet(path: Path) -> None:
    save_workbook(path, [*GOOD_ROWS, *[[*TANK, dt.date(2024, 4, 8), None, 1, None]] * 3])
    patch_part(path, SHEET, '<row r="7">', '<row r="7"><c r="A7"><v>1</v></row>')


def rows_out_of_order(path: Path) -> None:
    save_workbook(path, GOOD_ROWS)
    patch_part(path, SHEET, '<row r="5">', '<row r="4">')


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(
            lambda path: path.write_bytes(b"batch,container\n"),
            "feeding.xlsx:1:-: not an Excel workbook (.xlsx): not a zip archive",
            id="CSV named .xlsx",
        ),
        pytest.param(
            truncated,
            "feeding.xlsx:1:-: not an Excel workbook (.xlsx): not a zip archive",
            id="truncated",
        ),
        pytest.param(
            not_a_workbook,
            'feeding.xlsx:1:-: not a readable Excel workbook (.xlsx): KeyError: "There is no '
            "item named '[Content_Types].xml' in the archive\"",
            id="a zip of something else",
        ),
        pytest.param(
            lambda path: path.write_bytes(b"\xd0\xcf\x11\xe0" + bytes(508)),
            "feeding.xlsx:1:-: not an Excel workbook (.xlsx) but an .xls workbook or a "
            "password-protected one; save it in Excel as Excel Workbook (.xlsx) without a "
            "password, or as CSV UTF-8",
            id="xls or password",
        ),
        pytest.param(
            damaged_sheet,
            "feeding.xlsx:7:-: the sheet is damaged and cannot be read further: ParseError: "
            "mismatched tag: line 1, column",
            id="damaged XML in row 7",
        ),
        pytest.param(
            rows_out_of_order,
            "feeding.xlsx:5:-: the sheet is damaged: its row 4 comes after row 4",
            id="rows out of order",
        ),
        pytest.param(
            lambda path: save_workbook(path, [[], FEEDING, GOOD_ROWS[1]]),
            "feeding.xlsx:1:-: row 1 is empty; the sheet's first row must name the columns",
            id="header not in row 1",
        ),
        pytest.param(
            lambda path: save_workbook(path, [[None, ""], FEEDING, GOOD_ROWS[1]]),
            "feeding.xlsx:1:-: row 1 is empty; the sheet's first row must name the columns",
            id="row 1 of empty cells",
        ),
    ],
)
def test_a_damaged_workbook_is_one_finding_and_nothing_is_stored(farm, tmp_path, make, expected):
    folder = tmp_path / "in"
    folder.mkdir()
    make(folder / "feeding.xlsx")
    (finding,) = findings(folder)
    assert finding.startswith(expected)


def test_zip_bombs_are_refused_before_they_are_inflated(farm, tmp_path, settings):
    path = save_workbook(tmp_path / "in" / "feeding.xlsx", GOOD_ROWS)
    with zipfile.ZipFile(path) as archive:
        size = sum(info.file_size for info in archive.infolist())

    settings.AQUAGROWTH_XLSX_MAX_BYTES = size - 1
    assert findings(path.parent) == [
        f"feeding.xlsx:1:-: the workbook is {size} bytes uncompressed, more than {size - 1} "
        "(AQUAGROWTH_XLSX_MAX_BYTES); save the sheet as CSV UTF-8 or raise the setting"
    ]

    # Shared text is read whole: its allowance is counted as it is inflated.
    del settings.AQUAGROWTH_XLSX_MAX_BYTES
    settings.AQUAGROWTH_XLSX_MAX_WHOLE_BYTES = 1 << 20
    strings = "<si><t>x</t></si>" * (1 << 17)  # 2 MiB, a few kB compressed
    patch_part(path, "[Content_Types].xml", "</Types>", SHARED_STRINGS_TYPE + "</Types>")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{strings}</sst>')
    assert findings(path.parent) == [
        "feeding.xlsx:1:-: the parts of the workbook read whole (shared text, styles, ...) are "
        f"more than {1 << 20} bytes uncompressed (AQUAGROWTH_XLSX_MAX_WHOLE_BYTES); save the "
        "sheet as CSV UTF-8 or raise the setting"
    ]


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_STRINGS_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)


def test_a_row_of_millions_of_empty_cells_is_refused_in_bounded_memory(farm, tmp_path):
    path = save_workbook(tmp_path / "in" / "feeding.xlsx", GOOD_ROWS)
    patch_part(path, SHEET, '<row r="5">', '<row r="5">' + "<c/>" * (MAX_ELEMENTS + 1))
    assert findings(path.parent) == [
        f"feeding.xlsx:5:-: the sheet is damaged: more than {MAX_ELEMENTS} XML elements in one row"
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12.5, "12.5"),
        (3.0, "3"),
        (0.1 + 0.2, "0.3"),
        (1 / 3, "0.333333333333333"),
        (1e306, "1e+306"),
        (2.0**60, "1.15292150460685e+18"),
        (True, "TRUE"),
        (dt.datetime(2024, 3, 31), "2024-03-31"),
        (dt.datetime(2024, 3, 31, 6, 0, 0, 500_000), "2024-03-31T06:00:00.500000Z"),
        (
            dt.datetime(2024, 3, 31, 8, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2024-03-31T06:00:00Z",
        ),
        (dt.time(6, 30), "06:30:00"),
        (None, ""),
    ],
)
def test_typed_cells_become_the_text_a_person_would_type(value, text):
    assert cell_text(value) == text


def test_the_import_command_names_the_workbook_it_stored(farm, tmp_path, capsys):
    from django.core.management import call_command

    save_workbook(tmp_path / "in" / "feeding.xlsx", GOOD_ROWS)
    call_command("import", str(tmp_path / "in"))
    assert "feeding.xlsx" in capsys.readouterr().out
