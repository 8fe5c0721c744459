"""One key for everything a batch's growth answer depends on.

Two requests with the same key get the same answer, byte for byte; anything that would
change the answer changes the key. The key is made of:

- **the batch's inputs, by content**: one SQL statement hashes, in the database, the
  batch's row (number, species, start, status, pinned scenario), its stays (container
  and stage names and ids, dates, opening fish and weight) each with the fingerprint of
  its stored daily states (``StateDigest``: the store writes it in the transaction that
  writes the rows, so a recompute that writes rows changes it and one that writes none
  does not), its growth samples, its completed transfers, the species' stages, and the
  scenario in force (pinned, else newest) with its stages and temperature profile.
  Because it reads content rather than a counter, every way of writing counts: the
  admin, the API, a CSV import, a bulk update, SQL by hand. The one thing it trusts is
  that daily states are written by the engine's store (which keeps their fingerprint);
- **the batch's mortality records and harvests, by a counter** (``RecordsVersion``):
  the answer reads them directly (deaths by cause, harvested fish and weight), so an
  edit that changes no daily state (a cause corrected in place) must change the key too.
  Database triggers bump the counter on every insert, update and delete of them, so
  every way of writing counts here as well, for one row read by its key instead of
  thousands of records hashed;
- **the farm's weight model fit** (the newest ``WeightModelFit``'s id): the forward
  projection grows pens at their own TGC only once the farm is fitted, and its band
  widens by the fitted TGC drift, so a new fit changes the answer even where no daily
  state changes;
- **the query**: start, end, assignment, granularity;
- **the model**: a hash of the code of the ``aquagrowth`` package, read as the process starts,
  so a deploy that changes how weights, projections or the answer are computed never
  serves an answer of the code before it (the engine's weight model and the
  projections' TGC model are that code; their parameters are the scenario above). No
  setting chooses a model today; one that does (a farm's weight model) joins the key
  beside the code;
- **the day** (UTC, the farm's day): the answer does not depend on today yet, but a page
  that shows "today" or "days ago" must never be frozen across midnight by a cache; the
  price is one fresh computation per batch and query a day.

Not in the key: the user. The answer is the same for everyone allowed to see the batch
(the view checks that before it looks at the cache); an answer that ever depends on
who asks must add them here.

Cost: one statement that reads a few hundred short rows through indexes, prepared once
per connection on PostgreSQL: about 1 ms of database CPU for a batch of 55 stays and 560
samples, on the demo farm (6 batches) as on the seed-scale one (144), against 70-150 ms
to compute the answer.
"""

from __future__ import annotations

import functools
import hashlib
import weakref
from pathlib import Path

from django.db import connection
from django.utils import timezone

import aquagrowth
from aquagrowth.analysis.models import RecordsVersion
from aquagrowth.engine.models import StateDigest, WeightModelFit
from aquagrowth.farm import models as m

KEY_VERSION = 3
"""Bumped when the key's own recipe changes (it names the prepared statement too)."""


def _col(expression: str) -> str:
    """A value as text, NULL distinct from any value."""
    return f"COALESCE(CAST({expression} AS TEXT), '~')"


def _name(expression: str) -> str:
    """Free text, length-prefixed so that no separator inside it can shift a field."""
    return f"(LENGTH({expression}) || ':' || {expression})"


def _row(*parts: str) -> str:
    return " || ',' || ".join(parts)


def _parts() -> dict[str, tuple[str, str, str]]:
    """Per input: (the row as text, FROM ... WHERE ..., ORDER BY) for batch ``b``."""
    t = {
        name: model._meta.db_table
        for name, model in {
            "assignment": m.Assignment,
            "container": m.Container,
            "stage": m.LifecycleStage,
            "digest": StateDigest,
            "sample": m.GrowthSample,
            "transfer": m.TransferAction,
            "scenario": m.Scenario,
            "scenario_stage": m.ScenarioStage,
            "profile": m.TemperatureProfilePoint,
        }.items()
    }
    # The stay's container, stage and fingerprint by one index probe each: joined, the
    # planner may read those whole tables for every request (it did on the seed farm).
    stay = _row(
        *map(_col, ("a.id", "a.container_id", "a.stage_id", "a.assignment_date")),
        *map(_col, ("a.departure_date", "a.population_count", "a.avg_weight_g")),
        _col(f"(SELECT {_name('c.name')} FROM {t['container']} c WHERE c.id = a.container_id)"),
        _col(f"(SELECT {_name('st.name')} FROM {t['stage']} st WHERE st.id = a.stage_id)"),
        _col(
            f"(SELECT d.digest || ':' || d.rows FROM {t['digest']} d WHERE d.assignment_id = a.id)"
        ),
    )
    sample = _row(
        *map(_col, ("g.id", "g.assignment_id", "g.sample_date", "g.sample_size")),
        *map(_col, ("g.avg_weight_g", "g.std_weight_g", "g.avg_length_cm")),
    )
    return {
        "stays": (stay, f"{t['assignment']} a WHERE a.batch_id = b.id", "a.id"),
        "samples": (sample, f"{t['sample']} g WHERE g.batch_id = b.id", "g.id"),
        "transfers": (
            _row(_col("x.id"), _col("x.dest_assignment_id")),
            f"{t['transfer']} x WHERE x.batch_id = b.id AND x.status = "
            f"'{m.TransferStatus.COMPLETED.value}'",
            "x.id",
        ),
        "stages": (
            _row(_col("st.id"), _col('st."order"'), _name("st.name"), _col("st.max_weight_g")),
            f"{t['stage']} st WHERE st.species_id = b.species_id",
            "st.id",
        ),
        "scenario": (
            _row(_col("s.id"), _name("s.name"), _col("s.harvest_weight_g")),
            f"{t['scenario']} s WHERE s.id = b.scenario_id",
            "s.id",
        ),
        "scenario_stages": (
            _row(*map(_col, ("p.stage_id", "p.tgc", "p.fcr", "p.mortality_rate_per_day"))),
            f"{t['scenario_stage']} p WHERE p.scenario_id = b.scenario_id",
            "p.stage_id",
        ),
        "profile": (
            _row(_col("p.day_number"), _col("p.temp_c")),
            f"{t['profile']} p WHERE p.scenario_id = b.scenario_id",
            "p.day_number",
        ),
    }


def _digest_sql(row: str, source: str, order: str, vendor: str) -> str:
    """A scalar subquery: MD5 of the rows as text, in a fixed order ('' without rows).

    MD5 is PostgreSQL's own; on SQLite it is the function Django registers. SQLite's
    group_concat takes the order of its subquery: were it ever to take another, the key
    would only change (a miss), never match another answer's.
    """
    if vendor == "postgresql":
        return f"(SELECT COALESCE(MD5(STRING_AGG({row}, '|' ORDER BY {order})), '') FROM {source})"
    return (
        f"(SELECT COALESCE(MD5(GROUP_CONCAT(r, '|')), '') FROM "
        f"(SELECT {row} AS r FROM {source} ORDER BY {order}))"
    )


@functools.cache
def inputs_sql(vendor: str) -> str:
    """The statement that hashes a batch's inputs (one parameter: the batch id)."""
    batch, scenario = m.Batch._meta.db_table, m.Scenario._meta.db_table
    species, records = m.Species._meta.db_table, RecordsVersion._meta.db_table
    fits = WeightModelFit._meta.db_table
    in_force = (
        f"COALESCE(x.pinned_scenario_id, (SELECT s.id FROM {scenario} s WHERE s.batch_id = x.id "
        "ORDER BY s.created_at DESC, s.id DESC LIMIT 1))"
    )
    head = _row(
        *map(_col, ("b.number", "b.species_id", "b.start_date", "b.status")),
        _col("b.pinned_scenario_id"),
        _col("b.scenario_id"),
        _name("b.species_name"),
        _col("b.records_version"),
        _col(f"(SELECT MAX(f.id) FROM {fits} f)"),
    )
    subqueries = [
        _digest_sql(row, source, order, vendor) for row, source, order in _parts().values()
    ]
    return (
        f"WITH b AS (SELECT x.id, x.number, x.species_id, x.start_date, x.status, "
        f"x.pinned_scenario_id, {in_force} AS scenario_id, sp.name AS species_name, "
        f"(SELECT v.version FROM {records} v WHERE v.batch_id = x.id) AS records_version "
        f"FROM {batch} x JOIN {species} sp ON sp.id = x.species_id WHERE x.id = %s) "
        f"SELECT {head}, {', '.join(subqueries)} FROM b"
    )


PREPARED = f"aquagrowth_answer_inputs_v{KEY_VERSION}"
"""Named by the recipe's version: a session kept across a deploy (a pooler in session
mode) never runs the old recipe's statement under the new code."""
_prepared_on: weakref.WeakSet = weakref.WeakSet()


def _execute_prepared(cursor, batch_id: int) -> None:
    """Run the statement prepared once per PostgreSQL connection: parsing and planning it
    cost the server as much as running it (about 0.8 ms each, measured); PostgreSQL keeps
    one generic plan for every batch. A prepared statement lives as long as its session,
    through rollbacks (a pooler must run in session mode, as the batch locks need)."""
    raw = connection.connection
    if raw not in _prepared_on:
        cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [PREPARED])
        if cursor.fetchone() is None:
            statement = inputs_sql("postgresql").replace("%s", "$1")
            cursor.execute(f"PREPARE {PREPARED}(bigint) AS {statement}")
        _prepared_on.add(raw)
    cursor.execute(f"EXECUTE {PREPARED}(%s)", [batch_id])


def inputs_version(batch_id: int) -> str | None:
    """A hash of everything stored that the batch's answer reads; None without the batch."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _execute_prepared(cursor, batch_id)
        else:
            cursor.execute(inputs_sql(connection.vendor), [batch_id])
        row = cursor.fetchone()
    if row is None:
        return None
    return hashlib.blake2b("\n".join(row).encode(), digest_size=16).hexdigest()


@functools.cache
def code_version() -> str:
    """A hash of every Python file of the ``aquagrowth`` package, read once per process,
    as it starts (``AnalysisConfig.ready``)."""
    root = Path(aquagrowth.__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def answer_key(batch_id: int, query: tuple, *, today=None) -> str | None:
    """The cache key of batch ``batch_id``'s answer to ``query`` (a tuple of its values).

    None when the batch does not exist (any more). ``today`` defaults to the UTC day.
    """
    inputs = inputs_version(batch_id)
    if inputs is None:
        return None
    day = today or timezone.now().date()
    recipe = repr((KEY_VERSION, code_version(), day.isoformat(), batch_id, query, inputs))
    return hashlib.blake2b(recipe.encode(), digest_size=20).hexdigest()
