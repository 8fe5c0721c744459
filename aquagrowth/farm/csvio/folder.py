"""Which file of a folder holds each kind of record: ``feeding.csv`` or ``feeding.xlsx``.

Either may hold the feeding; both in one folder is reported rather than one of them
chosen, since either choice would be a guess. A file with any other name of these two
types is reported (a misspelt name would otherwise be skipped without a word), as is a
workbook of a type that is not read (``feeding.xls``), which would otherwise be missed.
Excel's lock file (``~$feeding.xlsx``, there while the workbook is open) is no file of
the farm and is passed over.
"""

from __future__ import annotations

from pathlib import Path

from aquagrowth.farm.csvio.errors import WHOLE_ROW, ErrorLog
from aquagrowth.farm.csvio.reading import not_regular
from aquagrowth.farm.csvio.registry import FILE_NAMES

READ = (".csv", ".xlsx")
NOT_READ = {
    ".xls": "an Excel 97-2003 workbook (.xls)",
    ".xlsm": "a macro-enabled workbook (.xlsm)",
    ".xlsb": "a binary workbook (.xlsb)",
    ".ods": "an OpenDocument spreadsheet (.ods)",
}
EXCEL_LOCK = "~$"


def files_present(folder: Path, errors: ErrorLog) -> dict[str, Path]:
    """The file of each kind found in ``folder``, by kind name; reports every file it
    will not read."""
    candidates: dict[str, list[Path]] = {}
    for path in sorted(path for suffix in READ for path in folder.glob(f"*{suffix}")):
        if path.name.startswith(EXCEL_LOCK):
            continue
        if f"{path.stem}.csv" not in FILE_NAMES:
            errors.add(path.name, 1, WHOLE_ROW, "not a file of the format (see docs/csv-format.md)")
        elif (refused := not_regular(path)) is not None:
            errors.add(path.name, 1, WHOLE_ROW, refused)
        else:
            candidates.setdefault(path.stem, []).append(path)
    for suffix, what in NOT_READ.items():
        for path in sorted(folder.glob(f"*{suffix}")):
            if f"{path.stem}.csv" in FILE_NAMES:
                errors.add(
                    path.name,
                    1,
                    WHOLE_ROW,
                    f"{what} is not read; save it as Excel Workbook (.xlsx) or CSV UTF-8",
                )
    present = {}
    for stem, paths in candidates.items():
        if len(paths) == 1:
            present[stem] = paths[0]
            continue
        first, *others = paths
        for other in others:
            errors.add(
                other.name,
                1,
                WHOLE_ROW,
                f"{first.name} is in the folder too; remove one of them (neither is read: "
                "which one holds the records would be a guess)",
            )
    return present
