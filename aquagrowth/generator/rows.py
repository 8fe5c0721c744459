"""One batch's simulated life as database rows (tables of numpy columns with explicit ids).

Ids are handed out from ranges the build reserved (:class:`IdRanges`), so rows that
refer to each other (an assignment and its transfers, events and truth) are written
together without asking the database for keys.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from aquagrowth.db.copy import Column, Table
from aquagrowth.generator.fixed_records import FixedRecordIds
from aquagrowth.generator.records import Records
from aquagrowth.generator.scenario import ScenarioPlan
from aquagrowth.generator.simulate import CAUSES, BatchTruth

FEED_TYPES = ("", "Starter 0.5 mm", "Fry 1.5 mm", "Parr 3 mm", "Smolt 4.5 mm", "Marine 9 mm")

TABLES = (
    "farm_batch",
    "farm_scenario",
    "farm_scenariostage",
    "farm_temperatureprofilepoint",
    "farm_assignment",
    "farm_transferaction",
    "farm_mortalityevent",
    "farm_harvest",
    "farm_feedingevent",
    "farm_growthsample",
    "farm_environmentalreading",
    "farm_populationcount",
    "generator_truedailystate",
)
"""Tables the generator fills with explicit ids, in the order they are written."""


class IdRanges:
    """The next free id per table; ``take`` reserves a consecutive range."""

    def __init__(self, first: dict[str, int]) -> None:
        self.next = dict(first)

    def take(self, table: str, n: int) -> np.ndarray:
        start = self.next[table]
        self.next[table] = start + n
        return np.arange(start, start + n, dtype=np.int64)


@dataclass(frozen=True)
class BatchRecord:
    """What a batch row needs beyond the truth."""

    number: str
    geography: int
    start_date: dt.date


@dataclass(frozen=True)
class _BatchKeys:
    """The ids one batch's rows refer to each other by, and the day its days count from.

    ``assignment_id`` is the database id of each of the truth's assignments (by position).
    """

    batch_id: int
    scenario_id: int
    assignment_id: np.ndarray
    start: np.datetime64
    fixed: FixedRecordIds

    def batch_column(self, n: int) -> Column:
        """The ``batch_id`` column of ``n`` rows."""
        return Column("batch_id", "int8", _full(n, self.batch_id))


def _full(n: int, value) -> np.ndarray:
    return np.full(n, value)


def _text(n: int, value: str) -> np.ndarray:
    return np.full(n, value, dtype=f"U{max(len(value), 1)}")


def batch_tables(
    record: BatchRecord,
    truth: BatchTruth,
    scenario: ScenarioPlan,
    recorded: Records,
    fixed: FixedRecordIds,
    ids: IdRanges,
    with_truth: bool,
) -> list[Table]:
    """All rows of one batch, one :class:`Table` per database table, in ``TABLES`` order:
    the farm's records of ``truth`` (``recorded``) and, with ``with_truth``, the true
    daily states (``generator_truedailystate``).
    """
    keys = _BatchKeys(
        batch_id=int(ids.take("farm_batch", 1)[0]),
        scenario_id=int(ids.take("farm_scenario", 1)[0]),
        assignment_id=ids.take("farm_assignment", truth.a_stage.size),
        start=np.datetime64(record.start_date, "D"),
        fixed=fixed,
    )
    tables = [
        _batch_table(keys, record, truth),
        _scenario_table(keys, record, scenario),
        _scenario_stage_table(keys, scenario, ids),
        _profile_point_table(keys, scenario, ids),
        _assignment_table(keys, truth, recorded),
        _transfer_table(keys, truth, recorded, ids),
        _mortality_table(keys, truth, recorded, ids),
        _harvest_table(keys, truth, ids),
        _feeding_table(keys, truth, recorded, ids),
        _sample_table(keys, truth, recorded, ids),
        _reading_table(keys, truth, recorded, ids),
        _count_table(keys, truth, recorded, ids),
    ]
    if with_truth:
        tables.append(_true_state_table(keys, truth, recorded, ids))
    return tables


def _batch_table(keys: _BatchKeys, record: BatchRecord, truth: BatchTruth) -> Table:
    """The batch: harvested when its truth ran to the end, else active."""
    return Table(
        "farm_batch",
        (
            Column("id", "int8", np.array([keys.batch_id])),
            Column("number", "text", np.array([record.number])),
            Column("species_id", "int8", np.array([keys.fixed.species_id])),
            Column("geography_id", "int8", np.array([keys.fixed.geography_id[record.geography]])),
            Column("start_date", "date", np.array([keys.start])),
            Column("status", "text", np.array(["harvested" if truth.finished else "active"])),
            Column("pinned_scenario_id", "int8", np.array([keys.scenario_id])),
        ),
    )


def _scenario_table(keys: _BatchKeys, record: BatchRecord, scenario: ScenarioPlan) -> Table:
    """The batch's planning scenario, created on its start day."""
    return Table(
        "farm_scenario",
        (
            Column("id", "int8", np.array([keys.scenario_id])),
            Column("batch_id", "int8", np.array([keys.batch_id])),
            Column("name", "text", np.array([f"Plan {record.number}"])),
            Column("created_at", "timestamptz", np.array([np.datetime64(record.start_date, "us")])),
            Column("harvest_weight_g", "float8", np.array([scenario.harvest_weight_g])),
        ),
    )


def _scenario_stage_table(keys: _BatchKeys, scenario: ScenarioPlan, ids: IdRanges) -> Table:
    """The scenario's TGC, FCR and mortality (fraction per day) per stage."""
    n = scenario.tgc.size
    return Table(
        "farm_scenariostage",
        (
            Column("id", "int8", ids.take("farm_scenariostage", n)),
            Column("scenario_id", "int8", _full(n, keys.scenario_id)),
            Column("stage_id", "int8", keys.fixed.stage_id[:n]),
            Column("tgc", "float8", scenario.tgc),
            Column("fcr", "float8", scenario.fcr),
            Column("mortality_rate_per_day", "float8", scenario.mortality_rate_per_day),
        ),
    )


def _profile_point_table(keys: _BatchKeys, scenario: ScenarioPlan, ids: IdRanges) -> Table:
    """The scenario's temperature profile (day number from 1, degC)."""
    n = scenario.profile_day_number.size
    return Table(
        "farm_temperatureprofilepoint",
        (
            Column("id", "int8", ids.take("farm_temperatureprofilepoint", n)),
            Column("scenario_id", "int8", _full(n, keys.scenario_id)),
            Column("day_number", "int4", scenario.profile_day_number),
            Column("temp_c", "float8", scenario.profile_temp_c),
        ),
    )


def _assignment_table(keys: _BatchKeys, truth: BatchTruth, recorded: Records) -> Table:
    """Every stay of the batch in a container; open stays have no departure date.

    Only the egg input opens with fish (the stocking count) and a weight (g); a
    transfer's destination opens empty (population 0, no weight) and receives its fish
    by the transfer.
    """
    n = truth.a_stage.size
    egg_input = ~np.isnan(truth.a_w0)
    return Table(
        "farm_assignment",
        (
            Column("id", "int8", keys.assignment_id),
            keys.batch_column(n),
            Column("container_id", "int8", keys.fixed.container_id[truth.a_container]),
            Column("stage_id", "int8", keys.fixed.stage_id[truth.a_stage]),
            Column("assignment_date", "date", keys.start + truth.a_first),
            Column("departure_date", "date", keys.start + truth.a_stop, null=~truth.a_departed),
            Column("population_count", "int4", recorded.stocked),
            Column("avg_weight_g", "float8", np.where(egg_input, truth.a_w0, 1.0), ~egg_input),
        ),
    )


def _transfer_table(keys: _BatchKeys, truth: BatchTruth, recorded: Records, ids: IdRanges) -> Table:
    """Completed transfers with the counter's number; an unweighed one has no measured
    weight (g)."""
    n = truth.t_src.size
    unweighed = np.isnan(truth.t_measured_g)
    measured_g = np.where(unweighed, 1.0, truth.t_measured_g)
    return Table(
        "farm_transferaction",
        (
            Column("id", "int8", ids.take("farm_transferaction", n)),
            keys.batch_column(n),
            Column("source_assignment_id", "int8", keys.assignment_id[truth.t_src]),
            Column("dest_assignment_id", "int8", keys.assignment_id[truth.t_dst]),
            Column("execution_date", "date", keys.start + truth.t_day),
            Column("transferred_count", "int4", recorded.transferred),
            Column("measured_avg_weight_g", "float8", measured_g, unweighed),
            Column("selection_method", "text", _text(n, "AVERAGE")),
            Column("status", "text", _text(n, "COMPLETED")),
        ),
    )


def _mortality_table(
    keys: _BatchKeys, truth: BatchTruth, recorded: Records, ids: IdRanges
) -> Table:
    """The mortality records (one per stay and day entered), with their cause."""
    dead = recorded.mortality
    n = dead.row.size
    return Table(
        "farm_mortalityevent",
        (
            Column("id", "int8", ids.take("farm_mortalityevent", n)),
            keys.batch_column(n),
            Column("assignment_id", "int8", keys.assignment_id[truth.r_assign[dead.row]]),
            Column("event_date", "date", keys.start + truth.r_day[dead.row]),
            Column("count", "int4", dead.count),
            Column("cause", "text", np.asarray(CAUSES)[dead.cause]),
        ),
    )


def _harvest_table(keys: _BatchKeys, truth: BatchTruth, ids: IdRanges) -> Table:
    """Harvests: fish and live weight (kg) of each emptied ring."""
    n = truth.h_assign.size
    return Table(
        "farm_harvest",
        (
            Column("id", "int8", ids.take("farm_harvest", n)),
            keys.batch_column(n),
            Column("assignment_id", "int8", keys.assignment_id[truth.h_assign]),
            Column("harvest_date", "date", keys.start + truth.h_day),
            Column("count", "int4", truth.h_count),
            Column("live_weight_kg", "float8", truth.h_live_kg),
        ),
    )


def _feeding_table(keys: _BatchKeys, truth: BatchTruth, recorded: Records, ids: IdRanges) -> Table:
    """Feedings (kg) per container, with the feed type of the fish's stage."""
    feedings = recorded.feedings
    n = feedings.row.size
    assignment = truth.r_assign[feedings.row]
    stage = truth.a_stage[assignment]
    return Table(
        "farm_feedingevent",
        (
            Column("id", "int8", ids.take("farm_feedingevent", n)),
            keys.batch_column(n),
            Column("container_id", "int8", keys.fixed.container_id[truth.a_container[assignment]]),
            Column("feeding_date", "date", keys.start + truth.r_day[feedings.row]),
            Column("feeding_time", "time", feedings.seconds * 1_000_000),
            Column("amount_kg", "float8", feedings.amount_kg),
            Column("feed_type", "text", np.asarray(FEED_TYPES)[stage]),
        ),
    )


def _sample_table(keys: _BatchKeys, truth: BatchTruth, recorded: Records, ids: IdRanges) -> Table:
    """Growth samples: fish weighed, their mean and standard deviation (g)."""
    samples = recorded.samples
    n = samples.row.size
    return Table(
        "farm_growthsample",
        (
            Column("id", "int8", ids.take("farm_growthsample", n)),
            keys.batch_column(n),
            Column("assignment_id", "int8", keys.assignment_id[truth.r_assign[samples.row]]),
            Column("sample_date", "date", keys.start + truth.r_day[samples.row]),
            Column("sample_size", "int4", samples.fish),
            Column("avg_weight_g", "float8", samples.mean_g),
            Column("std_weight_g", "float8", samples.std_g),
        ),
    )


def _reading_table(keys: _BatchKeys, truth: BatchTruth, recorded: Records, ids: IdRanges) -> Table:
    """Sensor readings of the containers the batch occupies, at their minute of the day."""
    readings = recorded.readings
    n = readings.row.size
    container = truth.a_container[truth.r_assign[readings.row]]
    day_start = (keys.start + truth.r_day[readings.row]).astype("datetime64[us]")
    at = day_start + (readings.minute * 60_000_000).astype("timedelta64[us]")
    return Table(
        "farm_environmentalreading",
        (
            Column("id", "int8", ids.take("farm_environmentalreading", n)),
            Column("container_id", "int8", keys.fixed.container_id[container]),
            Column("parameter_id", "int8", keys.fixed.parameter_id[readings.parameter]),
            Column("sensor_id", "int8", keys.fixed.sensor_id[container, readings.parameter]),
            Column("reading_time", "timestamptz", at),
            Column("value", "float8", readings.value),
        ),
    )


def _count_table(keys: _BatchKeys, truth: BatchTruth, recorded: Records, ids: IdRanges) -> Table:
    """Population counts at treatments (the counter's number at the end of the day; the
    precision is the method's)."""
    counts = recorded.counts
    n = counts.row.size
    return Table(
        "farm_populationcount",
        (
            Column("id", "int8", ids.take("farm_populationcount", n)),
            keys.batch_column(n),
            Column("assignment_id", "int8", keys.assignment_id[truth.r_assign[counts.row]]),
            Column("count_date", "date", keys.start + truth.r_day[counts.row]),
            Column("count", "int4", counts.count),
            Column("method", "text", _text(n, "treatment")),
            Column("precision_pct", "float8", np.zeros(n), np.ones(n, dtype=bool)),
            Column("note", "text", _text(n, "delousing")),
        ),
    )


def _true_state_table(
    keys: _BatchKeys, truth: BatchTruth, recorded: Records, ids: IdRanges
) -> Table:
    """The ground truth of each assignment and day: population and weight (g) at the END
    of the day, the fish that died (recorded on time, late, or not yet), the fish lost
    without a record, and the feed eaten (kg, recorded or not)."""
    n = truth.r_day.size
    return Table(
        "generator_truedailystate",
        (
            Column("id", "int8", ids.take("generator_truedailystate", n)),
            keys.batch_column(n),
            Column("assignment_id", "int8", keys.assignment_id[truth.r_assign]),
            Column("date", "date", keys.start + truth.r_day),
            Column("population", "int4", truth.r_pop),
            Column("avg_weight_g", "float8", truth.r_weight),
            Column("deaths", "int4", truth.r_mort),
            Column("hidden_loss", "int4", truth.r_hidden),
            Column("feed_kg", "float8", recorded.true_feed_kg),
        ),
    )
