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
from aquagrowth.generator.events import Feedings, Readings, Samples
from aquagrowth.generator.reference import Reference
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


def _full(n: int, value) -> np.ndarray:
    return np.full(n, value)


def _text(n: int, value: str) -> np.ndarray:
    return np.full(n, value, dtype=f"U{max(len(value), 1)}")


def batch_tables(
    record: BatchRecord,
    truth: BatchTruth,
    scenario: ScenarioPlan,
    feedings: Feedings,
    samples: Samples,
    readings: Readings,
    ref: Reference,
    ids: IdRanges,
    with_truth: bool,
) -> list[Table]:
    """All rows of one batch, one :class:`Table` per database table."""
    start = np.datetime64(record.start_date, "D")
    batch_id = int(ids.take("farm_batch", 1)[0])
    scenario_id = int(ids.take("farm_scenario", 1)[0])
    n_assign = truth.a_stage.size
    a_ids = ids.take("farm_assignment", n_assign)
    tables: list[Table] = []

    def batch_col(n: int) -> Column:
        return Column("batch_id", "int8", _full(n, batch_id))

    tables.append(
        Table(
            "farm_batch",
            (
                Column("id", "int8", np.array([batch_id])),
                Column("number", "text", np.array([record.number])),
                Column("species_id", "int8", np.array([ref.species_id])),
                Column("geography_id", "int8", np.array([ref.geography_id[record.geography]])),
                Column("start_date", "date", np.array([start])),
                Column("status", "text", np.array(["harvested" if truth.finished else "active"])),
                Column("pinned_scenario_id", "int8", np.array([scenario_id])),
            ),
        )
    )
    created = np.datetime64(record.start_date, "us")
    tables.append(
        Table(
            "farm_scenario",
            (
                Column("id", "int8", np.array([scenario_id])),
                Column("batch_id", "int8", np.array([batch_id])),
                Column("name", "text", np.array([f"Plan {record.number}"])),
                Column("created_at", "timestamptz", np.array([created])),
                Column("harvest_weight_g", "float8", np.array([scenario.harvest_weight_g])),
            ),
        )
    )
    n_stage = scenario.tgc.size
    tables.append(
        Table(
            "farm_scenariostage",
            (
                Column("id", "int8", ids.take("farm_scenariostage", n_stage)),
                Column("scenario_id", "int8", _full(n_stage, scenario_id)),
                Column("stage_id", "int8", ref.stage_id[:n_stage]),
                Column("tgc", "float8", scenario.tgc),
                Column("fcr", "float8", scenario.fcr),
                Column("mortality_rate_per_day", "float8", scenario.mortality_rate_per_day),
            ),
        )
    )
    n_prof = scenario.profile_day_number.size
    tables.append(
        Table(
            "farm_temperatureprofilepoint",
            (
                Column("id", "int8", ids.take("farm_temperatureprofilepoint", n_prof)),
                Column("scenario_id", "int8", _full(n_prof, scenario_id)),
                Column("day_number", "int4", scenario.profile_day_number),
                Column("temp_c", "float8", scenario.profile_temp_c),
            ),
        )
    )
    egg_input = ~np.isnan(truth.a_w0)
    tables.append(
        Table(
            "farm_assignment",
            (
                Column("id", "int8", a_ids),
                batch_col(n_assign),
                Column("container_id", "int8", ref.container_id[truth.a_container]),
                Column("stage_id", "int8", ref.stage_id[truth.a_stage]),
                Column("assignment_date", "date", start + truth.a_first),
                Column("departure_date", "date", start + truth.a_stop, null=~truth.a_departed),
                Column("population_count", "int4", truth.a_pop0),
                Column("avg_weight_g", "float8", np.where(egg_input, truth.a_w0, 1.0), ~egg_input),
            ),
        )
    )
    n_t = truth.t_src.size
    unweighed = np.isnan(truth.t_measured_g)
    tables.append(
        Table(
            "farm_transferaction",
            (
                Column("id", "int8", ids.take("farm_transferaction", n_t)),
                batch_col(n_t),
                Column("source_assignment_id", "int8", a_ids[truth.t_src]),
                Column("dest_assignment_id", "int8", a_ids[truth.t_dst]),
                Column("execution_date", "date", start + truth.t_day),
                Column("transferred_count", "int4", truth.t_count),
                Column(
                    "measured_avg_weight_g",
                    "float8",
                    np.where(unweighed, 1.0, truth.t_measured_g),
                    unweighed,
                ),
                Column("selection_method", "text", _text(n_t, "AVERAGE")),
                Column("status", "text", _text(n_t, "COMPLETED")),
            ),
        )
    )
    dead = np.flatnonzero(truth.r_mort > 0)
    tables.append(
        Table(
            "farm_mortalityevent",
            (
                Column("id", "int8", ids.take("farm_mortalityevent", dead.size)),
                batch_col(dead.size),
                Column("assignment_id", "int8", a_ids[truth.r_assign[dead]]),
                Column("event_date", "date", start + truth.r_day[dead]),
                Column("count", "int4", truth.r_mort[dead]),
                Column("cause", "text", np.asarray(CAUSES)[truth.r_cause[dead]]),
            ),
        )
    )
    n_h = truth.h_assign.size
    tables.append(
        Table(
            "farm_harvest",
            (
                Column("id", "int8", ids.take("farm_harvest", n_h)),
                batch_col(n_h),
                Column("assignment_id", "int8", a_ids[truth.h_assign]),
                Column("harvest_date", "date", start + truth.h_day),
                Column("count", "int4", truth.h_count),
                Column("live_weight_kg", "float8", truth.h_live_kg),
            ),
        )
    )
    fed_assign = truth.r_assign[feedings.row]
    n_f = feedings.row.size
    tables.append(
        Table(
            "farm_feedingevent",
            (
                Column("id", "int8", ids.take("farm_feedingevent", n_f)),
                batch_col(n_f),
                Column("container_id", "int8", ref.container_id[truth.a_container[fed_assign]]),
                Column("feeding_date", "date", start + truth.r_day[feedings.row]),
                Column("feeding_time", "time", feedings.seconds * 1_000_000),
                Column("amount_kg", "float8", feedings.amount_kg),
                Column("feed_type", "text", np.asarray(FEED_TYPES)[truth.a_stage[fed_assign]]),
            ),
        )
    )
    n_s = samples.row.size
    tables.append(
        Table(
            "farm_growthsample",
            (
                Column("id", "int8", ids.take("farm_growthsample", n_s)),
                batch_col(n_s),
                Column("assignment_id", "int8", a_ids[truth.r_assign[samples.row]]),
                Column("sample_date", "date", start + truth.r_day[samples.row]),
                Column("sample_size", "int4", samples.fish),
                Column("avg_weight_g", "float8", samples.mean_g),
                Column("std_weight_g", "float8", samples.std_g),
            ),
        )
    )
    n_r = readings.row.size
    container = truth.a_container[truth.r_assign[readings.row]]
    day_start = (start + truth.r_day[readings.row]).astype("datetime64[us]")
    tables.append(
        Table(
            "farm_environmentalreading",
            (
                Column("id", "int8", ids.take("farm_environmentalreading", n_r)),
                Column("container_id", "int8", ref.container_id[container]),
                Column("parameter_id", "int8", ref.parameter_id[readings.parameter]),
                Column("sensor_id", "int8", ref.sensor_id[container, readings.parameter]),
                Column(
                    "reading_time",
                    "timestamptz",
                    day_start + (readings.minute * 60_000_000).astype("timedelta64[us]"),
                ),
                Column("value", "float8", readings.value),
            ),
        )
    )
    if with_truth:
        n_d = truth.r_day.size
        tables.append(
            Table(
                "generator_truedailystate",
                (
                    Column("id", "int8", ids.take("generator_truedailystate", n_d)),
                    batch_col(n_d),
                    Column("assignment_id", "int8", a_ids[truth.r_assign]),
                    Column("date", "date", start + truth.r_day),
                    Column("population", "int4", truth.r_pop),
                    Column("avg_weight_g", "float8", truth.r_weight),
                ),
            )
        )
    return tables
