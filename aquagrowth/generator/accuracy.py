"""The engine's error against the generator's ground truth, per stage and overall.

The engine estimates each assignment's population and mean weight at the END of each
day; the generator knows them (:class:`~aquagrowth.generator.models.TrueDailyState`).
The error of an estimate is relative, in percent, ``|estimate / truth - 1| * 100``, for
the weight, the population and the biomass (their product). A day counts where the
engine knows the weight and the truth has fish: an empty container has no relative
error. Each quantity is summarised by its median and 95th percentile.

The truth is read here, through its own model, so that the engine reads none of the
generator's tables (``engine/verify.py`` passes its estimates in).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from aquagrowth.generator.models import TrueDailyState

_DAY_SPAN = 1 << 32
"""Keys ``assignment id * _DAY_SPAN + day`` are unique for any day within 2**31 days of
1970-01-01: one integer per (assignment, date) to sort and search."""

_UNIX_ORDINAL = dt.date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class Estimates:
    """The engine's daily states to score, one row per assignment and day (end of day).

    ``stage`` is the stage's name and ``stage_order`` its place in the life cycle;
    ``weight_g`` is the mean weight (g), NaN where the engine does not know it;
    ``population`` the fish present.
    """

    assignment_id: np.ndarray
    date: np.ndarray
    stage: np.ndarray
    stage_order: np.ndarray
    weight_g: np.ndarray
    population: np.ndarray
    weight_low_g: np.ndarray | None = None
    """The lower end of the weight's 90 % band (g), NaN or None where none is stated."""
    weight_high_g: np.ndarray | None = None


@dataclass
class StageAccuracy:
    """The error (%) of the rows of one stage (or ``all``): median and 95th percentile."""

    stage: str
    rows: int
    weight_median_pct: float
    weight_p95_pct: float
    population_median_pct: float
    population_p95_pct: float
    biomass_median_pct: float
    biomass_p95_pct: float
    weight_band90_coverage_pct: float | None = None
    """Share (%) of the rows with a stated band whose true weight lies inside it; None
    without a band."""


@dataclass(frozen=True)
class Accuracy:
    """Per stage in life-cycle order, and over all rows; ``overall`` is None (and
    ``stages`` empty) when no estimate met its truth."""

    stages: list[StageAccuracy]
    overall: StageAccuracy | None


def has_truth() -> bool:
    """Whether the database holds any ground truth (a farm built with ``--no-truth`` or
    recorded on a real farm has none)."""
    return TrueDailyState.objects.exists()


def score(estimates: Estimates, truth: tuple[np.ndarray, np.ndarray] | None = None) -> Accuracy:
    """The error of ``estimates`` against the truth of their assignments.

    Reads the truth of the estimates' assignments in one query (their ids its
    parameters) and matches it to the estimates by (assignment, date); ``truth``, when
    given, is what :func:`truth_on_the_days_of` returned for estimates of the same rows
    (two rule sets scored against one reading of a million truth rows).

    Returns
    -------
    Accuracy
        Median and 95th percentile of the relative error (%) of weight, population and
        biomass, per stage and over all rows that count (estimated weight known, true
        population above zero).
    """
    true_n, true_w = truth_on_the_days_of(estimates) if truth is None else truth
    counts = ~np.isnan(estimates.weight_g) & (true_n > 0)  # NaN: no truth that day
    if not counts.any():
        return Accuracy(stages=[], overall=None)
    est_w = estimates.weight_g[counts].astype(np.float64)
    est_n = estimates.population[counts].astype(np.float64)
    true_w, true_n = true_w[counts], true_n[counts]
    errors = (
        np.abs(est_w / true_w - 1) * 100,
        np.abs(est_n / true_n - 1) * 100,
        np.abs(est_w * est_n / (true_w * true_n) - 1) * 100,
    )
    stage, order = estimates.stage[counts], estimates.stage_order[counts]
    names = sorted(set(stage.tolist()), key=lambda n: order[stage == n][0])
    inside = np.full(stage.size, np.nan)  # 1 inside the band, 0 outside, NaN no band
    if estimates.weight_low_g is not None and estimates.weight_high_g is not None:
        low, high = estimates.weight_low_g[counts], estimates.weight_high_g[counts]
        banded = ~np.isnan(low) & ~np.isnan(high)
        inside[banded] = (low[banded] <= true_w[banded]) & (true_w[banded] <= high[banded])
    return Accuracy(
        stages=[_summary(name, errors, stage == name, inside) for name in names],
        overall=_summary("all", errors, np.ones(stage.size, dtype=bool), inside),
    )


def _summary(
    name: str,
    errors: tuple[np.ndarray, np.ndarray, np.ndarray],
    rows: np.ndarray,
    inside: np.ndarray | None = None,
) -> StageAccuracy:
    """Median and 95th percentile of the ``rows`` of each error (%): weight, population,
    biomass; and the band's coverage where ``inside`` (1, 0, NaN: no band) says."""
    weight, population, biomass = (e[rows] for e in errors)
    coverage = None
    if inside is not None:
        banded = inside[rows][~np.isnan(inside[rows])]
        coverage = float(100.0 * banded.mean()) if banded.size else None
    return StageAccuracy(
        stage=name,
        rows=int(rows.sum()),
        weight_median_pct=float(np.percentile(weight, 50)),
        weight_p95_pct=float(np.percentile(weight, 95)),
        population_median_pct=float(np.percentile(population, 50)),
        population_p95_pct=float(np.percentile(population, 95)),
        biomass_median_pct=float(np.percentile(biomass, 50)),
        biomass_p95_pct=float(np.percentile(biomass, 95)),
        weight_band90_coverage_pct=coverage,
    )


def truth_on_the_days_of(estimates: Estimates) -> tuple[np.ndarray, np.ndarray]:
    """True population (fish) and mean weight (g) at the end of each estimate's day,
    NaN where the truth has no such day."""
    assignments = np.unique(estimates.assignment_id).tolist()
    rows = list(
        TrueDailyState.objects.filter(assignment_id__in=assignments).values_list(
            "assignment_id", "date", "population", "avg_weight_g"
        )
    )
    n = estimates.assignment_id.size
    population, weight_g = np.full(n, np.nan), np.full(n, np.nan)
    if not rows:
        return population, weight_g
    assignment_id, date, true_n, true_w = zip(*rows, strict=True)
    true_key = _keys(np.asarray(assignment_id, np.int64), as_days(date))
    order = np.argsort(true_key)
    sorted_key = true_key[order]
    key = _keys(estimates.assignment_id, estimates.date)
    at = np.minimum(np.searchsorted(sorted_key, key), sorted_key.size - 1)
    found = sorted_key[at] == key
    population[found] = np.asarray(true_n, np.float64)[order[at[found]]]
    weight_g[found] = np.asarray(true_w, np.float64)[order[at[found]]]
    return population, weight_g


def _keys(assignment_id: np.ndarray, date: np.ndarray) -> np.ndarray:
    """One integer per (assignment, date)."""
    days = np.asarray(date, "datetime64[D]").astype(np.int64)
    return np.asarray(assignment_id, np.int64) * _DAY_SPAN + days


def as_days(dates: Iterable[dt.date]) -> np.ndarray:
    """``datetime.date`` values as a datetime64[D] array.

    Through each date's ordinal: numpy's own conversion of date objects takes some
    thirty times longer, which a farm's million truth rows would feel.
    """
    ordinal = np.fromiter(map(dt.date.toordinal, dates), dtype=np.int64)
    return (ordinal - _UNIX_ORDINAL).astype("datetime64[D]")
