"""Cell types of the CSV format: how one text cell becomes a value and back.

Each type parses a cell written by a person (possibly in a spreadsheet) and formats a
stored value so that parsing it again gives the same value exactly: floats are written
with ``repr`` (the shortest text that reads back to the same float), dates as ISO
``YYYY-MM-DD`` and timestamps as UTC ``YYYY-MM-DDTHH:MM:SSZ``.

Text that a spreadsheet would run as a formula (a cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is written with a ``'`` in front, as OWASP's
CSV injection guidance says, and read back without it; text that starts with ``'``
itself gets one more, so every text round-trips exactly.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from aquagrowth.farm.csvio import limits

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""
QUOTE = "'"


def neutralise(text: str) -> str:
    """``text`` as a cell no spreadsheet runs: a ``'`` before a formula's first character
    (and before a leading ``'``, so that :func:`restore` can tell the two apart)."""
    if text.startswith((*FORMULA_STARTS, QUOTE)):
        return QUOTE + text
    return text


def restore(text: str) -> str:
    """The text :func:`neutralise` was given: one ``'`` dropped before a formula's first
    character or another ``'``; any other text as it is."""
    if text.startswith(QUOTE) and text[1:].startswith((*FORMULA_STARTS, QUOTE)):
        return text[1:]
    return text


class CellError(ValueError):
    """A cell's text is not a valid value; the message is the reason shown to the user."""


@dataclass(frozen=True)
class Cell:
    """A column's type. ``required`` columns refuse an empty cell; others give ``empty``."""

    required: bool = True
    unit: str = ""

    empty: Any = None
    kind: str = "text"

    def parse(self, text: str) -> Any:
        text = text.strip()
        if "\x00" in text:
            raise CellError("contains a NUL character, which the database cannot store")
        if not text:
            if self.required:
                raise CellError("a value is required")
            return self.empty
        return self.parse_value(text)

    def parse_value(self, text: str) -> Any:
        return text

    def format(self, value: Any) -> str:
        if value is None:
            return ""
        return self.format_value(value)

    def format_value(self, value: Any) -> str:
        return str(value)


@dataclass(frozen=True)
class Text(Cell):
    max_length: int = 100
    empty: Any = ""

    def parse_value(self, text: str) -> str:
        text = restore(text)
        if len(text) > self.max_length:
            raise CellError(f"longer than {self.max_length} characters")
        return text

    def format_value(self, value: Any) -> str:
        return neutralise(str(value))


@dataclass(frozen=True)
class Choice(Cell):
    choices: tuple[str, ...] = ()
    kind: str = "choice"

    def parse_value(self, text: str) -> str:
        if text not in self.choices:
            raise CellError(f"{text!r} is not one of {', '.join(self.choices)}")
        return text


@dataclass(frozen=True)
class Integer(Cell):
    """A whole number of at least ``minimum`` (counts are never negative) and at most
    ``maximum``; a count of fish (``unit="fish"``) at most ``AQUAGROWTH_MAX_FISH_COUNT``."""

    minimum: int = 0
    maximum: int | None = None
    """None: the database's integer limit (:data:`limits.DATABASE_INTEGER_MAX`)."""
    kind: str = "integer"

    def parse_value(self, text: str) -> int:
        if len(text) > 30:
            raise CellError(f"{text[:30]!r}... is not a plausible whole number")
        try:
            value = int(text)
        except ValueError:
            raise CellError(f"{text!r} is not a whole number") from None
        if value < self.minimum:
            raise CellError(f"must be at least {self.minimum}, not {value}")
        highest = limits.DATABASE_INTEGER_MAX if self.maximum is None else self.maximum
        if self.unit == "fish":
            highest = min(highest, int(limits.setting("AQUAGROWTH_MAX_FISH_COUNT")))
        if value > highest:
            raise CellError(f"must be at most {highest}, not {value}")
        return value


@dataclass(frozen=True)
class Number(Cell):
    """A finite decimal number, optionally bounded; ``above`` is an exclusive bound."""

    at_least: float | None = None
    above: float | None = None
    at_most: float | None = None
    below: float | None = None
    at_most_setting: str = ""
    """A setting (of :mod:`limits`) that bounds the value from above, e.g. a length."""
    kind: str = "number"

    def parse_value(self, text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise CellError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise CellError(f"{text!r} is not a finite number")
        if self.at_least is not None and value < self.at_least:
            raise CellError(f"must be at least {self.at_least:g}, not {value:g}")
        if self.above is not None and value <= self.above:
            raise CellError(f"must be greater than {self.above:g}, not {value:g}")
        if self.at_most is not None and value > self.at_most:
            raise CellError(f"must be at most {self.at_most:g}, not {value:g}")
        if self.below is not None and value >= self.below:
            raise CellError(f"must be less than {self.below:g}, not {value:g}")
        if self.at_most_setting:
            highest = float(limits.setting(self.at_most_setting))
            if value > highest:
                raise CellError(f"must be at most {highest:g}, not {value:g}")
        return value

    def format_value(self, value: float) -> str:
        return repr(float(value))


@dataclass(frozen=True)
class Date(Cell):
    kind: str = "date"

    def parse_value(self, text: str) -> dt.date:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise CellError(f"{text!r} is not a date like 2024-03-31") from None
        return in_era(day, day)

    def format_value(self, value: dt.date) -> str:
        return value.isoformat()


@dataclass(frozen=True)
class TimeOfDay(Cell):
    kind: str = "time"

    def parse_value(self, text: str) -> dt.time:
        try:
            value = dt.time.fromisoformat(text)
        except ValueError:
            raise CellError(f"{text!r} is not a time like 06:30") from None
        if value.tzinfo is not None:
            raise CellError("a time of day is UTC and carries no offset")
        return value

    def format_value(self, value: dt.time) -> str:
        return value.isoformat()


@dataclass(frozen=True)
class Timestamp(Cell):
    """A moment in UTC. A timestamp without an offset is read as UTC; others are converted."""

    kind: str = "timestamp"

    def parse_value(self, text: str) -> dt.datetime:
        try:
            value = dt.datetime.fromisoformat(text)
            if value.tzinfo is None:
                value = value.replace(tzinfo=dt.UTC)
            value = value.astimezone(dt.UTC)
        except ValueError:
            raise CellError(f"{text!r} is not a timestamp like 2024-03-31T06:00:00Z") from None
        except OverflowError:
            raise CellError(f"{text!r} is outside the farm's era") from None
        return in_era(value.date(), value)

    def format_value(self, value: dt.datetime) -> str:
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def in_era(day: dt.date, value: Any) -> Any:
    """``value`` when ``day`` lies within the farm's era (the settings of :mod:`limits`)."""
    first, last = limits.era()
    if day < first:
        raise CellError(f"{day} is before the farm's era (from {first}, AQUAGROWTH_ERA_START)")
    if day > last:
        raise CellError(f"{day} is after the farm's era (until {last}, today + the margin)")
    return value


@dataclass(frozen=True)
class YesNo(Cell):
    empty: Any = False
    kind: str = "yes/no"

    def parse_value(self, text: str) -> bool:
        word = text.lower()
        if word in ("yes", "true", "1"):
            return True
        if word in ("no", "false", "0"):
            return False
        raise CellError(f"{text!r} is not yes or no")

    def format_value(self, value: bool) -> str:
        return "yes" if value else "no"
