"""Build a synthetic farm into the database: the generator's entry point.

``build_farm("demo")`` plans (or reads) a schedule, creates the reference records,
then simulates batch by batch and writes each batch's rows at once, all in one
transaction. A database that already holds batches is refused (:class:`FarmNotEmpty`)
unless ``replace=True``, which first deletes every batch with its events and the
environmental readings.
"""

from __future__ import annotations

import logging
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path

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
from aquagrowth.db.maintenance import analyze
from aquagrowth.farm import daily_temperature
from aquagrowth.farm import models as m
from aquagrowth.generator import events
from aquagrowth.generator.layout import build_layout
from aquagrowth.generator.planner import plan_schedule
from aquagrowth.generator.profile import GEOGRAPHIES, Profile, from_settings, load_profile
from aquagrowth.generator.reference import ensure_reference
from aquagrowth.generator.rows import TABLES, BatchRecord, IdRanges, batch_tables
from aquagrowth.generator.scenario import plan_scenario
from aquagrowth.generator.schedule import Schedule, from_yaml
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
    "farm_transferaction",
)
"""The large tables emptied by plain DELETE before the ORM deletes the batches (and with
them assignments, scenarios and whatever else refers to a batch)."""


class FarmNotEmpty(RuntimeError):
    """The database already holds batches and the build was not told to replace them."""


@dataclass
class FarmSummary:
    """What a build wrote: rows per table, and where the time went (s)."""

    profile: str
    seed: int
    as_of: str
    batches: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds_simulate: float = 0.0
    seconds_load: float = 0.0
    seconds_total: float = 0.0
    peak_memory_mb: float = 0.0

    @property
    def events(self) -> int:
        """Recorded events of all kinds (feeding, mortality, samples, transfers, harvests,
        environmental readings)."""
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


def build_farm(
    profile: str | Path = "demo",
    seed: int = 1,
    truth: bool = True,
    progress: bool = True,
    *,
    schedule: str | Path | None = None,
    replace: bool = False,
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

    Raises
    ------
    FarmNotEmpty
        The database holds batches and ``replace`` is false.
    """
    began = time.perf_counter()
    plan, prof = _schedule_and_profile(profile, seed, schedule)
    layout = build_layout(plan.layout)
    origin = min(b.start_date for b in plan.batches)
    last = max(b.stages[-1].end for b in plan.batches)
    summary = FarmSummary(
        profile=prof.name, seed=seed, as_of=plan.as_of.isoformat(), batches=len(plan.batches)
    )
    summary.rows = dict.fromkeys(TABLES, 0)
    geo_index = {g["name"]: i for i, g in enumerate(GEOGRAPHIES)}
    settings = prof.settings
    with transaction.atomic(), indexes_built_after(HEAVY_TABLES):
        if m.Batch.objects.exists():
            if not replace:
                raise FarmNotEmpty(
                    f"the database already holds {m.Batch.objects.count()} batches; "
                    "build into an empty database or replace them"
                )
            logger.info("replacing the existing batches")
            clear_farm()
        ref = ensure_reference(layout)
        with foreign_keys_checked_after(HEAVY_TABLES):
            t0 = time.perf_counter()
            grid = true_temperature_grid(layout, origin, (last - origin).days + 1, settings, seed)
            summary.seconds_simulate += time.perf_counter() - t0
            ids = IdRanges(next_ids(TABLES))
            bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                disable=not progress,
            )
            with bar:
                task = bar.add_task(f"building {prof.name}", total=len(plan.batches))
                for index, batch in enumerate(plan.batches):
                    t0 = time.perf_counter()
                    tables = _batch_rows(
                        batch,
                        index,
                        origin,
                        layout,
                        grid,
                        plan,
                        settings,
                        seed,
                        ref,
                        ids,
                        truth,
                        geo_index,
                    )
                    summary.seconds_simulate += time.perf_counter() - t0
                    for table in tables:
                        summary.rows[table.name] += write_table(table)
                    bar.advance(task)
            reset_sequences(TABLES)
            # Bulk writes send no signals: the daily temperatures are summed once here.
            daily_temperature.refresh()
    # Fresh tables have no planner statistics yet (autovacuum samples them only later):
    # without them the first recompute plans its per-batch reads as if the tables were
    # empty and runs several times slower.
    analyze([*TABLES, "farm_containerdaytemperature"])
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


def _batch_rows(batch, index, origin, layout, grid, plan, settings, seed, ref, ids, truth, geo):
    resolved = resolve_batch(batch, index, origin, layout)
    as_of_day = (plan.as_of - batch.start_date).days
    sim = simulate_batch(resolved, grid, as_of_day, settings, seed)
    rng = np.random.default_rng([seed, index, 7004])
    scenario = plan_scenario(
        sim,
        batch.start_date,
        [s.first_day for s in resolved.stays],
        [s.days for s in resolved.stays],
        geo[batch.geography],
        batch.harvest_weight_g,
        settings,
        rng,
    )
    return batch_tables(
        BatchRecord(batch.number, geo[batch.geography], batch.start_date),
        sim,
        scenario,
        events.feedings(sim, settings, rng),
        events.growth_samples(sim, settings, rng),
        events.readings(sim, layout.is_sea, settings, rng),
        ref,
        ids,
        truth,
    )
