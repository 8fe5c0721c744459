"""The scenario projection and the forward projection of a batch, from the database.

The arithmetic lives in ``aquagrowth.engine.core.projection`` and the scenario is read by
``aquagrowth.engine.scenario`` (the reader the engine uses too); this module reads the
batch's states it starts from (a constant number of queries) and turns day indices into
dates: date = batch start + day_number - 1, so a plan is always aligned with the batch's
own calendar, whatever date another batch started on.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from typing import NamedTuple

import numpy as np

from aquagrowth.engine.core.inputs import FloatArray, IntArray
from aquagrowth.engine.core.projection import (
    UNKNOWN_DAY,
    Projection,
    StagePlan,
    pooled_weight,
    project_growth,
    temperature_bias,
)
from aquagrowth.engine.core.projection_band import (
    count_variance_of_band,
    pooled_band,
    root_variance_of_band,
    staged_root_variance,
)
from aquagrowth.engine.core.smoother import SmootherParams
from aquagrowth.engine.core.temperature import profile_temperature
from aquagrowth.engine.models import DailyState, TempSource
from aquagrowth.engine.scenario import ScenarioInForce
from aquagrowth.engine.weight_fit import current_smoother_params
from aquagrowth.farm.models import Assignment, Batch, TransferStatus

HORIZON_DAYS = 1500
"""Longest projection (days): beyond any salmon's life, so a plan that never reaches the
harvest weight (a cold profile) still ends."""

BIAS_WINDOW_DAYS = 30


def stage_plan(planned: ScenarioInForce, start_index: IntArray | None = None) -> StagePlan:
    """The scenario's per-stage model for :func:`project_growth`.

    ``start_index`` gives the horizon day each stage begins on (``UNKNOWN_DAY``: when the
    weight passes the previous stage's upper weight); by default every stage begins by
    weight.
    """
    unknown = np.full(len(planned.stages), UNKNOWN_DAY, dtype=np.int64)
    return StagePlan(
        tgc=planned.scenario.tgc_by_stage,
        mortality_rate_per_day=planned.scenario.mortality_rate_by_stage,
        max_weight_g=planned.stages.max_weight_g,
        start_index=unknown if start_index is None else start_index,
    )


def planned_temperature(planned: ScenarioInForce, day_number: IntArray) -> FloatArray:
    """The scenario's profile temperature (degC) on each day number (1 = batch start)."""
    scenario = planned.scenario
    return profile_temperature(day_number, scenario.profile_day_number, scenario.profile_temp_c)


def missing_parts(planned: ScenarioInForce) -> list[str]:
    """What the scenario lacks for a projection, in words a planner can act on."""
    scenario = planned.scenario
    missing = []
    if scenario.profile_day_number.size == 0:
        missing.append("a temperature profile")
    absent = [
        name
        for name, tgc in zip(planned.stages.name, scenario.tgc_by_stage, strict=True)
        if np.isnan(tgc)
    ]
    if absent:
        missing.append("a TGC for " + ", ".join(absent))
    return missing


class _Opening(NamedTuple):
    """Where the plan starts: fish (summed egg inputs), their weight (g), their stage."""

    population: float
    weight_g: float
    stage: int


def _opening_and_stage_days(
    batch: Batch, planned: ScenarioInForce
) -> tuple[_Opening, IntArray] | None:
    """The plan's opening (its egg inputs) and the known start day of each later stage.

    Egg inputs are the assignments without an incoming completed transfer; they open
    with their summed population at their population-weighted weight, in the earliest
    stage among them. A later stage begins on the first day the batch actually has an
    assignment in it. ``None`` without egg inputs.
    """
    stays = list(
        Assignment.objects.filter(batch=batch).values_list(
            "id", "stage_id", "assignment_date", "population_count", "avg_weight_g", named=True
        )
    )
    filled = set(
        batch.transferaction_set.filter(status=TransferStatus.COMPLETED).values_list(
            "dest_assignment_id", flat=True
        )
    )
    eggs = [s for s in stays if s.id not in filled and s.population_count > 0 and s.avg_weight_g]
    if not eggs:
        return None
    position = planned.stages.positions()
    population = float(sum(s.population_count for s in eggs))
    weight = sum(s.population_count * s.avg_weight_g for s in eggs) / population
    first_stage = min(position[s.stage_id] for s in eggs)
    start_index = np.full(len(planned.stages), UNKNOWN_DAY, dtype=np.int64)
    for stay in stays:
        at = position[stay.stage_id]
        day = (stay.assignment_date - batch.start_date).days
        if at > first_stage and (start_index[at] == UNKNOWN_DAY or day < start_index[at]):
            start_index[at] = day
    return _Opening(population, weight, first_stage), start_index


def scenario_projection(batch: Batch, planned: ScenarioInForce) -> dict[str, np.ndarray] | None:
    """The plan's curve from the batch start to the scenario's harvest weight.

    Opens with the egg inputs (see :func:`_opening_and_stage_days`); a stage the batch
    has not reached yet begins when the projected weight passes the previous stage's
    upper weight. ``None`` without egg inputs.
    """
    opened = _opening_and_stage_days(batch, planned)
    if opened is None:
        return None
    opening, start_index = opened
    scenario = planned.scenario
    day_number = np.arange(1, HORIZON_DAYS + 1)
    temp_c = planned_temperature(planned, day_number)
    projection = project_growth(
        opening.weight_g,
        opening.population,
        opening.stage,
        stage_plan(planned, start_index),
        temp_c,
        scenario.harvest_weight_g,
    )
    stop = HORIZON_DAYS if projection.harvest_index is None else projection.harvest_index + 1
    return {
        "day_number": day_number[:stop],
        "avg_weight_g": projection.weight_g[:stop],
        "population": projection.population[:stop],
        "biomass_kg": projection.biomass_kg[:stop],
        "temp_c": temp_c[:stop],
        "stage": projection.stage[:stop],
        "tgc": scenario.tgc_by_stage[projection.stage[:stop]],
        "fcr": scenario.fcr_by_stage[projection.stage[:stop]],
    }


class _MeasuredDays(NamedTuple):
    """Recent daily states with a measured temperature, and the plan's on those days."""

    container_id: IntArray
    temp_c: FloatArray
    planned_c: FloatArray

    def bias(self, container_id: int | None = None) -> float:
        """Mean measured - planned (degC) of one container's days, or of all."""
        if container_id is None:
            return temperature_bias(self.temp_c, self.planned_c)
        mine = self.container_id == container_id
        return temperature_bias(self.temp_c[mine], self.planned_c[mine])

    def has(self, container_id: int) -> bool:
        return bool((self.container_id == container_id).any())


def _latest_states(batch: Batch, assignment_id: int | None) -> tuple[dt.date, list] | None:
    """The batch's last state day and that day's occupied rows of known weight (of one
    assignment when given); ``None`` when there are none."""
    latest = DailyState.objects.span_of_batch(batch)["last"]
    if latest is None:
        return None
    states = DailyState.objects.of_batch(batch)
    if assignment_id is not None:
        states = states.filter(assignment_id=assignment_id)
    current = list(
        states.filter(date=latest, population__gt=0, avg_weight_g__isnull=False).values_list(
            "assignment_id",
            "container_id",
            "container__name",
            "stage_id",
            "population",
            "avg_weight_g",
            "day_number",
            "biomass_kg",
            "weight_high_g",
            "biomass_high_kg",
            "assignment__summary__tgc_end",
            "assignment__summary__tgc_var_end",
            "assignment__summary__root_tgc_cov_end",
            named=True,
        )
    )
    return (latest, current) if current else None


def _measured_days(batch: Batch, planned: ScenarioInForce, latest: dt.date) -> _MeasuredDays:
    """The batch's states of the last ``BIAS_WINDOW_DAYS`` days with a measured temperature."""
    rows = list(
        DailyState.objects.of_batch(batch)
        .filter(
            date__gt=latest - dt.timedelta(days=BIAS_WINDOW_DAYS),
            temp_source=TempSource.MEASURED,
        )
        .values_list("container_id", "day_number", "temp_c", named=True)
    )
    day_number = np.array([r.day_number for r in rows], dtype=np.int64)
    return _MeasuredDays(
        container_id=np.array([r.container_id for r in rows], dtype=np.int64),
        temp_c=np.array([r.temp_c for r in rows], dtype=np.float64),
        planned_c=planned_temperature(planned, day_number) if len(rows) else np.empty(0),
    )


def forward_projection(
    batch: Batch, planned: ScenarioInForce, assignment_id: int | None = None
) -> dict | None:
    """From the latest state of each occupied container to the scenario's harvest weight.

    Each container grows at its own TGC while its stage lasts, as the smoother estimated
    it from the pen's weight records (the stay's summary ``tgc_end``: the model's own
    prediction with no record ahead, the one the band below assumes), once the farm's
    smoother parameters are fitted from its records; else at the scenario's TGC of the
    stage (no fit, the anchored model, or no estimate); then at the scenario's TGC of
    the next stage once the weight passes the stage's upper weight. It loses fish at
    the scenario's rate. (Why only with a fit: ``bench/forecast_bench.py``, each
    harvested pen forecast from 7-120 days before its harvest: with the farm's fitted
    parameters the pen's TGC missed the harvest weight by about half the plan's error;
    with the defaults, whose TGC drift lets the estimate follow the last samples' noise,
    it missed by more than the plan's up to 60 days ahead.) Its
    temperature is the profile shifted by the container's recent bias: the mean of
    measured - profile temperature over the last 30 days whose temperature was measured
    (the batch's bias when the container has no such day, 0 when the batch has none).
    The batch's curve is the population-weighted weight over the containers; the
    expected harvest date is its first day at or above the harvest weight.
    ``None`` when nothing is left to project.
    """
    found = _latest_states(batch, assignment_id)
    if found is None:
        return None
    latest, current = found
    measured = _measured_days(batch, planned, latest)
    day_number = current[0].day_number + np.arange(1, HORIZON_DAYS + 1)
    fitted = current_smoother_params()
    paths, temps, containers = _project_containers(
        batch, planned, current, measured, day_number, own_tgc=fitted is not None
    )
    target = planned.scenario.harvest_weight_g
    pooled = pooled_weight(
        np.array([p.population for p in paths]), np.array([p.weight_g for p in paths])
    )
    reached = np.flatnonzero(pooled >= target)
    stop = int(reached[0]) + 1 if reached.size else HORIZON_DAYS
    fseries = _forward_series(current, paths, temps, pooled, day_number, stop)
    fseries.update(_forward_band(current, paths, temps, stop, fitted or SmootherParams(), planned))
    return {
        "series": fseries,
        "from_date": latest,
        "harvest_weight_g": target,
        "harvest_date": _date_of(batch, day_number, int(reached[0]) if reached.size else None),
        "expected_weight_g": float(pooled[stop - 1]),
        "temp_bias_c": round(measured.bias(), 3),
        "containers": containers,
    }


class PenPath(NamedTuple):
    """One occupied container's forward path: from the day after ``from_date``, its
    expected biomass (kg) per day up to the day it reaches the harvest weight (its last
    value), when the scenario's plan takes it out."""

    container_id: int
    from_date: dt.date
    biomass_kg: FloatArray


def pen_paths(batch: Batch, planned: ScenarioInForce, *, own_tgc: bool) -> list[PenPath]:
    """The forward projection of each container holding fish (as
    :func:`forward_projection` projects it), kept per container and cut at its harvest:
    what a site's or a licence's forecast sums. Empty when nothing is left to project.
    ``own_tgc``: the farm's weight model is fitted (``current_smoother_params()`` is not
    None), read once by the caller for all the batches it projects."""
    found = _latest_states(batch, None)
    if found is None:
        return []
    latest, current = found
    measured = _measured_days(batch, planned, latest)
    day_number = current[0].day_number + np.arange(1, HORIZON_DAYS + 1)
    paths, _, _ = _project_containers(batch, planned, current, measured, day_number, own_tgc)
    return [
        PenPath(
            state.container_id,
            latest,
            path.biomass_kg[
                : HORIZON_DAYS if path.harvest_index is None else path.harvest_index + 1
            ],
        )
        for state, path in zip(current, paths, strict=True)
    ]


def _project_containers(
    batch: Batch,
    planned: ScenarioInForce,
    current: list,
    measured: _MeasuredDays,
    day_number: IntArray,
    own_tgc: bool,
) -> tuple[list[Projection], list[FloatArray], list[dict]]:
    """Each occupied container's projection, its temperatures (degC) and its summary;
    each at its own TGC in its stage when ``own_tgc`` and it has one."""
    profile = planned_temperature(planned, day_number)
    batch_bias = measured.bias()
    plan = stage_plan(planned)
    paths, temps, containers = [], [], []
    for state in current:
        has_days = measured.has(state.container_id)
        bias = measured.bias(state.container_id) if has_days else batch_bias
        temp_c = profile + bias
        stage = planned.stages.position(state.stage_id)
        tgc = _pen_tgc(state) if own_tgc else None
        used = float(plan.tgc[stage]) if tgc is None else tgc
        path = project_growth(
            state.avg_weight_g,
            state.population,
            stage,
            plan if tgc is None else _with_stage_tgc(plan, stage, tgc),
            temp_c,
            planned.scenario.harvest_weight_g,
        )
        paths.append(path)
        temps.append(temp_c)
        containers.append(
            {
                "assignment": state.assignment_id,
                "container": state.container__name,
                "latest_weight_g": state.avg_weight_g,
                "latest_population": state.population,
                "temp_bias_c": round(bias, 3),
                "tgc": round(used, 4) if math.isfinite(used) else None,
                "tgc_source": "scenario" if tgc is None else "pen",
                "harvest_date": _date_of(batch, day_number, path.harvest_index),
            }
        )
    return paths, temps, containers


def _forward_series(
    current: list,
    paths: list[Projection],
    temps: list[FloatArray],
    pooled: FloatArray,
    day_number: IntArray,
    stop: int,
) -> dict[str, np.ndarray]:
    """The batch's forward curve through day ``stop``, after its latest actual state.

    The latest actual state comes first so the dashed line continues the actual one.
    """
    population = np.sum([p.population for p in paths], axis=0)[:stop]
    latest_fish = float(sum(state.population for state in current))
    latest_weight = sum(state.population * state.avg_weight_g for state in current) / latest_fish
    return {
        "day_number": np.concatenate([[day_number[0] - 1], day_number[:stop]]),
        "avg_weight_g": np.concatenate([[latest_weight], pooled[:stop]]),
        "population": np.concatenate([[latest_fish], population]),
        "biomass_kg": np.concatenate(
            [[latest_fish * latest_weight / 1000.0], population * pooled[:stop] / 1000.0]
        ),
        "temp_c": np.concatenate([[np.nan], np.mean(temps, axis=0)[:stop]]),
    }


def _forward_band(
    current: list,
    paths: list[Projection],
    temps: list[FloatArray],
    stop: int,
    params: SmootherParams,
    planned: ScenarioInForce,
) -> dict[str, np.ndarray]:
    """The forward curve's 90 % bands (``aquagrowth.engine.core.projection_band``): each
    pen's last smoothed state (its band's weight variance, and its TGC's variance and
    covariance from the stay's summary) carried forward with the farm's fitted TGC drift
    (the defaults without a fit; none in an unsampled stage, as in the smoother); from a
    later stage on, that stage's TGC with its prior instead of the pen's
    (``staged_root_variance``); its count's relative variance held, the pens pooled.
    Empty when a pen's last state has no band (the anchored model): no band is then
    drawn."""
    if any(s.weight_high_g is None or s.biomass_high_kg is None for s in current):
        return {}
    start_var = [root_variance_of_band(s.avg_weight_g, s.weight_high_g) for s in current]
    count_rel_var = [
        count_variance_of_band(s.population, s.avg_weight_g, v, s.biomass_kg, s.biomass_high_kg)
        / s.population**2
        for s, v in zip(current, start_var, strict=True)
    ]
    plan_g = np.nan_to_num(planned.scenario.tgc_by_stage, nan=0.0) / 1000.0
    cv = np.array([params.tgc_cv(name) for name in planned.stages.name])
    stage_tgc_var = (cv * plan_g) ** 2
    drift = np.array([params.in_stage(name).tgc_drift_sd for name in planned.stages.name])
    root_var = [
        np.concatenate(
            [
                [v],
                staged_root_variance(v, t, drift, p.stage, stage_tgc_var, *_tgc_state(s))[:stop],
            ]
        )
        for s, v, t, p in zip(current, start_var, temps, paths, strict=True)
    ]
    population = [
        np.concatenate([[s.population], p.population[:stop]])
        for s, p in zip(current, paths, strict=True)
    ]
    weight = [
        np.concatenate([[s.avg_weight_g], p.weight_g[:stop]])
        for s, p in zip(current, paths, strict=True)
    ]
    band = pooled_band(
        np.array(population), np.array(weight), np.array(root_var), np.array(count_rel_var)
    )
    return band._asdict()


def _pen_tgc(state) -> float | None:
    """The pen's own TGC (customary units) at its last state, as the smoother estimated
    it; None where there is none (the anchored model, a summary written before, or an
    estimate that grows nothing)."""
    tgc = state.assignment__summary__tgc_end
    if tgc is None or not math.isfinite(tgc) or tgc <= 0:
        return None
    return float(tgc)


def _with_stage_tgc(plan: StagePlan, stage: int, tgc: float) -> StagePlan:
    """``plan`` with stage ``stage`` growing at ``tgc`` (the other stages as planned)."""
    tgcs = plan.tgc.copy()
    tgcs[stage] = tgc
    return replace(plan, tgc=tgcs)


def _tgc_state(state) -> tuple[float, float]:
    """var(g) and cov(u, g) (g = TGC / 1000) of a pen's last state, from its stay's
    summary in customary TGC units; 0 where not stored (a summary written before)."""
    tgc_var = state.assignment__summary__tgc_var_end
    cov = state.assignment__summary__root_tgc_cov_end
    if tgc_var is None or cov is None:
        return 0.0, 0.0
    return tgc_var / 1e6, cov / 1e3


def _date_of(batch: Batch, day_number: np.ndarray, index: int | None) -> dt.date | None:
    if index is None:
        return None
    return batch.start_date + dt.timedelta(days=int(day_number[index]) - 1)
