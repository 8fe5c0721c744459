"""Water temperature of a container on each day, from readings, gaps and the plan.

The first that exists wins (see docs/engine.md): the mean of the day's valid readings;
a linear interpolation between measured days at most ``INTERPOLATION_REACH_DAYS`` away on
each side; the scenario's temperature profile; the container's mean measured temperature.

This module owns the profile's interpolation (the engine and the projections read the
plan through :func:`profile_temperature`) and the interpolation's reach (the loader reads
readings that far beyond a batch's stays, the triggers recompute that far around a new
reading). Which readings are valid is the farm's rule (``farm.models.environment``):
the farm's per-day table holds only valid readings' means and counts the others.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from aquagrowth.engine.core.inputs import FloatArray, IntArray
from aquagrowth.engine.core.outputs import TEMP_SOURCES

INTERPOLATION_REACH_DAYS = 7
"""A day without readings takes a value interpolated between the nearest measured days
when both lie at most this many days away (days)."""

MEASURED, INTERPOLATED, PROFILE, CONTAINER_MEAN, MISSING = (
    TEMP_SOURCES.index(s)
    for s in ("measured", "interpolated", "profile", "container_mean", "missing")
)


def profile_temperature(
    day_number: IntArray, profile_day_number: IntArray, profile_temp_c: FloatArray
) -> FloatArray:
    """Planned temperature (degC) on each day number, linear between profile days.

    Parameters
    ----------
    day_number : day numbers (1 = the batch's first day)
    profile_day_number : day numbers of the profile's points, in any order
    profile_temp_c : planned temperature (degC) at those points

    Returns
    -------
    Temperature (degC) per day number: a profile day gives its own value exactly, days
    between two profile days lie on the line between them, days before the first and
    after the last take that day's value. NaN everywhere when the profile is empty.
    """
    days = np.asarray(day_number)
    if len(profile_day_number) == 0:
        return np.full(days.shape, np.nan)
    profile_days = np.asarray(profile_day_number)
    order = np.argsort(profile_days, kind="stable")
    return np.interp(days, profile_days[order], np.asarray(profile_temp_c)[order])


def interpolation_confidence(gap_days: FloatArray) -> FloatArray:
    """Confidence of a value interpolated across a gap between measured days ``gap_days`` apart."""
    return np.maximum(0.4, 0.9 - gap_days / 30.0)


class RowTemperature(NamedTuple):
    """Per row: temperature (degC), its source (index into ``TEMP_SOURCES``), confidence."""

    temp_c: FloatArray
    source: IntArray
    confidence: FloatArray


def row_temperature(
    row_container: IntArray,
    row_day: IntArray,
    measured_container: IntArray,
    measured_day: IntArray,
    measured_c: FloatArray,
    profile_c: FloatArray,
) -> RowTemperature:
    """Temperature of each row's container on the row's day, for a whole batch at once.

    Parameters
    ----------
    row_container, row_day : the rows' container positions and batch days
    measured_container, measured_day : the (container, day) pairs with a mean of valid
        readings, each pair once; days may lie outside the batch's days
    measured_c : those daily means (degC)
    profile_c : the scenario's planned temperature per batch day (degC), NaN where none

    Returns
    -------
    temp_c, source code (index into ``TEMP_SOURCES``), confidence; per row.
    """
    n = len(row_day)
    rows = RowTemperature(np.full(n, np.nan), np.full(n, MISSING, dtype=np.int64), np.zeros(n))
    if len(measured_day):
        _measured_or_interpolated(
            rows, row_container, row_day, measured_container, measured_day, measured_c
        )
    open_rows = rows.source == MISSING
    planned = open_rows & ~np.isnan(profile_c[row_day])
    rows.temp_c[planned] = profile_c[row_day[planned]]
    rows.source[planned] = PROFILE
    rows.confidence[planned] = 0.5

    open_rows &= ~planned
    if open_rows.any() and len(measured_day):
        size = int(max(measured_container.max(), row_container.max())) + 1
        days = np.bincount(measured_container, minlength=size)
        total = np.bincount(measured_container, weights=measured_c, minlength=size)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / days
        known = open_rows & (days[row_container] > 0)
        rows.temp_c[known] = mean[row_container[known]]
        rows.source[known] = CONTAINER_MEAN
        rows.confidence[known] = 0.3
    return rows


def _measured_or_interpolated(
    rows: RowTemperature,
    row_container: IntArray,
    row_day: IntArray,
    measured_container: IntArray,
    measured_day: IntArray,
    measured_c: FloatArray,
) -> None:
    """Fill the rows whose day was measured, or lies between measured days of its
    container at most ``INTERPOLATION_REACH_DAYS`` away on each side.

    All containers are looked up in one sorted key space (container, day), so the cost
    does not grow with the number of containers a batch passes through.
    """
    n = len(row_day)
    low = min(int(measured_day.min()), int(row_day.min()) if n else 0)
    span = max(int(measured_day.max()), int(row_day.max()) if n else 0) - low + 1
    keys = measured_container * span + (measured_day - low)
    order = np.argsort(keys, kind="stable")
    keys, m_cont, m_day, m_c = (
        keys[order],
        measured_container[order],
        measured_day[order],
        measured_c[order],
    )
    last = len(keys) - 1
    nxt = np.searchsorted(keys, row_container * span + (row_day - low), side="left")
    at = np.minimum(nxt, last)
    has_next = (nxt <= last) & (m_cont[at] == row_container)
    on_day = has_next & (m_day[at] == row_day)
    prev = np.where(on_day, nxt, nxt - 1)
    before = np.maximum(prev, 0)
    has_prev = (prev >= 0) & (m_cont[before] == row_container)
    a, b = m_day[before], m_day[at]
    bridged = (
        ~on_day
        & has_prev
        & has_next
        & (row_day - a <= INTERPOLATION_REACH_DAYS)
        & (b - row_day <= INTERPOLATION_REACH_DAYS)
    )
    rows.temp_c[on_day] = m_c[at[on_day]]
    rows.source[on_day] = MEASURED
    rows.confidence[on_day] = 1.0
    if bridged.any():
        ta, tb = m_c[before[bridged]], m_c[at[bridged]]
        gap = (b - a)[bridged]
        rows.temp_c[bridged] = ta + (tb - ta) * (row_day[bridged] - a[bridged]) / gap
        rows.source[bridged] = INTERPOLATED
        rows.confidence[bridged] = interpolation_confidence(gap.astype(np.float64))
