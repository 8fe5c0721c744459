"""A request's JSON events as the text cells of CSV rows, and what is wrong with its shape.

The import judges text cells (:mod:`aquagrowth.farm.csvio.cells`), so every JSON value
becomes the text a CSV cell would hold: a number as ``repr`` writes it (``410``,
``0.25``, ``1e-05``), ``true``/``false`` as ``yes``/``no``, ``null`` as an empty cell,
a string as it is. The same parsers then read them: ``3.0`` is no fish count in a file
nor here. What only JSON can get wrong (a list where a value belongs, an unknown field,
an event that is no object) is found here, named ``[index].field`` as the import names
its findings.

A growth sample may carry its fish (``fish``: a list of ``{fish_number, weight_g,
length_cm}``); they become rows of ``fish.csv`` naming the sample by its batch,
container, arrival and day, and their findings are named ``[index].fish[n].field``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aquagrowth.farm.csvio.cells import Text, neutralise
from aquagrowth.farm.csvio.errors import WHOLE_ROW, ErrorLog, RowError
from aquagrowth.farm.csvio.format import Column, FileSpec
from aquagrowth.farm.csvio.kinds.samples import SAMPLE_KEY, FishKind

MAX_EVENTS = 10_000
"""Events per request: a day of a large farm's feeding fits, and the all-or-nothing
transaction of one request stays short."""
MAX_FISH = 100_000
"""Fish of the samples of one request, in all."""
FISH = "fish"
FISH_FIELDS = ("fish_number", "weight_g", "length_cm")
FISH_SPEC: FileSpec = FishKind.spec

Record = dict[str, str]


class BadBody(ValueError):
    """The body is not what the endpoint takes (not a list, too long): the message says
    what is, as a 400's ``detail``."""


class NotAValue(ValueError):
    """A JSON value that no CSV cell holds (an object or a list)."""


def cell_text(value: Any, column: Column) -> str:
    """The text a CSV cell would hold for the JSON ``value`` of ``column``.

    A string of a text column is written as export writes it (a ``'`` before a leading
    ``=``, ``+``, ``-``, ``@``), so that the parser, which reads that ``'`` away, gives
    back exactly the string sent.
    """
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: True is an int
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return neutralise(value) if isinstance(column.cell, Text) else value
    raise NotAValue(f"a {type(value).__name__} is not a value; give a number, text or null")


@dataclass
class Records:
    """The text records of a request by kind name, and where each fish row came from."""

    by_kind: dict[str, list[Record]] = field(default_factory=dict)
    fish_origin: list[tuple[int, int]] = field(default_factory=list)
    """Row ``k`` of ``fish``: (index of its sample, index within the sample's ``fish``)."""

    def leave_out(self, indices: set[int]) -> None:
        """Leave events (and their fish) out of the import: they were answered already
        (a batch the user may not see is answered as unknown, and nothing else)."""
        if not indices:
            return
        for rows in self.by_kind.values():
            if rows is not self.by_kind.get(FISH):
                for index in indices:
                    rows[index] = {}
        if FISH in self.by_kind:
            kept = [
                (row, origin)
                for row, origin in zip(self.by_kind[FISH], self.fish_origin, strict=True)
                if origin[0] not in indices
            ]
            self.by_kind[FISH] = [row for row, _ in kept]
            self.fish_origin = [origin for _, origin in kept]

    def finding(self, error: RowError) -> RowError:
        """A finding of the import, named as the request names its rows."""
        if error.file != FISH:
            return error
        sample, number = self.fish_origin[error.line]
        column = f"fish[{number}]" + ("" if error.column == WHOLE_ROW else f".{error.column}")
        return RowError("", sample, column, error.reason)


def check_list(events: Any) -> Sequence[Any]:
    """The body as a list of at most :data:`MAX_EVENTS` items, else :class:`BadBody`."""
    if not isinstance(events, list):
        raise BadBody("The body must be a JSON list of events (objects).")
    if len(events) > MAX_EVENTS:
        raise BadBody(
            f"{len(events)} events: at most {MAX_EVENTS} per request; send them in parts."
        )
    return events


def records_of(
    kind: str,
    spec: FileSpec,
    events: Sequence[Any],
    errors: ErrorLog,
    *,
    with_fish: bool,
    by_columns: bool = True,
) -> Records:
    """Text records of ``events`` under ``spec``'s columns (absent fields empty); what is
    wrong with their shape goes to ``errors``. ``with_fish``: samples' ``fish`` too.

    Record ``i`` is event ``i``: an event with a finding of shape stands as an empty
    record, which the import skips, so that the import's findings name the others by
    their own index.

    ``by_columns``: the events of a plain shape (objects of known fields holding
    numbers, text, booleans or null) are turned into text a column at a time
    (:func:`_plain_records`); only the others are read one by one, which reports them.
    False reads every event one by one (kept to hold the two to the same records and
    findings, ``tests/ingest/test_payload_columns.py``).
    """
    extra = (FISH,) if with_fish else ()
    plain = _plain_records(events, spec, extra) if by_columns else {}
    records = Records(by_kind={kind: []})
    fish_rows: list[Record] = []
    for index, event in enumerate(events):
        record = plain.get(index)
        if record is None:
            record = _record(index, event, spec, errors, extra)
        elif not _has_value(record, event):
            errors.add("", index, WHOLE_ROW, "an empty event: no field has a value")
            record = None
        records.by_kind[kind].append(record or {})
        if record is None:
            continue
        if with_fish and isinstance(event.get(FISH), list | type(None)):
            for number, fish in enumerate(event.get(FISH) or ()):
                row = _fish_record(index, number, fish, record, errors)
                if row is not None:
                    fish_rows.append(row)
                    records.fish_origin.append((index, number))
        elif with_fish:
            errors.add("", index, FISH, "must be a list of fish ({fish_number, weight_g, ...})")
    if fish_rows:
        if len(fish_rows) > MAX_FISH:
            raise BadBody(f"{len(fish_rows)} fish: at most {MAX_FISH} per request.")
        records.by_kind[FISH] = fish_rows
    return records


def _record(
    index: int, event: Any, spec: FileSpec, errors: ErrorLog, extra: tuple[str, ...] = ()
) -> Record | None:
    """One event's cells by column name, or None after reporting why it has none."""
    if not isinstance(event, dict):
        errors.add("", index, WHOLE_ROW, "an event must be an object of fields")
        return None
    before = errors.total
    columns = _columns_of(spec)
    for name in event:
        if name not in columns and name not in extra:
            known = ", ".join((*columns, *extra))
            errors.add("", index, str(name) or WHOLE_ROW, f"unknown field (fields: {known})")
    record: Record = {}
    for name, column in columns.items():
        try:
            record[name] = cell_text(event.get(name), column)
        except NotAValue as exc:
            errors.add("", index, name, str(exc))
    if errors.total > before:
        return None
    if not _has_value(record, event):
        errors.add("", index, WHOLE_ROW, "an empty event: no field has a value")
        return None
    return record


def _has_value(record: Record, event: dict) -> bool:
    """Some field of the event holds something (a non-blank cell, or fish)."""
    return any(text.strip() for text in record.values()) or bool(event.get(FISH))


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})
"""JSON values a cell holds; a list or an object where a value belongs is a finding."""


def _plain_records(
    events: Sequence[Any], spec: FileSpec, extra: tuple[str, ...]
) -> dict[int, Record]:
    """The records of the events of a plain shape, by index, made a column at a time.

    A request's events repeat the same few values in most columns (a batch, a
    container, a day) and hold the same type in each; turning each column's values
    into text at once (each distinct text neutralised once, numbers by ``str`` and
    ``repr`` over the whole list) costs a fraction of a call per cell. Events of
    another shape are left out, for :func:`_record` to report in its own words.
    """
    columns = _columns_of(spec)
    allowed = set(columns).union(extra)
    indexes = [i for i, e in enumerate(events) if type(e) is dict and e.keys() <= allowed]
    values_by_column = {name: [events[i].get(name) for i in indexes] for name in columns}
    wrong: set[int] = set()
    for values in values_by_column.values():
        if not set(map(type, values)) <= _PLAIN_TYPES:
            wrong.update(
                i for i, v in zip(indexes, values, strict=True) if type(v) not in _PLAIN_TYPES
            )
    if wrong:
        kept = [k for k, i in enumerate(indexes) if i not in wrong]
        indexes = [indexes[k] for k in kept]
        values_by_column = {
            name: [values[k] for k in kept] for name, values in values_by_column.items()
        }
    texts = [
        _column_text(values, set(map(type, values)), columns[name])
        for name, values in values_by_column.items()
    ]
    names = list(values_by_column)
    return {
        i: dict(zip(names, row, strict=True))
        for i, row in zip(indexes, zip(*texts, strict=True), strict=True)
    }


def _column_text(values: list[Any], kinds: set[type], column: Column) -> list[str]:
    """:func:`cell_text` of every value of one column (all of plain types)."""
    if kinds == {str}:
        if not isinstance(column.cell, Text):
            return values
        shown = {value: neutralise(value) for value in set(values)}
        return list(map(shown.__getitem__, values))
    if kinds == {float}:
        return list(map(repr, values))
    if kinds == {int}:
        return list(map(str, values))
    if kinds == {type(None)}:
        return [""] * len(values)
    return [cell_text(value, column) for value in values]


_COLUMNS: dict[str, dict[str, Column]] = {}


def _columns_of(spec: FileSpec) -> dict[str, Column]:
    """The spec's columns by name, made once per kind (not once per event)."""
    if spec.name not in _COLUMNS:
        _COLUMNS[spec.name] = {column.name: column for column in spec.columns}
    return _COLUMNS[spec.name]


def _fish_record(
    index: int, number: int, fish: Any, sample: Record, errors: ErrorLog
) -> Record | None:
    """A fish of sample ``index`` as a ``fish.csv`` row naming the sample."""
    where = f"{FISH}[{number}]"
    if not isinstance(fish, dict):
        errors.add("", index, where, "a fish must be an object {fish_number, weight_g, length_cm}")
        return None
    unknown = [name for name in fish if name not in FISH_FIELDS]
    for name in unknown:
        errors.add(
            "", index, f"{where}.{name}", f"unknown field (fields: {', '.join(FISH_FIELDS)})"
        )
    columns = {column.name: column for column in FISH_SPEC.columns}
    record: Record = {name: sample[name] for name in SAMPLE_KEY}
    for name in FISH_FIELDS:
        try:
            record[name] = cell_text(fish.get(name), columns[name])
        except NotAValue as exc:
            errors.add("", index, f"{where}.{name}", str(exc))
            return None
    return None if unknown else record
