"""Weight by the thermal growth coefficient (TGC) model.

The TGC model says that the cube root of a fish's weight grows linearly with the
temperature sum:

    W(t)^(1/3) = W(0)^(1/3) + TGC / 1000 * sum(T)

with W in grams, T in degC per day and TGC in its customary units (about 2.0-3.5 for
Atlantic salmon). Working in cube-root space turns a day-by-day recursion into a
cumulative sum, which is what lets the engine compute a whole batch at once.

References
----------
Iwama, G. K. and Tautz, A. F. (1981). A simple growth model for salmonids in
hatcheries. Canadian Journal of Fisheries and Aquatic Sciences 38(6), 649-656.
"""

from __future__ import annotations

import numpy as np

from aquagrowth.engine.core.inputs import FloatArray

MIN_DEGREE_DAYS = 1e-6
"""A temperature sum (degC day) at or below this is rounding, not warmth: no TGC can be
fitted over it. Sums of daily temperatures near 0 degC land a few units in the last
place either side of 0 depending on the order they were added in."""


def effective_temperature(temp_c: FloatArray) -> FloatArray:
    """Temperature that drives growth (degC): negative or unknown (NaN) counts as 0.

    Salmon do not grow below 0 degC; the TGC model would otherwise shrink them.
    """
    t = np.asarray(temp_c, dtype=np.float64)
    return np.where(np.isnan(t), 0.0, np.maximum(t, 0.0))


def grow(weight_g: float, tgc: float, temp_c: FloatArray) -> FloatArray:
    """Weights (g) at the end of each day, starting from ``weight_g`` at the start of the first.

    Parameters
    ----------
    weight_g : average weight (g) at the start of the first day
    tgc : thermal growth coefficient (customary units, x 1000)
    temp_c : water temperature (degC) of each day; NaN and negatives grow nothing

    Returns
    -------
    Average weight (g) at the end of each day, same length as ``temp_c``.
    """
    degree_days = np.cumsum(effective_temperature(temp_c))
    root = np.cbrt(weight_g) + tgc / 1000.0 * degree_days
    return np.maximum(root, 0.0) ** 3


def fitted_tgc(weight_start_g: float, weight_end_g: float, degree_days: float) -> float:
    """The TGC that takes ``weight_start_g`` to ``weight_end_g`` over ``degree_days`` (degC day).

    NaN when the degree-days are not above ``MIN_DEGREE_DAYS`` (the TGC is then undefined).
    """
    if degree_days <= MIN_DEGREE_DAYS:
        return float("nan")
    return 1000.0 * (np.cbrt(weight_end_g) - np.cbrt(weight_start_g)) / degree_days


def days_to_weight(weight_g: float, target_g: float, tgc: float, temp_c: FloatArray) -> int | None:
    """Days until ``weight_g`` reaches ``target_g`` under ``temp_c``; None if it never does.

    Day 1 is the first element of ``temp_c``; 0 means the weight is already there.
    """
    if weight_g >= target_g:
        return 0
    weights = grow(weight_g, tgc, temp_c)
    reached = np.flatnonzero(weights >= target_g)
    return int(reached[0]) + 1 if reached.size else None
