"""A rich progress bar per file, for the import and export commands."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)


class RichProgress:
    """Implements :class:`aquagrowth.farm.csvio.progress.Progress` on a rich console.

    ``unit`` is "bytes" (import reads files) or "rows" (export counts rows written).
    """

    def __init__(self, console: Console, unit: str = "bytes") -> None:
        amount = DownloadColumn() if unit == "bytes" else MofNCompleteColumn()
        self._bars = Progress(
            TextColumn("{task.description:<32}"),
            BarColumn(),
            amount,
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> RichProgress:
        self._bars.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._bars.stop()

    def start(self, label: str, total: int | None) -> None:
        self._task = self._bars.add_task(label, total=total)

    def advance(self, amount: int) -> None:
        if self._task is not None:
            self._bars.advance(self._task, amount)

    def finish(self) -> None:
        if self._task is not None:
            task = self._bars.tasks[-1]
            self._bars.update(self._task, completed=task.total or task.completed)
            self._task = None
