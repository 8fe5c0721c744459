"""The scenario projection and the forward projection of a batch, from the database.

The arithmetic lives in ``aquagrowth.engine.core.projection``; this module reads what it
needs (a constant number of queries) and turns day indices into dates:
date = batch start + day_number - 1, so a plan is always aligned with the batch's own
calendar, whatever date another batch started on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from aquagrowth.engine.core.projection import (
    UNKNOWN_DAY,
    StagePlan,
    pooled_weight,
    profile_temperature,
    project_growth,
    temperature_bias,
)
from aquagrowth.engine.models import DailyState, TempSource
from aquagrowth.farm.models import Assignment, Batch, LifecycleStage, Scenario, TransferStatus

HORIZON_DAYS = 1500
"""Longest projection (days): beyond any salmon's life, so a plan that never reaches the
harvest weight (a cold profile) still ends."""

BIAS_WINDOW_DAYS = 30


@dataclass(frozen=True)
class ScenarioModel:
    """A scenario read into arrays by stage position (the species' stage order)."""

    scenario: Scenario
    stages: list[LifecycleStage]
    tgc: np.ndarray
    fcr: np.ndarray
    mortality_rate_per_day: np.ndarray
    max_weight_g: np.ndarray
    profile_day_number: np.ndarray
    profile_temp_c: np.ndarray

    def position(self, stage_id: int) -> int:
        return next(i for i, stage in enumerate(self.stages) if stage.id == stage_id)

    def plan(self, start_index: np.ndarray | None = None) -> StagePlan:
        unknown = np.full(len(self.stages), UNKNOWN_DAY, dtype=np.int64)
        return StagePlan(
            tgc=self.tgc,
            mortality_rate_per_day=self.mortality_rate_per_day,
            max_weight_g=self.max_weight_g,
            start_index=unknown if start_index is None else start_index,
        )

    def profile(self, day_number: np.ndarray) -> np.ndarray:
        return profile_temperature(day_number, self.profile_day_number, self.profile_temp_c)


def read_scenario(batch: Batch, scenario: Scenario) -> ScenarioModel:
    """The scenario's per-stage parameters and temperature profile as arrays."""
    stages = list(LifecycleStage.objects.filter(species_id=batch.species_id).order_by("order"))
    by_stage = {s.stage_id: s for s in scenario.stages.all()}
    nan = float("nan")
    profile = list(
        scenario.temperature_profile.order_by("day_number").values_list("day_number", "temp_c")
    )
    return ScenarioModel(
        scenario=scenario,
        stages=stages,
        tgc=np.array([by_stage[s.id].tgc if s.id in by_stage else nan for s in stages]),
        fcr=np.array([by_stage[s.id].fcr if s.id in by_stage else nan for s in stages]),
        mortality_rate_per_day=np.array(
            [by_stage[s.id].mortality_rate_per_day if s.id in by_stage else nan for s in stages]
        ),
        max_weight_g=np.array([s.max_weight_g for s in stages]),
        profile_day_number=np.array([d for d, _ in profile], dtype=np.int64),
        profile_temp_c=np.array([t for _, t in profile], dtype=np.float64),
    )


def missing_parts(model: ScenarioModel) -> list[str]:
    """What the scenario lacks for a projection, in words a planner can act on."""
    missing = []
    if model.profile_day_number.size == 0:
        missing.append("a temperature profile")
    absent = [s.name for s, tgc in zip(model.stages, model.tgc, strict=True) if np.isnan(tgc)]
    if absent:
        missing.append("a TGC for " + ", ".join(absent))
    return missing


def scenario_projection(batch: Batch, model: ScenarioModel) -> dict[str, np.ndarray] | None:
    """The plan's curve from the batch start to the scenario's harvest weight.

    Opens with the egg inputs (assignments without an incoming completed transfer):
    their summed population at their population-weighted weight, in the earliest stage
    among them. A later stage begins on the first day the batch actually has an
    assignment in it; a stage the batch has not reached yet begins when the projected
    weight passes the previous stage's upper weight. ``None`` without egg inputs.
    """
    assignments = list(
        Assignment.objects.filter(batch=batch).values_list(
            "id", "stage_id", "assignment_date", "population_count", "avg_weight_g"
        )
    )
    filled = set(
        batch.transferaction_set.filter(status=TransferStatus.COMPLETED).values_list(
            "dest_assignment_id", flat=True
        )
    )
    eggs = [a for a in assignments if a[0] not in filled and a[3] > 0 and a[4]]
    if not eggs:
        return None
    population = float(sum(a[3] for a in eggs))
    weight = sum(a[3] * a[4] for a in eggs) / population
    first_stage = min(model.position(a[1]) for a in eggs)
    start_index = np.full(len(model.stages), UNKNOWN_DAY, dtype=np.int64)
    for _, stage_id, arrival, _, _ in assignments:
        pos = model.position(stage_id)
        day = (arrival - batch.start_date).days
        if pos > first_stage and (start_index[pos] == UNKNOWN_DAY or day < start_index[pos]):
            start_index[pos] = day
    day_number = np.arange(1, HORIZON_DAYS + 1)
    temp_c = model.profile(day_number)
    projection = project_growth(
        weight,
        population,
        first_stage,
        model.plan(start_index),
        temp_c,
        model.scenario.harvest_weight_g,
    )
    stop = HORIZON_DAYS if projection.harvest_index is None else projection.harvest_index + 1
    return {
        "day_number": day_number[:stop],
        "avg_weight_g": projection.weight_g[:stop],
        "population": projection.population[:stop],
        "biomass_kg": projection.biomass_kg[:stop],
        "temp_c": temp_c[:stop],
        "stage": projection.stage[:stop],
        "tgc": model.tgc[projection.stage[:stop]],
        "fcr": model.fcr[projection.stage[:stop]],
    }


def forward_projection(
    batch: Batch, model: ScenarioModel, assignment_id: int | None = None
) -> dict | None:
    """From the latest state of each occupied container to the scenario's harvest weight.

    Each container grows with the scenario's TGC of its stage (the next stage's once the
    weight passes the stage's upper weight) and loses fish at the scenario's rate. Its
    temperature is the profile shifted by the container's recent bias: the mean of
    measured - profile temperature over the last 30 days whose temperature was measured
    (the batch's bias when the container has no such day, 0 when the batch has none).
    The batch's curve is the population-weighted weight over the containers; the
    expected harvest date is its first day at or above the harvest weight.
    ``None`` when nothing is left to project.
    """
    states = DailyState.objects.of_batch(batch)
    if assignment_id is not None:
        states = states.filter(assignment_id=assignment_id)
    latest = DailyState.objects.span_of_batch(batch)["last"]
    if latest is None:
        return None
    current = list(
        states.filter(date=latest, population__gt=0, avg_weight_g__isnull=False).values_list(
            "assignment_id",
            "container_id",
            "container__name",
            "stage_id",
            "population",
            "avg_weight_g",
            "day_number",
        )
    )
    if not current:
        return None
    recent = np.array(
        list(
            DailyState.objects.of_batch(batch)
            .filter(
                date__gt=latest - dt.timedelta(days=BIAS_WINDOW_DAYS),
                temp_source=TempSource.MEASURED,
            )
            .values_list("container_id", "day_number", "temp_c")
        ),
        dtype=np.float64,
    ).reshape(-1, 3)
    planned = model.profile(recent[:, 1].astype(np.int64)) if len(recent) else np.empty(0)
    batch_bias = temperature_bias(recent[:, 2], planned)
    day_number = current[0][6] + np.arange(1, HORIZON_DAYS + 1)
    profile = model.profile(day_number)
    target = model.scenario.harvest_weight_g
    weights, populations, temps, containers = [], [], [], []
    for assignment, container_id, name, stage_id, fish, weight, _ in current:
        mine = recent[:, 0] == container_id
        bias = temperature_bias(recent[mine, 2], planned[mine]) if mine.any() else batch_bias
        temp_c = profile + bias
        path = project_growth(weight, fish, model.position(stage_id), model.plan(), temp_c, target)
        weights.append(path.weight_g)
        populations.append(path.population)
        temps.append(temp_c)
        containers.append(
            {
                "assignment": assignment,
                "container": name,
                "latest_weight_g": weight,
                "latest_population": fish,
                "temp_bias_c": round(bias, 3),
                "harvest_date": _date_of(batch, day_number, path.harvest_index),
            }
        )
    pooled = pooled_weight(np.array(populations), np.array(weights))
    reached = np.flatnonzero(pooled >= target)
    stop = int(reached[0]) + 1 if reached.size else HORIZON_DAYS
    population = np.sum(populations, axis=0)[:stop]
    latest_fish = float(sum(c[4] for c in current))
    latest_weight = sum(c[4] * c[5] for c in current) / latest_fish
    return {
        "series": {
            # The latest actual state comes first so the dashed line continues the actual one.
            "day_number": np.concatenate([[day_number[0] - 1], day_number[:stop]]),
            "avg_weight_g": np.concatenate([[latest_weight], pooled[:stop]]),
            "population": np.concatenate([[latest_fish], population]),
            "biomass_kg": np.concatenate(
                [[latest_fish * latest_weight / 1000.0], population * pooled[:stop] / 1000.0]
            ),
            "temp_c": np.concatenate([[np.nan], np.mean(temps, axis=0)[:stop]]),
        },
        "from_date": latest,
        "harvest_weight_g": target,
        "harvest_date": _date_of(batch, day_number, int(reached[0]) if reached.size else None),
        "expected_weight_g": float(pooled[stop - 1]),
        "temp_bias_c": round(batch_bias, 3),
        "containers": containers,
    }


def _date_of(batch: Batch, day_number: np.ndarray, index: int | None) -> dt.date | None:
    if index is None:
        return None
    return batch.start_date + dt.timedelta(days=int(day_number[index]) - 1)
