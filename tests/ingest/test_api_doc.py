"""docs/api.md names every kind the API takes, with its CSV file's columns."""

from __future__ import annotations

import re
from pathlib import Path

from aquagrowth.ingest.posting import KINDS, SPECS

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_every_kind_and_its_fields_are_documented():
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        found = re.match(r"^\| `(\w+)` \| (.+?) \|", line)
        if found:
            rows[found.group(1)] = re.findall(r"\b(\w+)\b", found.group(2).replace("*", ""))
    for kind in KINDS:
        columns = [c for c in rows[kind] if c != "fish" and c != "below"]
        assert columns == list(SPECS[kind].column_names), kind


def test_the_readme_links_the_event_api():
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/api.md" in readme
