"""A batch's planning scenario: close to its truth, never equal, as on a real farm.

A planner knows roughly how fast the fish grow and die, not exactly: the scenario's TGC
per stage lies ``scenario_tgc_error`` (2-10 %) above or below the true one, mortality
rates within 20 %, and the temperature profile is the smooth expectation (nominal hall
temperatures, the geography's seasonal sea curve) without the weather of the real year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from aquagrowth.generator.profile import GEOGRAPHIES, STAGES
from aquagrowth.generator.simulate import BatchTruth
from aquagrowth.generator.temperature import sea_season_c


@dataclass(frozen=True)
class ScenarioPlan:
    """Per stage (in ``STAGES`` order): TGC, FCR, mortality (fraction per day); the
    temperature profile as (day number from 1, degC); the target harvest weight (g)."""

    tgc: np.ndarray
    fcr: np.ndarray
    mortality_rate_per_day: np.ndarray
    profile_day_number: np.ndarray
    profile_temp_c: np.ndarray
    harvest_weight_g: float


def nominal_temperature_c(stage: int, geography: int, settings: dict[str, Any]) -> float:
    """The temperature (degC) a planner expects in a stage: the egg water, the mean of
    the fresh-water range, or the geography's mean sea temperature."""
    if stage == 0:
        return float(settings["egg_water_c"])
    if stage < len(STAGES) - 1:
        return float(np.mean(settings["fresh_water_c"]))
    return float(GEOGRAPHIES[geography]["sea_mean_c"])


def plan_scenario(
    truth: BatchTruth,
    start_date: dt.date,
    stage_first_days: list[int],
    stage_days: list[int],
    geography: int,
    harvest_weight_g: float,
    settings: dict[str, Any],
    rng: np.random.Generator,
) -> ScenarioPlan:
    """The scenario of one batch from its truth and plan.

    Stages the batch has not reached yet (no true TGC) get the TGC that takes the
    previous stage's target weight to this stage's at the nominal temperature.
    """
    targets = [float(settings["egg_weight_g"]), *settings["stage_end_weight_g"], harvest_weight_g]
    tgc = truth.stage_tgc.copy()
    # The generator keeps its own TGC arithmetic on purpose (not engine/core/growth.py): the
    # engine is scored against the generator, so one bug must not sit on both sides.
    for s in range(len(STAGES)):
        if np.isnan(tgc[s]):
            degree_days = stage_days[s] * nominal_temperature_c(s, geography, settings)
            tgc[s] = 1000.0 * (np.cbrt(targets[s + 1]) - np.cbrt(targets[s])) / degree_days
    lo, hi = settings["scenario_tgc_error"]
    error = rng.uniform(lo, hi, size=len(STAGES)) * rng.choice([-1.0, 1.0], size=len(STAGES))
    rates = np.asarray(settings["mortality_rate_per_day"], float) * rng.uniform(0.8, 1.2, 6)

    total = stage_first_days[-1] + stage_days[-1]
    every = int(settings["scenario_profile_every_days"])
    day_number = np.arange(1, total + 1, every, dtype=np.int64)
    day_index = day_number - 1
    stage_of_day = np.searchsorted(np.asarray(stage_first_days), day_index, side="right") - 1
    temp = np.array([nominal_temperature_c(int(s), geography, settings) for s in stage_of_day])
    dates = np.datetime64(start_date, "D") + day_index
    sea = stage_of_day == len(STAGES) - 1
    temp[sea] = sea_season_c(geography, dates[sea])
    return ScenarioPlan(
        tgc=tgc * (1.0 + error),
        fcr=np.asarray(settings["scenario_fcr"], float),
        mortality_rate_per_day=rates,
        profile_day_number=day_number,
        profile_temp_c=np.round(temp, 2),
        harvest_weight_g=float(harvest_weight_g),
    )
