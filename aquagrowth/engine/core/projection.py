"""Projections of a batch's growth: the scenario's plan and the forward estimate.

Both follow one rule, day by day over a horizon of days:

    W_end^(1/3) = W_start^(1/3) + TGC_stage / 1000 * max(T, 0)
    N_end       = N_start * (1 - m_stage)

with W the average weight (g), T the water temperature (degC), TGC_stage the scenario's
thermal growth coefficient of the stage in force (customary units, x 1000) and m_stage
its expected daily mortality (fraction per day). Mortality compounds daily on an
*expected* (fractional) population: a plan is an expectation, not a count of fish.

A stage ends either on a known day (the batch's actual stage dates, when the fish have
already been moved) or, when no such day is known, as soon as the projected weight
passes the stage's upper weight. A stage without a TGC in the scenario holds the weight:
the plan says nothing about growth there and inventing a rate would mislead. The TGC
step is ``growth.root_after``, the one the engine's weight curves take.

References
----------
Iwama, G. K. and Tautz, A. F. (1981). A simple growth model for salmonids in
hatcheries. Canadian Journal of Fisheries and Aquatic Sciences 38(6), 649-656.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from aquagrowth.engine.core.growth import cube_root, effective_temperature, root_after
from aquagrowth.engine.core.inputs import FloatArray, IntArray

UNKNOWN_DAY = -1
"""Stage start index meaning "not known: start when the weight passes the bound"."""


@dataclass(frozen=True)
class StagePlan:
    """The scenario's model per stage position (0 = the species' first stage).

    tgc : thermal growth coefficient (customary units, x 1000); NaN holds the weight
    mortality_rate_per_day : expected deaths per fish per day (fraction); NaN counts as 0
    max_weight_g : upper weight (g) of the stage's expected range
    start_index : horizon index (day) on which the stage begins, ``UNKNOWN_DAY`` when it
        begins by weight instead
    """

    tgc: FloatArray
    mortality_rate_per_day: FloatArray
    max_weight_g: FloatArray
    start_index: IntArray


@dataclass(frozen=True)
class Projection:
    """A projected curve, one value per horizon day (state at the END of the day).

    weight_g : average weight (g)
    population : expected population (fish, fractional)
    stage : stage position in force on the day
    harvest_index : first index whose weight reaches the target, or None
    """

    weight_g: FloatArray
    population: FloatArray
    stage: IntArray
    harvest_index: int | None

    @property
    def biomass_kg(self) -> FloatArray:
        """Biomass (kg) = population * weight (g) / 1000."""
        return self.population * self.weight_g / 1000.0


def project_growth(
    weight_g: float,
    population: float,
    stage: int,
    plan: StagePlan,
    temp_c: FloatArray,
    target_weight_g: float = np.inf,
) -> Projection:
    """Project weight and population forward over the days of ``temp_c``.

    Parameters
    ----------
    weight_g : average weight (g) at the start of the first day
    population : fish at the start of the first day
    stage : stage position in force at the start
    plan : the scenario's per-stage model and the known stage start days
    temp_c : water temperature (degC) of each horizon day; NaN and negatives grow nothing
    target_weight_g : harvest weight (g); the result says when it is first reached

    Returns
    -------
    The projected state at the end of each horizon day. Stages only advance: a known
    start day of an earlier stage than the current one is ignored.
    """
    temps = effective_temperature(temp_c)
    days = temps.shape[0]
    n_stages = plan.tgc.shape[0]
    weights = np.empty(days)
    populations = np.empty(days)
    stages = np.empty(days, dtype=np.int64)
    # Within one stage the recursion is a cumulative sum in cube-root space, so the
    # horizon is computed one stage segment at a time rather than one day at a time.
    root = float(cube_root(weight_g))
    weight = float(weight_g)  # kept beside its cube root so a bound is compared exactly
    fish = float(population)
    current = int(stage)
    day = 0
    while day < days:
        current = _stage_on(day, current, weight, plan, n_stages)
        tgc = float(plan.tgc[current])
        tgc = 0.0 if math.isnan(tgc) else tgc
        roots = np.maximum(root_after(root, tgc, np.cumsum(temps[day:])), 0.0)
        segment_weights = roots**3
        stop = days
        if current + 1 < n_stages:
            known_start = int(plan.start_index[current + 1])
            if known_start != UNKNOWN_DAY:
                stop = min(max(known_start, day + 1), days)
            else:
                passed = np.flatnonzero(segment_weights > plan.max_weight_g[current])
                if passed.size:
                    stop = min(day + int(passed[0]) + 1, days)
        length = stop - day
        mortality = float(plan.mortality_rate_per_day[current])
        survival = 1.0 if math.isnan(mortality) else 1.0 - mortality
        weights[day:stop] = segment_weights[:length]
        populations[day:stop] = fish * survival ** np.arange(1, length + 1)
        stages[day:stop] = current
        root = float(roots[length - 1])
        weight = float(segment_weights[length - 1])
        fish = float(populations[stop - 1])
        day = stop
    reached = np.flatnonzero(weights >= target_weight_g)
    return Projection(
        weight_g=weights,
        population=populations,
        stage=stages,
        harvest_index=int(reached[0]) if reached.size else None,
    )


def _stage_on(index: int, current: int, weight_g: float, plan: StagePlan, n_stages: int) -> int:
    """The stage in force on horizon day ``index`` given the start-of-day weight (g)."""
    while current + 1 < n_stages:
        known_start = plan.start_index[current + 1]
        if known_start != UNKNOWN_DAY:
            if index < known_start:
                break
        elif not weight_g > plan.max_weight_g[current]:
            break
        current += 1
    return current


def pooled_weight(population: FloatArray, weight_g: FloatArray) -> FloatArray:
    """Population-weighted mean weight (g) over the first axis (e.g. containers).

    Parameters
    ----------
    population : fish per (group, day)
    weight_g : average weight (g) per (group, day)

    Returns
    -------
    Weight (g) per day = total biomass / total population; NaN where nobody is left.
    """
    fish = np.asarray(population, dtype=np.float64)
    total = fish.sum(axis=0)
    mass = (fish * np.asarray(weight_g, dtype=np.float64)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, mass / np.where(total > 0, total, 1.0), np.nan)


def temperature_bias(measured_c: FloatArray, planned_c: FloatArray) -> float:
    """Mean difference (degC) measured - planned; 0 when there is nothing to compare.

    Used to shift the profile by how warm or cold the water has recently been.
    """
    diff = np.asarray(measured_c, dtype=np.float64) - np.asarray(planned_c, dtype=np.float64)
    diff = diff[np.isfinite(diff)]
    return float(diff.mean()) if diff.size else 0.0
