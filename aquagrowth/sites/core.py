"""The arithmetic of sites and alerts, over plain arrays (no Django): the forecast sum
against a cap, the month's fish balance, the mortality spike test, days behind plan.

Units are in the names; a day index counts from a day the caller chose (index 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aquagrowth.engine.core.inputs import FloatArray, IntArray
from aquagrowth.engine.core.smoother import Z90


def standing_band(
    biomass_kg: FloatArray, variance_kg2: FloatArray, unbanded_pens: IntArray
) -> tuple[FloatArray, FloatArray]:
    """The 90 % band (kg) of a day's standing biomass, summed over its pens.

    biomass_kg : the day's summed biomass
    variance_kg2 : the sum of the pens' variances, each ``((high - biomass) / Z90)^2``
        from its stored band (the low end may be clipped at 0, the high never): their
        errors taken as independent, as the growth API pools pens (fish split from one
        source share its error, so the band is then somewhat narrow)
    unbanded_pens : pens of known biomass holding fish that day without a band (the
        anchored weight model): the day then has no band (NaN), as a sum half of whose
        terms state no uncertainty states none
    Returns the low (never below 0) and high ends.
    """
    sd = np.sqrt(np.asarray(variance_kg2, dtype=np.float64))
    banded = np.asarray(unbanded_pens) == 0
    low = np.where(banded, np.maximum(np.asarray(biomass_kg) - Z90 * sd, 0.0), np.nan)
    high = np.where(banded, np.asarray(biomass_kg) + Z90 * sd, np.nan)
    return low, high


def sum_paths(starts: IntArray, paths: list[FloatArray], horizon_days: int) -> FloatArray:
    """The sum per day of paths that begin on different days.

    starts : day index (0 .. horizon_days - 1) of each path's first value
    paths : one array per pen, its biomass (kg) on each day from its start
    Returns the summed biomass (kg) over ``horizon_days`` days; a path is 0 after its end.
    """
    total = np.zeros(horizon_days)
    for start, path in zip(starts, paths, strict=True):
        first = max(int(start), 0)
        skip = first - int(start)
        piece = path[skip : skip + horizon_days - first]
        total[first : first + len(piece)] += piece
    return total


@dataclass(frozen=True)
class Crossing:
    """The first day (index) a biomass series exceeds a cap, and by how much (kg)."""

    index: int
    excess_kg: float


def first_over(biomass_kg: FloatArray, cap_kg: float) -> Crossing | None:
    """The first index whose biomass (kg) is above ``cap_kg``, or None."""
    over = np.flatnonzero(biomass_kg > cap_kg)
    if over.size == 0:
        return None
    return Crossing(int(over[0]), float(biomass_kg[over[0]] - cap_kg))


@dataclass(frozen=True)
class FishFlows:
    """A site's month in fish: what came in and went out besides deaths and harvests."""

    stocked_fish: int
    moved_out_fish: int


def fish_flows(
    stock_before_fish: int,
    stock_fish: IntArray,
    mortality_fish: IntArray,
    unexplained_fish: IntArray,
    harvested_fish: IntArray,
) -> FishFlows:
    """Fish stocked into and moved out of a site, from each day's change of its stock.

    Each day ``end = start + in - out - dead - unexplained - harvested`` (docs/engine.md),
    summed over the site's containers: a move between two of them cancels within the
    day, so ``in - out`` of a day is the site's exchange with elsewhere. A day with a net
    gain stocked fish; a net loss moved them out.

    stock_before_fish : fish at the end of the day before the first
    stock_fish, mortality_fish, unexplained_fish, harvested_fish : per day (fish)
    """
    before = np.concatenate([[stock_before_fish], stock_fish[:-1]])
    exchange = stock_fish - before + mortality_fish + unexplained_fish + harvested_fish
    return FishFlows(int(exchange[exchange > 0].sum()), int(-exchange[exchange < 0].sum()))


def spike_days(
    deaths_fish: FloatArray,
    fish_at_start: FloatArray,
    *,
    pct: float,
    factor: float,
    window_days: int,
    min_fish: float,
) -> np.ndarray:
    """Which days of one pen are a mortality spike (a boolean per day).

    A day is a spike when its recorded deaths exceed ``pct`` % of the fish at the day's
    start, or exceed ``factor`` x the median daily deaths of the ``window_days`` days
    before it (days without a record left out) and are at least ``min_fish``. Days
    without a record (NaN deaths) are never spikes.

    deaths_fish : recorded deaths per consecutive day (NaN: no record)
    fish_at_start : fish in the pen at the start of each day
    """
    deaths = np.asarray(deaths_fish, dtype=float)
    spike = np.zeros(deaths.size, dtype=bool)
    with np.errstate(invalid="ignore"):
        spike |= deaths > pct / 100.0 * np.asarray(fish_at_start, dtype=float)
    for day in range(deaths.size):
        if np.isnan(deaths[day]) or deaths[day] < min_fish:
            continue
        before = deaths[max(0, day - window_days) : day]
        before = before[~np.isnan(before)]
        if before.size and deaths[day] > factor * float(np.median(before)):
            spike[day] = True
    return spike


def days_behind(plan_weight_g: FloatArray, weight_g: float, day_index: int) -> int | None:
    """How many days the plan reached ``weight_g`` before ``day_index`` (0 or less:
    on or ahead of plan); None when the plan never reaches it.

    plan_weight_g : the plan's weight (g) per day index
    weight_g : the batch's actual weight (g) on ``day_index``
    """
    reached = np.flatnonzero(np.asarray(plan_weight_g) >= weight_g)
    if reached.size == 0:
        return None
    return int(day_index - reached[0])
