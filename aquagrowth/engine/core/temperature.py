"""Water temperature of a container on each day, from readings, gaps and the plan.

The first that exists wins (see docs/engine.md): the mean of the day's valid readings;
a linear interpolation between measured days at most ``MAX_GAP_DAYS`` away on each side;
the scenario's temperature profile; the container's mean measured temperature.
"""

from __future__ import annotations

import numpy as np

from aquagrowth.engine.core.inputs import FloatArray, IntArray
from aquagrowth.engine.core.outputs import TEMP_SOURCES

MAX_GAP_DAYS = 7
VALID_RANGE_C = (-2.0, 35.0)
"""Readings outside this range (degC) are sensor faults; the loader drops and counts them."""

MEASURED, INTERPOLATED, PROFILE, CONTAINER_MEAN, MISSING = (
    TEMP_SOURCES.index(s)
    for s in ("measured", "interpolated", "profile", "container_mean", "missing")
)


def profile_temperature(
    day_number: IntArray, profile_day_number: IntArray, profile_temp_c: FloatArray
) -> FloatArray:
    """Planned temperature (degC) on each day number, linear between profile days.

    Flat before the first and after the last profile day; NaN without a profile.
    """
    if len(profile_day_number) == 0:
        return np.full(len(day_number), np.nan)
    order = np.argsort(profile_day_number, kind="stable")
    return np.interp(day_number, profile_day_number[order], profile_temp_c[order])


def interpolation_confidence(gap_days: FloatArray) -> FloatArray:
    """Confidence of a value interpolated across a gap between measured days ``gap_days`` apart."""
    return np.maximum(0.4, 0.9 - gap_days / 30.0)


def container_temperature(
    n_days: int,
    measured_day: IntArray,
    measured_c: FloatArray,
    profile_c: FloatArray,
) -> tuple[FloatArray, IntArray, FloatArray]:
    """Temperature of one container for days 0 .. n_days - 1.

    Parameters
    ----------
    n_days : number of days
    measured_day : days (may lie outside 0 .. n_days - 1) with a mean of valid readings,
        strictly increasing
    measured_c : those daily means (degC)
    profile_c : the scenario's planned temperature per day (degC), NaN where none

    Returns
    -------
    temp_c, source code (index into ``TEMP_SOURCES``), confidence; per day.
    """
    days = np.arange(n_days)
    temp = np.full(n_days, np.nan)
    source = np.full(n_days, MISSING, dtype=np.int64)
    confidence = np.zeros(n_days)

    if len(measured_day):
        nxt = np.searchsorted(measured_day, days, side="left")
        on_day = (nxt < len(measured_day)) & (
            measured_day[np.minimum(nxt, len(measured_day) - 1)] == days
        )
        prev = np.where(on_day, nxt, nxt - 1)
        has_prev = prev >= 0
        has_next = nxt < len(measured_day)
        a = measured_day[np.clip(prev, 0, len(measured_day) - 1)]
        b = measured_day[np.clip(nxt, 0, len(measured_day) - 1)]
        bridged = (
            ~on_day & has_prev & has_next & (days - a <= MAX_GAP_DAYS) & (b - days <= MAX_GAP_DAYS)
        )
        temp[on_day] = measured_c[nxt[on_day]]
        source[on_day] = MEASURED
        confidence[on_day] = 1.0
        if bridged.any():
            ta = measured_c[prev[bridged]]
            tb = measured_c[nxt[bridged]]
            span = (b - a)[bridged]
            temp[bridged] = ta + (tb - ta) * (days[bridged] - a[bridged]) / span
            source[bridged] = INTERPOLATED
            confidence[bridged] = interpolation_confidence(span.astype(np.float64))

    open_days = source == MISSING
    planned = open_days & ~np.isnan(profile_c)
    temp[planned] = profile_c[planned]
    source[planned] = PROFILE
    confidence[planned] = 0.5

    open_days &= ~planned
    if open_days.any() and len(measured_day):
        temp[open_days] = measured_c.mean()
        source[open_days] = CONTAINER_MEAN
        confidence[open_days] = 0.3
    return temp, source, confidence
