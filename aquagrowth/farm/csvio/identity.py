"""Is a row an event already stored? Identity, repeats and updates (docs/data-in.md).

The check pass offers every valid event row to a :class:`Judge`, which looks the rows
up in the database a chunk at a time (one or two queries per chunk, by the tables'
(batch, day) indexes and the identity's unique index) and gives each line a verdict:

- a row whose identity names a stored event: unchanged when every value is equal, an
  update of that event otherwise (reported), never a second event;
- a row naming an event of this farm by the identity an export made
  (``aquagrowth:<farm>``, the event's id): the same; when that event no longer exists
  the row is a new event that keeps the identity (an old export restores it once);
- a row equal to a stored event but without a matching identity: a repeat, reported
  (or skipped, or stored again, as the import was asked);
- a reading with the sensor (or container and parameter) and time of a stored one:
  unchanged, or an update of its value.

Verdicts are kept as one byte per line, so a file of millions of repeated rows costs
megabytes, not gigabytes, between the check and the load.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from django.db import connection
from django.db.models import Q

from aquagrowth.farm.csvio.catalogue import Catalogue
from aquagrowth.farm.csvio.errors import WHOLE_ROW, ErrorLog
from aquagrowth.farm.csvio.kinds.base import Kind, Row
from aquagrowth.farm.csvio.kinds.events import ReadingKind

CHUNK_ROWS = 2000
"""Rows looked up together: a few queries per chunk, parameters well under SQLite's
limit, bounded memory."""
ARRAY_CHUNK_ROWS = 10_000
"""Rows looked up together on PostgreSQL, where each column's values go as one array
parameter (``__any_of``): a whole request of the event API in one look-up."""

IDENTITY_COLUMNS = ("source", "external_id")
READING_KEY = ("container", "parameter", "reading_time", "sensor")


class Verdict(IntEnum):
    NEW = 0
    UNCHANGED = 1
    UPDATE = 2
    REPEAT_SKIPPED = 3


@dataclass(frozen=True)
class RepeatPolicy:
    """What to do with a row equal to a stored event that it does not name by identity:
    report it (default), leave it out (``skip``) or store it as a new event (``allow``).
    ``advice`` ends the finding of a reported repeat: how to ask for the other two (the
    command's options, or the event API's query parameter)."""

    skip: bool = False
    allow: bool = False
    advice: str = "--skip-repeats leaves such rows out, --allow-repeat stores them as new events"


@dataclass
class Verdicts:
    """One byte per line of a file, and the stored event of every line that updates one."""

    codes: bytearray = field(default_factory=bytearray)
    updates: dict[int, tuple[int, Row]] = field(default_factory=dict)
    counts: Counter[Verdict] = field(default_factory=Counter)

    def set(self, line: int, verdict: Verdict) -> None:
        if line >= len(self.codes):
            self.codes.extend(bytes(max(line + 1 - len(self.codes), len(self.codes))))
        self.codes[line] = verdict
        self.counts[verdict] += 1

    def get(self, line: int) -> Verdict:
        return Verdict(self.codes[line]) if line < len(self.codes) else Verdict.NEW


def compared_columns(kind: Kind) -> tuple[str, ...]:
    """What makes two events the same event: every column but the identity."""
    return tuple(c for c in kind.spec.column_names if c not in IDENTITY_COLUMNS)


def narrowing_columns(kind: Kind) -> tuple[str, ...]:
    """Compared columns that are the model's own fields and always hold a decimal number
    (an amount, a weight): where the repeats are looked for, they narrow the search to
    the stored events with one of the amounts given. Whole numbers are left out: a
    count the database refuses (10^20) must reach the load to be reported there."""
    fields = {f.name for f in kind.model._meta.concrete_fields if not f.is_relation}
    return tuple(
        column.name
        for column in kind.spec.columns
        if column.name in fields
        and column.name in compared_columns(kind)
        and column.cell.required
        and column.cell.kind == "number"
    )


def own_source() -> str | None:
    """This farm's own source name, None when it has none yet (nothing to look up)."""
    from aquagrowth.farm.models import FarmIdentity

    return FarmIdentity.own_source(make=False)


class Judge:
    """Gives every valid row of one event file its :class:`Verdict` (see the module)."""

    def __init__(
        self,
        kind: Kind,
        catalogue: Catalogue,
        errors: ErrorLog,
        file_name: str,
        repeats: RepeatPolicy,
        farm_source: str | None,
    ) -> None:
        self.kind, self.catalogue, self.errors = kind, catalogue, errors
        self.file_name, self.repeats, self.farm_source = file_name, repeats, farm_source
        self.verdicts = Verdicts()
        self.updates_said: list[str] = []
        self.compared = compared_columns(kind)
        self.narrowing = narrowing_columns(kind)
        self._pending: list[tuple[int, Row]] = []
        self.chunk_rows = ARRAY_CHUNK_ROWS if connection.vendor == "postgresql" else CHUNK_ROWS
        self.not_of_run: int | None = None
        """An import run whose events are not looked at: the running one, which stores
        the rows above as it checks (two equal rows of one import are two events)."""
        self.on_new: Callable[[int, Row], None] = lambda line, row: None
        """Called for every row judged new, once its chunk is judged (a new sample
        counts among its day's samples; one already stored does not count twice)."""

    def _stored_rows(self, where: Q):
        if self.not_of_run is not None:
            where &= ~Q(import_run_id=self.not_of_run)
        return self.kind.stored_rows(where=where)

    def offer(self, line: int, row: Row) -> None:
        self._pending.append((line, row))
        if len(self._pending) >= self.chunk_rows:
            self.flush()

    def flush(self) -> None:
        rows, self._pending = self._pending, []
        if not rows:
            return
        if isinstance(self.kind, ReadingKind):
            self._judge_readings(rows)
        else:
            unmatched = self._judge_identities([r for r in rows if r[1]["external_id"]])
            plain = [r for r in rows if not r[1]["external_id"]]
            self._judge_repeats(plain, unmatched)
        for line, row in rows:
            if self.verdicts.get(line) == Verdict.NEW:
                self.on_new(line, row)

    # -- identities -------------------------------------------------------------------

    def _judge_identities(self, rows: list[tuple[int, Row]]) -> list[tuple[int, Row]]:
        """Verdicts of rows with an identity; returns those naming no stored event.

        An identity is looked up as stored; one of this farm's own export that is not
        stored names the event by its id (when that event has no identity of its own).
        One naming nothing (another system's new event, or an event of this farm deleted
        since the export) is new, and is stored with that identity.
        """
        if not rows:
            return []
        wanted = {(row["source"], row["external_id"]) for _, row in rows}
        where = self._identities_stored(wanted)
        stored = {}
        if where is not None:
            stored = {
                (row["source"], row["external_id"]): (pk, row)
                for pk, row in self._stored_rows(where)
            }
        by_pk: dict[int, tuple[int, Row]] = {}
        unmatched: list[tuple[int, Row]] = []
        for line, row in rows:
            found = stored.get((row["source"], row["external_id"]))
            if found is not None:
                self._compare(line, row, *found)
            elif row["source"] == self.farm_source and row["external_id"].isdigit():
                by_pk[int(row["external_id"])] = (line, row)
            else:
                unmatched.append((line, row))
        if by_pk:
            where = Q(pk__in=list(by_pk), external_id="")
            own = dict(self._stored_rows(where))
            for pk, (line, row) in by_pk.items():
                if pk in own:
                    self._compare(line, row, pk, own[pk])
                else:
                    unmatched.append((line, row))
        return unmatched

    def _identities_stored(self, wanted: set[tuple[str, str]]) -> Q | None:
        """Where the stored events of the ``wanted`` identities are (None: there is none).

        On PostgreSQL each identity is looked up in the unique index on its own (one
        query, the pairs as two array parameters): ``source IN (...) AND external_id IN
        (...)`` was planned as a scan of every event of the source, which grows with
        the farm's history, not with the request."""
        if connection.vendor != "postgresql":
            where = Q(source__in={s for s, _ in wanted}, external_id__in={e for _, e in wanted})
            # Said again (it holds for every row here) so the partial unique index serves.
            return where & ~Q(external_id="")
        table = connection.ops.quote_name(self.kind.model._meta.db_table)
        # OFFSET 0 keeps the per-identity look-up a look-up (not flattened into a join).
        # The pairs go as one JSON text: psycopg's quoting of two arrays of 10,000
        # texts, one element at a time, cost more than PostgreSQL's answer.
        sql = (
            f"SELECT f.id FROM (SELECT (SELECT e.id FROM {table} e WHERE e.source = w->>0"
            " AND e.external_id = w->>1 AND e.external_id <> '') AS id"
            " FROM json_array_elements(%s::json) AS w OFFSET 0) f"
            " WHERE f.id IS NOT NULL"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [json.dumps(sorted(wanted))])
            pks = [pk for (pk,) in cursor.fetchall()]
        return Q(pk__any_of=pks) if pks else None

    def _compare(self, line: int, row: Row, pk: int, stored: Row) -> None:
        changes = [
            f"{column} {_shown(stored[column])} -> {_shown(row[column])}"
            for column in self.compared
            if stored[column] != row[column]
        ]
        if not changes:
            self.verdicts.set(line, Verdict.UNCHANGED)
            return
        self.verdicts.set(line, Verdict.UPDATE)
        self.verdicts.updates[line] = (pk, stored)
        where = f"{self.file_name}:{line}" if self.file_name else f"[{line}]"
        self.updates_said.append(f"{where}: updates {self.kind.name} {pk}: {', '.join(changes)}")

    # -- repeats ----------------------------------------------------------------------

    def _judge_repeats(
        self, plain: list[tuple[int, Row]], identified: list[tuple[int, Row]]
    ) -> None:
        """Rows equal to a stored event they do not name: ``plain`` rows (no identity)
        against every stored event, ``identified`` rows (an identity new here) against
        stored events without identity."""
        rows = plain + identified
        if not rows:
            return
        date = self.kind.date_column
        batch_ids = self._stored_batch_ids({row["batch"] for _, row in rows})
        if not batch_ids:
            return  # batches new in this import: no stored event to repeat
        where = Q(batch__id__any_of=batch_ids) & Q(
            **{f"{date}__any_of": {row[date] for _, row in rows}}
        )
        for column in self.narrowing:
            # An equal event has one of these amounts too: a few rows to read, not every
            # event of the batches on those days.
            where &= Q(**{f"{column}__any_of": {row[column] for _, row in rows}})
        if not plain:
            # Rows that all carry an identity (a feed system's) can only repeat a stored
            # event without one: the events that system sent before are not read.
            where &= Q(external_id="")
        any_stored: dict[tuple, int] = {}
        without_identity: dict[tuple, int] = {}
        for pk, stored in self._stored_rows(where):
            key = tuple(stored[c] for c in self.compared)
            any_stored.setdefault(key, pk)
            if not stored["external_id"]:
                without_identity.setdefault(key, pk)
        for group, candidates in ((plain, any_stored), (identified, without_identity)):
            for line, row in group:
                pk = candidates.get(tuple(row[c] for c in self.compared))
                if pk is not None:
                    self._repeat(line, pk)

    def _stored_batch_ids(self, numbers: set[str]) -> list[int]:
        """Ids of the stored batches of ``numbers`` (the catalogue knows them): the
        search then reads the (batch, day) index itself, not every event of the days."""
        ids = []
        for number in numbers:
            entry = self.catalogue.get("batches", (number,))
            if entry is not None and entry.id is not None:
                ids.append(entry.id)
        return ids

    def _repeat(self, line: int, pk: int) -> None:
        if self.repeats.allow:
            return
        if self.repeats.skip:
            self.verdicts.set(line, Verdict.REPEAT_SKIPPED)
            return
        self._bad(
            line,
            WHOLE_ROW,
            f"the same event is already stored ({self.kind.name} {pk}); {self.repeats.advice}",
        )

    # -- readings ---------------------------------------------------------------------

    def _judge_readings(self, rows: list[tuple[int, Row]]) -> None:
        """A reading is named by its sensor (else container and parameter) and time."""
        where = Q(container__name__any_of={row["container"] for _, row in rows}) & Q(
            reading_time__any_of={row["reading_time"] for _, row in rows}
        )
        stored = {
            tuple(row[c] for c in READING_KEY): (pk, row) for pk, row in self._stored_rows(where)
        }
        for line, row in rows:
            found = stored.get(tuple(row[c] for c in READING_KEY))
            if found is not None:
                self._compare(line, row, *found)

    def _bad(self, line: int, column: str, reason: str) -> None:
        self.errors.add(self.file_name, line, column, reason)


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    return format(value, "g") if isinstance(value, float) else str(value)
