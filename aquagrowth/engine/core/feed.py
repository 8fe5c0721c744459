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
MIN_RECORDED_DAYS = 4
"""Days with feed records a trailing window needs for an FCR (of ``FCR_WINDOW_DAYS``)."""


def growth_kg(
    population: IntArray, weight_start_g: FloatArray, weight_end_g: FloatArray
) -> FloatArray:
    """Biomass produced by growth over each day (kg): population x (end - start weight) / 1000.

    ``weight_start_g`` is the start-of-day weight after placements and transfers, so that
    moving fish never counts as growth. Unknown weights produce 0 kg.
    """
    gain = np.nan_to_num(weight_end_g - weight_start_g, nan=0.0)
    return population * gain / 1000.0


def ratio_of_sums(
    feed_kg: FloatArray, growth_kg: FloatArray, recorded: np.ndarray | None = None
) -> float:
    """Period or cumulative FCR (kg feed / kg growth) over the days with feed records.

    ``recorded`` marks those days (default: every day whose feed is known, not NaN); a
    day of feed unknown counts neither its feed nor its growth. NaN when nothing grew or
    nothing was fed on them.
    """
    feed_kg, growth_kg = np.asarray(feed_kg, dtype=np.float64), np.asarray(growth_kg)
    use = ~np.isnan(feed_kg) if recorded is None else np.asarray(recorded, dtype=bool)
    feed, grown = float(np.sum(feed_kg[use])), float(np.sum(growth_kg[use]))
    return feed / grown if grown > 0 and feed > 0 else float("nan")


def coverage(recorded: np.ndarray, fed: np.ndarray) -> float:
    """The share of a period's fed days that have feed records (NaN without fed days)."""
    fed_days = int(np.sum(fed))
    return (
        float(np.sum(np.asarray(recorded) & np.asarray(fed))) / fed_days
        if fed_days
        else float("nan")
    )


def trailing_fcr(
    feed_kg: FloatArray,
    growth_kg: FloatArray,
    *,
    day: IntArray | None = None,
    first_row: IntArray | None = None,
    window: int = FCR_WINDOW_DAYS,
    growth_above_kg: float = GROWTH_ROUNDING_KG,
    recorded: np.ndarray | None = None,
    min_recorded: int = 0,
) -> FloatArray:
    """FCR of each row (kg feed / kg growth) over the trailing ``window`` days.

    Parameters
    ----------
    feed_kg, growth_kg : feed (kg, NaN where unknown) and biomass produced by growth (kg)
        of each row
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
    recorded : the rows whose feed was recorded (default: feed not NaN); only their feed
        and their growth count
    min_recorded : recorded rows a window needs for an FCR (the engine's rows:
        ``MIN_RECORDED_DAYS``)

    Returns
    -------
    FCR per row; NaN where the window's growth on recorded days is not above
    ``growth_above_kg``, its feed is 0, or it has fewer than ``min_recorded`` recorded
    rows. Summing before dividing keeps one day's feed from being divided by one day's
    gain.
    """
    feed_kg = np.asarray(feed_kg, dtype=np.float64)
    use = ~np.isnan(feed_kg) if recorded is None else np.asarray(recorded, dtype=bool)
    cum_feed = np.concatenate(([0.0], np.cumsum(np.where(use, feed_kg, 0.0))))
    cum_growth = np.concatenate(([0.0], np.cumsum(np.where(use, growth_kg, 0.0))))
    cum_days = np.concatenate(([0], np.cumsum(use)))
    end = np.arange(1, len(feed_kg) + 1)
    start = end - window if day is None else np.searchsorted(day, day - window, side="right")
    start = np.maximum(start, 0 if first_row is None else first_row)
    feed = cum_feed[end] - cum_feed[start]
    grown = cum_growth[end] - cum_growth[start]
    days = cum_days[end] - cum_days[start]
    with np.errstate(divide="ignore", invalid="ignore"):
        fcr = feed / grown
    return np.where((grown > growth_above_kg) & (feed > 0) & (days >= min_recorded), fcr, np.nan)
