"""Feed, biomass growth and feed conversion ratio (FCR).

The FCR is feed over the biomass PRODUCED BY GROWTH (population x weight gain), never
over the change of standing biomass, which transfers, harvest and mortality also move.
A trailing window keeps one day's feed from being divided by one day's gain.
"""

from __future__ import annotations

import numpy as np

from aquagrowth.engine.core.inputs import FloatArray, IntArray

FCR_WINDOW_DAYS = 7
"""The trailing window of a row's FCR (days): the engine's rows and the API's series."""
GROWTH_ROUNDING_KG = 1e-12
"""Growth (kg) a window must exceed for the engine to give it an FCR: below is rounding."""


def growth_kg(
    population: IntArray, weight_start_g: FloatArray, weight_end_g: FloatArray
) -> FloatArray:
    """Biomass produced by growth over each day (kg): population x (end - start weight) / 1000.

    ``weight_start_g`` is the start-of-day weight after placements and transfers, so that
    moving fish never counts as growth. Unknown weights produce 0 kg.
    """
    gain = np.nan_to_num(weight_end_g - weight_start_g, nan=0.0)
    return population * gain / 1000.0


def ratio_of_sums(feed_kg: FloatArray, growth_kg: FloatArray) -> float:
    """Period or cumulative FCR (kg feed / kg growth); NaN when nothing grew or nothing was fed."""
    feed, grown = float(np.sum(feed_kg)), float(np.sum(growth_kg))
    return feed / grown if grown > 0 and feed > 0 else float("nan")


def trailing_fcr(
    feed_kg: FloatArray,
    growth_kg: FloatArray,
    *,
    day: IntArray | None = None,
    first_row: IntArray | None = None,
    window: int = FCR_WINDOW_DAYS,
    growth_above_kg: float = GROWTH_ROUNDING_KG,
) -> FloatArray:
    """FCR of each row (kg feed / kg growth) over the trailing ``window`` days.

    Parameters
    ----------
    feed_kg, growth_kg : feed (kg) and biomass produced by growth (kg) of each row
    day : each row's day (ascending); the window holds the rows of the ``window`` days
        ending on the row's day, so a day without a row counts as no feed and no growth.
        By default the rows are consecutive days (row = day).
    first_row : per row, the earliest row its window may reach (the first row of its
        assignment when several assignments' rows are laid end to end); by default every
        window may reach back to row 0
    window : days summed (7: the spec's trailing week)
    growth_above_kg : the window's growth (kg) must exceed this for an FCR: the engine's
        rows ignore growth within rounding (``GROWTH_ROUNDING_KG``); the API's daily
        series of a batch, summed over its containers, takes any positive growth (0.0)

    Returns
    -------
    FCR per row; NaN where the window's growth is not above ``growth_above_kg`` or its
    feed is 0. Summing before dividing keeps one day's feed from being divided by one
    day's gain.
    """
    cum_feed = np.concatenate(([0.0], np.cumsum(feed_kg)))
    cum_growth = np.concatenate(([0.0], np.cumsum(growth_kg)))
    end = np.arange(1, len(feed_kg) + 1)
    start = end - window if day is None else np.searchsorted(day, day - window, side="right")
    start = np.maximum(start, 0 if first_row is None else first_row)
    feed = cum_feed[end] - cum_feed[start]
    grown = cum_growth[end] - cum_growth[start]
    with np.errstate(divide="ignore", invalid="ignore"):
        fcr = feed / grown
    return np.where((grown > growth_above_kg) & (feed > 0), fcr, np.nan)
