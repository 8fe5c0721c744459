"""Build a synthetic farm into the database: the generator's entry point.

``build_farm("demo")`` plans (or reads) a schedule, creates the fixed records (species,
stages, parameters, infrastructure, sensors), then simulates batch by batch and writes
each batch's rows at once, all in one transaction. A database that already holds batches
is refused (:class:`FarmNotEmpty`) unless ``replace=True``, which first deletes every
batch with its events and the environmental readings.
"""

from __future__ import annotations

import datetime as dt
import logging
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.db import connection, transaction
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from aquagrowth.db.bulk import (
    foreign_keys_checked_after,
    indexes_built_after,
    next_ids,
    reset_sequences,
    write_table,
)
from aquagrowth.db.copy import Table
from aquagrowth.db.maintenance import analyze
from aquagrowth.farm import daily_temperature
from aquagrowth.farm import models as m
from aquagrowth.generator import events, records
from aquagrowth.generator.fixed_records import FixedRecordIds, ensure_fixed_records
from aquagrowth.generator.layout import Layout, build_layout
from aquagrowth.generator.licences import license_sea_areas
from aquagrowth.generator.planner import plan_schedule
from aquagrowth.generator.profile import (
    GEOGRAPHIES,
    Profile,
    from_settings,
    load_profile,
    with_records,
)
from aquagrowth.generator.rows import TABLES, BatchRecord, IdRanges, batch_tables
from aquagrowth.generator.scenario import plan_scenario
from aquagrowth.generator.schedule import BatchPlan, Schedule, from_yaml
from aquagrowth.generator.simulate import resolve_batch, simulate_batch
from aquagrowth.generator.temperature import true_temperature_grid

logger = logging.getLogger("aquagrowth.generator")

EVENT_TABLES = (
    "farm_feedingevent",
    "farm_mortalityevent",
    "farm_growthsample",
    "farm_transferaction",
    "farm_harvest",
    "farm_environmentalreading",
    "farm_populationcount",
)

HEAVY_TABLES = (
    "farm_environmentalreading",
    "farm_feedingevent",
    "farm_mortalityevent",
    "farm_growthsample",
    "generator_truedailystate",
)
"""Tables whose secondary indexes are rebuilt once after the load instead of row by row."""

SQLITE_CLEAR_ORDER = (
    "generator_truedailystate",
    "farm_dailystate",
    "farm_environmentalreading",
    "farm_containerdaytemperature",
    "farm_fishobservation",
    "farm_growthsample",
    "farm_weighing",
    "farm_feedingevent",
    "farm_harvest",
    "farm_mortalityevent",
    "farm_populationcount",
    "farm_transferaction",
)
"""The large tables emptied by plain DELETE before the ORM deletes the batches (and with
them assignments, scenarios and whatever else refers to a batch)."""


class FarmNotEmpty(RuntimeError):
    """The database already holds batches and the build was not told to replace them."""


@dataclass
class FarmSummary:
    """What a build wrote: rows per table, and where the time went (s).

    ``perfect_records``: the farm's records are the truth's (else a real farm's);
    ``records_end``: per batch number the last day of its daily records.
    """

    profile: str
    seed: int
    as_of: str
    batches: int
    perfect_records: bool = False
    records_end: dict[str, dt.date] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    seconds_simulate: float = 0.0
    seconds_load: float = 0.0
    seconds_total: float = 0.0
    peak_memory_mb: float = 0.0

    @property
    def events(self) -> int:
        """Recorded events of all kinds (feeding, mortality, samples, transfers, harvests,
        environmental readings, population counts)."""
        return sum(self.rows.get(t, 0) for t in EVENT_TABLES)


def clear_farm() -> None:
    """Delete every batch with everything recorded of it, and all readings."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The daily states are named: no key of theirs leads a CASCADE to them.
            cursor.execute(
                "TRUNCATE farm_environmentalreading, farm_containerdaytemperature, "
                "farm_dailystate, farm_batch CASCADE"
            )
        return
    with connection.cursor() as cursor:
        for table in SQLITE_CLEAR_ORDER:
            cursor.execute(f"DELETE FROM {table}")
    m.Batch.objects.all().delete()


def _schedule_and_profile(
    profile: str | Path, seed: int, schedule: str | Path | None
) -> tuple[Schedule, Profile]:
    if schedule is None:
        loaded = load_profile(profile)
        return plan_schedule(loaded, seed), loaded
    plan = from_yaml(Path(schedule))
    base = load_profile(plan.profile)
    settings = {**base.settings, "as_of": plan.as_of.isoformat(), "layout": plan.layout}
    return plan, from_settings(settings)


@dataclass(frozen=True)
class _Farm:
    """What every batch of one build shares.

    ``grid`` is the farm's true daily mean temperature (degC) per container position and
    day from ``origin``; ``geography`` numbers the geographies by name.
    """

    plan: Schedule
    settings: dict[str, Any]
    layout: Layout
    origin: dt.date
    grid: np.ndarray
    seed: int
    geography: dict[str, int]

    @classmethod
    def of(cls, plan: Schedule, settings: dict[str, Any], layout: Layout, seed: int) -> _Farm:
        """The farm of ``plan``, its temperature grid spanning every batch's days."""
        origin = min(b.start_date for b in plan.batches)
        last = max(b.stages[-1].end for b in plan.batches)
        days = (last - origin).days + 1
        return cls(
            plan=plan,
            settings=settings,
            layout=layout,
            origin=origin,
            grid=true_temperature_grid(layout, origin, days, settings, seed),
            seed=seed,
            geography={g["name"]: i for i, g in enumerate(GEOGRAPHIES)},
        )


def build_farm(
    profile: str | Path = "demo",
    seed: int = 1,
    truth: bool = True,
    progress: bool = True,
    *,
    schedule: str | Path | None = None,
    replace: bool = False,
    perfect_records: bool | None = None,
) -> FarmSummary:
    """Build a farm from a profile (planned with ``seed``) or a schedule file.

    Parameters
    ----------
    profile : profile name (``demo``, ``seed-scale``, ``tiny``) or YAML path
    seed : every random draw follows from it: the same seed gives the same rows
    truth : write the true daily states (``generator_truedailystate``)
    progress : show a rich progress bar
    schedule : a schedule YAML (see ``plan``) instead of planning from the profile
    replace : delete existing batches first instead of refusing
    perfect_records : record the truth exactly (the farm before the real farm's
        records); ``None``: the schedule's ``perfect_records``, else the profile's

    Raises
    ------
    FarmNotEmpty
        The database holds batches and ``replace`` is false.
    """
    began = time.perf_counter()
    plan, prof = _schedule_and_profile(profile, seed, schedule)
    if perfect_records is None:
        perfect_records = plan.perfect_records
    settings = with_records(prof.settings, perfect_records)
    layout = build_layout(plan.layout)
    summary = FarmSummary(
        profile=prof.name,
        seed=seed,
        as_of=plan.as_of.isoformat(),
        batches=len(plan.batches),
        perfect_records=settings["perfect_records"],
    )
    summary.rows = dict.fromkeys(TABLES, 0)
    with transaction.atomic(), indexes_built_after(HEAVY_TABLES):
        _refuse_or_clear(replace)
        fixed = ensure_fixed_records(layout)
        with foreign_keys_checked_after(HEAVY_TABLES):
            t0 = time.perf_counter()
            farm = _Farm.of(plan, settings, layout, seed)
            summary.seconds_simulate += time.perf_counter() - t0
            _write_batches(farm, fixed, truth, progress, summary)
            reset_sequences(TABLES)
            # Bulk writes send no signals: the daily temperatures are summed once here.
            daily_temperature.refresh()
    # Fresh tables have no planner statistics yet (autovacuum samples them only later):
    # without them the first recompute plans its per-batch reads as if the tables were
    # empty and runs several times slower.
    analyze([*TABLES, "farm_containerdaytemperature"])
    if truth:
        # Caps sized on the true biomass: some sites close to theirs (docs/sites.md).
        license_sea_areas()
    summary.seconds_total = time.perf_counter() - began
    # Loading includes the index builds, key checks and commit after the last batch.
    summary.seconds_load = summary.seconds_total - summary.seconds_simulate
    # Linux reports the peak resident size in KiB; it is the process's, Django included.
    summary.peak_memory_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    logger.info(
        "built %s: %d batches, %d events, %.1f s",
        prof.name,
        summary.batches,
        summary.events,
        summary.seconds_total,
    )
    return summary


def _refuse_or_clear(replace: bool) -> None:
    """An empty farm to build into: refused if it holds batches, unless ``replace``."""
    if not m.Batch.objects.exists():
        return
    if not replace:
        raise FarmNotEmpty(
            f"the database already holds {m.Batch.objects.count()} batches; "
            "build into an empty database or replace them"
        )
    logger.info("replacing the existing batches")
    clear_farm()


def _write_batches(
    farm: _Farm, fixed: FixedRecordIds, truth: bool, progress: bool, summary: FarmSummary
) -> None:
    """Simulate the batches one by one and write each one's rows at once.

    Adds the rows written per table and the seconds spent simulating to ``summary``.
    """
    ids = IdRanges(next_ids(TABLES))
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not progress,
    )
    with bar:
        task = bar.add_task(f"building {summary.profile}", total=len(farm.plan.batches))
        for index, batch in enumerate(farm.plan.batches):
            t0 = time.perf_counter()
            tables, end_day = _batch_rows(farm, index, batch, fixed, ids, truth)
            summary.seconds_simulate += time.perf_counter() - t0
            summary.records_end[batch.number] = batch.start_date + dt.timedelta(days=end_day)
            for table in tables:
                summary.rows[table.name] += write_table(table)
            bar.advance(task)


def _batch_rows(
    farm: _Farm,
    index: int,
    batch: BatchPlan,
    fixed: FixedRecordIds,
    ids: IdRanges,
    truth: bool,
) -> tuple[list[Table], int]:
    """The rows of the ``index``-th batch of the schedule: its truth, scenario and the
    farm's records; and the last day of its daily records (days from its start).

    The events and scenario draw from the batch's own stream ``(seed, index, 7004)``,
    the records' imperfections from streams of their own (``records``).
    """
    resolved = resolve_batch(batch, index, farm.origin, farm.layout)
    as_of_day = (farm.plan.as_of - batch.start_date).days
    sim = simulate_batch(resolved, farm.grid, as_of_day, farm.settings, farm.seed)
    rng = np.random.default_rng([farm.seed, index, 7004])
    geography = farm.geography[batch.geography]
    scenario = plan_scenario(
        sim,
        batch.start_date,
        [s.first_day for s in resolved.stays],
        [s.days for s in resolved.stays],
        geography,
        batch.harvest_weight_g,
        farm.settings,
        rng,
    )
    observed = (
        events.feedings(sim, farm.settings, rng),
        events.growth_samples(sim, farm.settings, rng),
        events.readings(sim, farm.layout.is_sea, farm.settings, rng),
    )
    recorded = records.farm_records(sim, observed, as_of_day, farm.settings, (farm.seed, index))
    tables = batch_tables(
        BatchRecord(batch.number, geography, batch.start_date),
        sim,
        scenario,
        recorded,
        fixed,
        ids,
        truth,
    )
    return tables, recorded.end_day
