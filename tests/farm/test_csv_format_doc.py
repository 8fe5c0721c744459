"""docs/csv-format.md documents every file and every column that the import reads."""

from __future__ import annotations

import re
from pathlib import Path

from aquagrowth.farm.csvio.registry import KIND_CLASSES

DOC = Path(__file__).resolve().parents[2] / "docs" / "csv-format.md"


def documented_columns() -> dict[str, list[str]]:
    """Column names per ``### file.csv`` section, in the order of its table rows."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^### (\w+\.csv)$", line)
        if heading:
            current = sections.setdefault(heading.group(1), [])
            continue
        cell = re.match(r"^\| `(\w+)` \|", line)
        if current is not None and cell:
            current.append(cell.group(1))
    return sections


def test_every_file_and_column_of_the_format_is_documented_in_order():
    documented = documented_columns()
    expected = {kind.spec.file_name: list(kind.spec.column_names) for kind in KIND_CLASSES}
    assert documented == expected


def test_the_readme_links_the_format():
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/csv-format.md" in readme
