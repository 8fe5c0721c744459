"""Weight by the thermal growth coefficient (TGC) model: the step and the fit.

The TGC model says that the cube root of a fish's weight grows linearly with the
temperature sum:

    W(t)^(1/3) = W(0)^(1/3) + TGC / 1000 * sum(T)

with W in grams, T in degC per day and TGC in its customary units (about 2.0-3.5 for
Atlantic salmon). Working in cube-root space turns a day-by-day recursion into a
cumulative sum, which is what lets the engine compute a whole batch at once.

This module is the model's one home in the engine and the API: the weight curves
(``weight``), the projections (``projection``) and the observed growth per period
(``aquagrowth.analysis.periods``) all call it. Every function works on scalars and on
numpy arrays alike (element by element). The plain reference engine in ``tests/`` and the
generator's ground truth keep their own copies on purpose, so that one mistake cannot
hide on both sides of a comparison.

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


def cube_root(weight_g: FloatArray) -> FloatArray:
    """W^(1/3) of a weight (g): the space in which the TGC model is linear."""
    return np.cbrt(weight_g)


def root_after(root_start: FloatArray, tgc: FloatArray, degree_days: FloatArray) -> FloatArray:
    """The TGC step in cube-root space: W_start^(1/3) + TGC / 1000 * degree-days.

    Parameters
    ----------
    root_start : cube root of the weight (g^(1/3)) at the start
    tgc : thermal growth coefficient (customary units, x 1000)
    degree_days : effective temperature sum (degC day) since the start

    Returns
    -------
    The cube root of the weight (g^(1/3)) after ``degree_days``; not bounded below (a
    negative TGC can take it below 0: callers that need a weight clamp it).
    """
    return root_start + tgc / 1000.0 * degree_days


def weight_after(weight_g: FloatArray, tgc: FloatArray, degree_days: FloatArray) -> FloatArray:
    """Weight (g) after ``degree_days`` (degC day) at ``tgc``, from ``weight_g`` (g)."""
    return root_after(np.cbrt(weight_g), tgc, degree_days) ** 3


def weight_between(
    weight_start_g: FloatArray, weight_end_g: FloatArray, fraction: FloatArray
) -> FloatArray:
    """Weight (g) a ``fraction`` of the way from the start to the end weight, in cube-root space.

    The curve of a segment whose two measured ends have no degree-days between them (the
    TGC is undefined there): linear in days instead of in the temperature sum.
    """
    root_start = np.cbrt(weight_start_g)
    return (root_start + fraction * (np.cbrt(weight_end_g) - root_start)) ** 3


def fitted_tgc(weight_start_g: float, weight_end_g: float, degree_days: float) -> float:
    """The TGC that takes ``weight_start_g`` to ``weight_end_g`` (g) over ``degree_days``.

    The segment fit: the growth rate a curve must have to leave one measured weight and
    arrive exactly at the next. ``degree_days`` is the effective temperature sum (degC
    day) between them. NaN when the degree-days are not above ``MIN_DEGREE_DAYS`` (the
    TGC is then undefined). A lighter end weight fits a negative TGC, which is kept.
    """
    if degree_days <= MIN_DEGREE_DAYS:
        return float("nan")
    return 1000.0 * (np.cbrt(weight_end_g) - np.cbrt(weight_start_g)) / degree_days


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
    return np.maximum(root_after(np.cbrt(weight_g), tgc, degree_days), 0.0) ** 3
