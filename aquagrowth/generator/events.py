"""What the farm records of a batch's true life: feeding, growth samples, sensor readings.

Mortality, transfers and harvests are recorded exactly as simulated (``simulate``); the
events here are observations of the truth with the errors a real farm's have: a sample
of 30 fish is not the population mean, a sensor is noisy, drops out and spikes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from aquagrowth.generator.simulate import BatchTruth

PARAMETERS: tuple[dict[str, str], ...] = (
    {"code": "temperature", "name": "Water temperature", "unit": "°C"},
    {"code": "oxygen", "name": "Dissolved oxygen", "unit": "mg/L"},
    {"code": "ph", "name": "pH", "unit": "pH"},
    {"code": "co2", "name": "Carbon dioxide", "unit": "mg/L"},
    {"code": "salinity", "name": "Salinity", "unit": "ppt"},
)
TEMPERATURE, OXYGEN, PH, CO2, SALINITY = range(5)
FRESH_PARAMETERS = (TEMPERATURE, OXYGEN, PH, CO2)
SEA_PARAMETERS = (TEMPERATURE, OXYGEN, SALINITY)
FIRST_MEAL_HOUR, LAST_MEAL_HOUR = 7, 17
"""Meals spread over the working day (hours, UTC)."""


@dataclass(frozen=True)
class Feedings:
    """Feeding events: row of the truth fed, time of day (s after midnight), kg."""

    row: np.ndarray
    seconds: np.ndarray
    amount_kg: np.ndarray


@dataclass(frozen=True)
class Samples:
    """Growth samples: row of the truth sampled, fish weighed, mean and std (g)."""

    row: np.ndarray
    fish: np.ndarray
    mean_g: np.ndarray
    std_g: np.ndarray


@dataclass(frozen=True)
class Readings:
    """Sensor readings: row of the truth (container-day), parameter, minutes after midnight
    UTC, value in the parameter's unit."""

    row: np.ndarray
    parameter: np.ndarray
    minute: np.ndarray
    value: np.ndarray


def feed_percent(weight_g: np.ndarray, settings: dict[str, Any]) -> np.ndarray:
    """Daily ration (% of biomass) by fish weight (g): smaller fish eat a larger share.

    ``feed_percent_at_1g * W ** feed_exponent`` clipped to ``feed_percent_range``;
    about 3 % for fry and 0.8 % for a 5 kg salmon with the defaults.
    """
    lo, hi = settings["feed_percent_range"]
    raw = float(settings["feed_percent_at_1g"]) * np.power(
        weight_g, float(settings["feed_exponent"])
    )
    return np.clip(raw, lo, hi)


def feedings(truth: BatchTruth, settings: dict[str, Any], rng: np.random.Generator) -> Feedings:
    """Meals of every fed day: stages after Egg&Alevin, fish present at the end of the day."""
    stage = truth.a_stage[truth.r_assign]
    fed = np.flatnonzero((stage > 0) & (truth.r_pop > 0))
    per_day = int(settings["feedings_per_day"])
    biomass_kg = truth.r_pop[fed] * truth.r_weight[fed] / 1000.0
    daily_kg = biomass_kg * feed_percent(truth.r_weight[fed], settings) / 100.0
    rows = np.repeat(fed, per_day)
    meal = np.tile(np.arange(per_day), fed.size)
    amount = np.repeat(daily_kg / per_day, per_day) * rng.uniform(0.92, 1.08, size=rows.size)
    hours = np.round(np.linspace(FIRST_MEAL_HOUR, LAST_MEAL_HOUR, per_day)).astype(np.int64)
    return Feedings(row=rows, seconds=hours[meal] * 3600, amount_kg=np.round(amount, 3))


def growth_samples(
    truth: BatchTruth, settings: dict[str, Any], rng: np.random.Generator
) -> Samples:
    """Weekly samples after Egg&Alevin: ``sample_fish`` fish drawn lognormally around the
    true mean with coefficient of variation ``sample_cv``; their mean and std (g)."""
    every = int(settings["sample_every_days"])
    stage = truth.a_stage[truth.r_assign]
    since = truth.r_day - truth.a_first[truth.r_assign]
    rows = np.flatnonzero((stage > 0) & (since % every == every - 1) & (truth.r_pop > 0))
    fish = int(settings["sample_fish"])
    sigma = np.sqrt(np.log1p(float(settings["sample_cv"]) ** 2))
    draws = truth.r_weight[rows, None] * np.exp(
        rng.normal(-0.5 * sigma**2, sigma, size=(rows.size, fish))
    )
    return Samples(
        row=rows,
        fish=np.full(rows.size, fish, dtype=np.int64),
        mean_g=draws.mean(axis=1),
        std_g=draws.std(axis=1, ddof=1),
    )


def readings(
    truth: BatchTruth,
    is_sea: np.ndarray,
    settings: dict[str, Any],
    rng: np.random.Generator,
) -> Readings:
    """Sensor readings of every occupied container-day, with noise, gaps and spikes.

    Temperature readings scatter around the true daily mean by a diurnal swing that
    averages to zero over the day's reading times plus white noise
    (``reading_noise_c``), so the mean of a full day is the truth within a few
    hundredths of a degree. Every sensor series loses readings in gaps (on average
    ``gaps_per_100_days`` per 100 days, ``gap_hours`` long) and a reading is now and
    then a spike (``spike_value``), which a reader must reject.

    Parameters
    ----------
    truth : the batch's true states (rows are the occupied container-days)
    is_sea : per container position, whether it is a sea ring
    """
    sea_row = is_sea[truth.a_container[truth.r_assign]]
    per_day = np.array(
        [
            int(settings["readings_per_day"])
            if p in (TEMPERATURE, OXYGEN)
            else int(settings["chemistry_readings_per_day"])
            for p in range(len(PARAMETERS))
        ]
    )
    parts: list[tuple[np.ndarray, int]] = []
    for parameter in sorted(set(FRESH_PARAMETERS) | set(SEA_PARAMETERS)):
        wanted = np.ones_like(sea_row)
        if parameter not in SEA_PARAMETERS:
            wanted = ~sea_row
        elif parameter not in FRESH_PARAMETERS:
            wanted = sea_row
        parts.append((np.flatnonzero(wanted), parameter))
    rows = np.concatenate([np.repeat(r, per_day[p]) for r, p in parts])
    parameter = np.concatenate([np.full(r.size * per_day[p], p) for r, p in parts])
    slot = np.concatenate([np.tile(np.arange(per_day[p]), r.size) for r, p in parts])
    n = per_day[parameter]
    # Readings at the middle of equal parts of the UTC day.
    minute = (slot * 1440 // n + 1440 // (2 * n)).astype(np.int64)
    temp = truth.r_temp[rows]
    phase = 2.0 * np.pi * slot / n
    noise = rng.normal(0.0, 1.0, size=rows.size)
    value = np.empty(rows.size)
    amp = float(settings["diurnal_amplitude_c"])
    sel = parameter == TEMPERATURE
    value[sel] = (
        temp[sel] + amp * np.sin(phase[sel]) + float(settings["reading_noise_c"]) * noise[sel]
    )
    sel = parameter == OXYGEN
    value[sel] = 14.2 - 0.32 * temp[sel] - 0.6 * sea_row[rows[sel]] + 0.25 * noise[sel]
    sel = parameter == PH
    value[sel] = 7.05 + 0.08 * noise[sel]
    sel = parameter == CO2
    value[sel] = 8.0 + 1.5 * noise[sel]
    sel = parameter == SALINITY
    value[sel] = 34.2 + 0.25 * noise[sel]

    keep = np.ones(rows.size, dtype=bool)
    sensor_days = float(np.sum(1.0 / n))
    gaps = rng.poisson(sensor_days * float(settings["gaps_per_100_days"]) / 100.0)
    if gaps:
        start = rng.integers(0, rows.size, size=gaps)
        hours = rng.uniform(*settings["gap_hours"], size=gaps)
        length = np.maximum(1, np.round(hours * n[start] / 24.0)).astype(np.int64)
        edge = np.zeros(rows.size + 1, dtype=np.int64)
        np.add.at(edge, start, 1)
        np.add.at(edge, np.minimum(start + length, rows.size), -1)
        keep = np.cumsum(edge[:-1]) == 0
    spikes = rng.random(rows.size) < float(settings["spike_probability"])
    value = np.where(spikes, float(settings["spike_value"]), np.round(value, 3))
    return Readings(
        row=rows[keep], parameter=parameter[keep], minute=minute[keep], value=value[keep]
    )
