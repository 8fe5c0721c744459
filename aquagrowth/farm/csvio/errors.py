"""Bad rows, reported as ``file:line:column: reason`` the way a spreadsheet user finds them.

Line numbers count records as a spreadsheet shows rows: the header is line 1 and the
first data row line 2, even when a quoted cell spans several physical lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

WHOLE_ROW = "-"
"""The column shown when a finding concerns the row or the file rather than one cell."""


class Unreadable(Exception):
    """The rest of a file cannot be read (a line too long, a damaged workbook, a file that
    does not say how its cells are separated); ``reason`` is what the user is shown, at
    the line where reading stopped."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, order=True)
class RowError:
    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        if not self.file:  # a row of an API request, named by its index
            where = f"[{self.line}]" if self.column == WHOLE_ROW else f"[{self.line}].{self.column}"
            return f"{where}: {self.reason}"
        return f"{self.file}:{self.line}:{self.column}: {self.reason}"


@dataclass
class ErrorLog:
    """Collects findings; keeps the first ``limit`` so that a file of millions of bad rows
    cannot exhaust memory, while still counting every one."""

    limit: int = 1000
    kept: list[RowError] = field(default_factory=list)
    total: int = 0

    def add(self, file: str, line: int, column: str, reason: str) -> None:
        self.total += 1
        if len(self.kept) < self.limit:
            self.kept.append(RowError(file, line, column, reason))

    def __bool__(self) -> bool:
        return self.total > 0

    def __iter__(self) -> Iterator[RowError]:
        return iter(self.kept)

    @property
    def omitted(self) -> int:
        return self.total - len(self.kept)


@dataclass
class HeldErrors(ErrorLog):
    """Findings held back to be passed on in line order: a block's rows are parsed a
    column at a time, then checked, so their findings arrive out of line order."""

    limit: int = 1 << 62

    def pass_on(self, errors: ErrorLog) -> None:
        """Add the held findings to ``errors`` by line (a line's in their order), and
        forget them."""
        for error in sorted(self.kept, key=lambda error: error.line):
            errors.add(error.file, error.line, error.column, error.reason)
        self.kept.clear()
