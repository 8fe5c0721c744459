"""True daily mean water temperature of every container on every day of the farm.

One grid for the whole farm, so a container has one temperature on a day whichever
batch is in it, and sensors and growth see the same water.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from aquagrowth.generator.layout import Layout
from aquagrowth.generator.profile import GEOGRAPHIES

WARMEST_DAY_OF_YEAR = 235
"""Late August: North Atlantic surface water is warmest about two months after midsummer."""


def sea_season_c(geography: int, dates: np.ndarray) -> np.ndarray:
    """Seasonal sea temperature (degC) of a geography on ``dates`` (datetime64[D]).

    A cosine over the year: ``mean + amplitude * cos(2 pi (doy - 235) / 365.25)``.
    """
    geo = GEOGRAPHIES[geography]
    years = dates.astype("datetime64[Y]")
    doy = (dates - years.astype("datetime64[D]")).astype(np.int64) + 1
    phase = 2.0 * np.pi * (doy - WARMEST_DAY_OF_YEAR) / 365.25
    return geo["sea_mean_c"] + geo["sea_amplitude_c"] * np.cos(phase)


def true_temperature_grid(
    layout: Layout, origin: dt.date, n_days: int, settings: dict[str, Any], seed: int
) -> np.ndarray:
    """Daily mean temperature (degC), shape (containers, days from ``origin``).

    Freshwater: the egg hall near ``egg_water_c``, the other halls at a station level
    drawn within ``fresh_water_c``; sea: the geography's season plus an offset per sea
    area and per ring. Every container adds a slow AR(1) wander (weather, heating).
    """
    rng = np.random.default_rng([seed, 7002])
    n = layout.size
    base = np.empty((n, n_days))
    dates = np.datetime64(origin, "D") + np.arange(n_days)
    station_level = rng.uniform(*settings["fresh_water_c"], size=(len(GEOGRAPHIES), 64))
    area_offset = rng.normal(0.0, 0.3, size=(len(GEOGRAPHIES), 256))
    container_offset = rng.normal(0.0, 0.15, size=n)
    for g in range(len(GEOGRAPHIES)):
        season = sea_season_c(g, dates)
        sea = (layout.geography == g) & layout.is_sea
        base[sea] = season[None, :] + area_offset[g, layout.sea_area[sea]][:, None]
        fresh = (layout.geography == g) & ~layout.is_sea
        level = np.where(
            layout.hall[fresh] == 0,
            float(settings["egg_water_c"]),
            station_level[g, layout.station[fresh]],
        )
        base[fresh] = level[:, None]
    base += container_offset[:, None]
    wander = np.empty((n, n_days))
    innovations = rng.normal(0.0, 0.12, size=(n_days, n))
    state = np.zeros(n)
    for d in range(n_days):
        state = 0.85 * state + innovations[d]
        wander[:, d] = state
    return base + wander
