"""How the import and export services report progress without knowing about terminals.

The services call a :class:`Progress`; the management commands pass one that draws rich
progress bars, tests and other callers get :class:`NoProgress`.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, label: str, total: int | None) -> None:
        """A new file begins; ``total`` is its size in bytes (None when not known)."""

    def advance(self, amount: int) -> None:
        """``amount`` more bytes (import) or rows (export) are done."""

    def finish(self) -> None:
        """The current file is done."""


class NoProgress:
    def start(self, label: str, total: int | None) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass

    def finish(self) -> None:
        pass
