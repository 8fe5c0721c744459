"""The 90 % band of a forward projection: how sure a projected weight and biomass are.

The smoother (docs/engine.md, "Weight with its uncertainty") models a pen's state as
``u`` = the cube root of its mean weight and ``g`` = TGC / 1000, with ``g`` drifting as a
random walk of variance ``sigma_g^2`` a day. Projected forward from the last smoothed
state with no more records, the same model gives the variance of ``u`` on horizon day
``t`` in closed form (``C_t`` the effective degree-days through day ``t``):

    var(u_t) = var(u_0) + 2 C_t cov(u_0, g_0) + C_t^2 var(g_0)
               + sigma_g^2 sum_{k=1..t} (C_t - C_k)^2

(``u_t = u_0 + C_t g_0`` plus the drift: the drift gained at the end of day ``k``
changes the growth of every later day, so its weight in ``u`` is the degree-days after
it; the smoother's ``drift_noise``, from 0). This is the smoother's own prediction
from its last state when no record follows (``smoother.fill_days``' filtered variance
past a stay's last observation): ``var(g_0)`` and ``cov(u_0, g_0)`` are the last
state's, kept in its stay's summary.
The band therefore widens with time, faster in warm water.
The weight band is ``(u_t -+ Z90 sd(u_t))^3``; pens are pooled as the growth API pools
them (independent errors, ``var(W) = sum (N_i / N)^2 var(W_i)``).

References
----------
Kalman, R. E. (1960). A new approach to linear filtering and prediction problems.
Journal of Basic Engineering 82(1), 35-45.
Iwama, G. K. and Tautz, A. F. (1981). A simple growth model for salmonids in hatcheries.
Canadian Journal of Fisheries and Aquatic Sciences 38(6), 649-656.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np

from aquagrowth.engine.core.growth import effective_temperature
from aquagrowth.engine.core.inputs import FloatArray, IntArray
from aquagrowth.engine.core.smoother import Z90


def drifted_root_variance(
    root_var_start: float,
    temp_c: FloatArray,
    tgc_drift_sd: float,
    tgc_var_start: float = 0.0,
    root_tgc_cov_start: float = 0.0,
) -> FloatArray:
    """var(u) (g^(2/3)) at the end of each horizon day, projected without records.

    Parameters
    ----------
    root_var_start : variance of the cube root of the weight at the start (g^(2/3)),
        the last smoothed state's
    temp_c : water temperature (degC) of each horizon day; NaN and negatives grow nothing
    tgc_drift_sd : the farm's TGC drift, customary TGC units per sqrt(day)
        (``SmootherParams.tgc_drift_sd``)
    tgc_var_start : variance of g = TGC / 1000 at the start; 0 takes the TGC as known
        then (only its drift after counts)
    root_tgc_cov_start : covariance of the cube root and g at the start (the
        smoother's ``pug``)

    Returns
    -------
    The variance of ``u`` per horizon day, growing (never below 0: a covariance
    stated inconsistently with the variances is clipped).
    """
    degree_days = np.cumsum(effective_temperature(temp_c))  # C_t, through day t
    days = degree_days.shape[0]
    if days == 0:
        return np.empty(0)
    # The drift gained at the end of day k moves the growth of the days after it only.
    t = np.arange(1, days + 1, dtype=np.float64)
    s1 = np.cumsum(degree_days)
    s2 = np.cumsum(degree_days * degree_days)
    # sum (C_t - C_k)^2 expanded, so the horizon takes three cumulative sums, not a loop.
    spread = np.maximum(t * degree_days**2 - 2.0 * degree_days * s1 + s2, 0.0)
    drift_var = (tgc_drift_sd / 1000.0) ** 2
    start = root_var_start + 2.0 * degree_days * root_tgc_cov_start + degree_days**2 * tgc_var_start
    return np.maximum(start, 0.0) + drift_var * spread


def staged_root_variance(
    root_var_start: float,
    temp_c: FloatArray,
    tgc_drift_sd: float | FloatArray,
    stage: IntArray,
    stage_tgc_var: FloatArray,
    tgc_var_start: float = 0.0,
    root_tgc_cov_start: float = 0.0,
) -> FloatArray:
    """var(u) per horizon day when the projection changes stage on the way.

    While the first stage lasts, :func:`drifted_root_variance` from the last state. A
    later stage grows at the plan's TGC of that stage, a quantity of its own: the pen's
    TGC of the stage before does not carry into it (another stay, other water), so from
    the day it begins ``u`` carries the variance it reached, the new TGC enters with its
    prior ``stage_tgc_var[stage]`` (var(g), g = TGC / 1000, no covariance with ``u``),
    and the drift starts again from that day.

    Parameters
    ----------
    tgc_drift_sd : the farm's drift, or one per stage position (0 for an unsampled
        stage, whose TGC's uncertainty is all in its prior, as the smoother has it)
    stage : the stage position in force on each horizon day (``Projection.stage``)
    stage_tgc_var : var(g) of a stage's TGC around its plan, by stage position
    (the rest as :func:`drifted_root_variance`)
    """
    per_stage = np.ndim(tgc_drift_sd) > 0
    temps = np.asarray(temp_c, dtype=np.float64)
    stage = np.asarray(stage)
    out = np.empty(temps.shape[0])
    if out.size == 0:
        return out
    starts = np.concatenate([[0], np.flatnonzero(np.diff(stage)) + 1, [out.size]])
    var, tgc_var, cov = root_var_start, tgc_var_start, root_tgc_cov_start
    for lo, hi in itertools.pairwise(starts.tolist()):
        if lo > 0:  # a new stage: its own TGC, with the plan's prior
            var, tgc_var, cov = float(out[lo - 1]), float(stage_tgc_var[stage[lo]]), 0.0
        drift = float(tgc_drift_sd[stage[lo]] if per_stage else tgc_drift_sd)
        out[lo:hi] = drifted_root_variance(var, temps[lo:hi], drift, tgc_var, cov)
    return out


def root_variance_of_band(weight_g: float, weight_high_g: float) -> float:
    """var(u) behind a stored band: the high end is ``(u + Z90 sd(u))^3`` (the low end
    may be clipped at 0, the high never)."""
    sd = (np.cbrt(weight_high_g) - np.cbrt(weight_g)) / Z90
    return float(max(sd, 0.0) ** 2)


def count_variance_of_band(
    population: float, weight_g: float, root_var: float, biomass_kg: float, biomass_high_kg: float
) -> float:
    """var(N) (fish^2) behind a stored biomass band: solves the engine's
    ``var(B) = (W^2 var(N) + N^2 var(W) + var(N) var(W)) / 10^6`` for ``var(N)``, with
    ``var(W) = (3 u^2)^2 var(u)``."""
    var_b = ((biomass_high_kg - biomass_kg) / Z90) ** 2 * 1e6
    var_w = weight_variance(np.asarray(weight_g), np.asarray(root_var))
    return float(max((var_b - population**2 * var_w) / (weight_g**2 + var_w), 0.0))


def weight_variance(weight_g: FloatArray, root_var: FloatArray) -> FloatArray:
    """var(W) (g^2) of a weight from its cube root's variance (the delta method:
    dW/du = 3 u^2)."""
    u = np.cbrt(np.asarray(weight_g, dtype=np.float64))
    return (3.0 * u * u) ** 2 * np.asarray(root_var, dtype=np.float64)


class Band(NamedTuple):
    """90 % bands per day: weight (g) and biomass (kg)."""

    weight_low_g: FloatArray
    weight_high_g: FloatArray
    biomass_low_kg: FloatArray
    biomass_high_kg: FloatArray


def pooled_band(
    population: FloatArray,
    weight_g: FloatArray,
    root_var: FloatArray,
    count_rel_var: FloatArray,
) -> Band:
    """The band of several pens' pooled weight and summed biomass.

    Parameters
    ----------
    population : fish per (pen, day)
    weight_g : mean weight (g) per (pen, day)
    root_var : var(u) per (pen, day), from :func:`drifted_root_variance`
    count_rel_var : per pen, var(N) / N^2 (its count's relative variance, held forward)

    Returns
    -------
    Weight band around the pooled weight ``sum N W / sum N`` with ``var = sum (N_i /
    N)^2 var(W_i)`` (a day with one pen: its own ``(u -+ Z90 sd(u))^3``, as stored);
    biomass band around ``sum N W / 1000`` with the pens' variances added.
    Lows never below 0; NaN where no fish are left.
    """
    fish = np.asarray(population, dtype=np.float64)
    weight = np.asarray(weight_g, dtype=np.float64)
    var_w = weight_variance(weight, root_var)
    var_n = np.asarray(count_rel_var, dtype=np.float64)[:, None] * fish**2
    total = fish.sum(axis=0)
    ok = total > 0
    safe = np.where(ok, total, 1.0)
    pooled = np.where(ok, (fish * weight).sum(axis=0) / safe, np.nan)
    sd_w = np.sqrt(((fish / safe) ** 2 * var_w).sum(axis=0))
    biomass = (fish * weight).sum(axis=0) / 1000.0
    var_b = (weight**2 * var_n + fish**2 * var_w + var_n * var_w).sum(axis=0) / 1e6
    sd_b = np.sqrt(var_b)
    low, high = np.maximum(pooled - Z90 * sd_w, 0.0), pooled + Z90 * sd_w
    # A day with one pen keeps that pen's own band, in cube-root space as the engine
    # stores it, so the forward band continues the last state's without a step.
    alone = (fish > 0).sum(axis=0) == 1
    if alone.any():
        pen = np.argmax(fish > 0, axis=0)
        days = np.arange(fish.shape[1])
        u = np.cbrt(weight[pen, days])
        sd_u = np.sqrt(np.asarray(root_var, dtype=np.float64)[pen, days])
        low = np.where(alone, np.maximum(u - Z90 * sd_u, 0.0) ** 3, low)
        high = np.where(alone, (u + Z90 * sd_u) ** 3, high)
    return Band(
        weight_low_g=np.where(ok, low, np.nan),
        weight_high_g=np.where(ok, high, np.nan),
        biomass_low_kg=np.where(ok, np.maximum(biomass - Z90 * sd_b, 0.0), np.nan),
        biomass_high_kg=np.where(ok, biomass + Z90 * sd_b, np.nan),
    )
