"""Daily and weekly series of a batch (or one container) from its daily state rows.

Each fish is in exactly one assignment at a day's end, so the batch on a day is the sum
over that day's rows: on a transfer day the source's row already lost the fish the
destination's row gained. Weight is then total biomass / total population, never a mean
of container means. A week is a real aggregate of its days (see ``weekly``), never a
sample of every seventh row.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from aquagrowth.analysis.state_rows import StateRows
from aquagrowth.engine.core.feed import MIN_RECORDED_DAYS, trailing_fcr
from aquagrowth.engine.core.outputs import ESTIMATED, ESTIMATED_METRICS
from aquagrowth.engine.core.smoother import Z90

Series = dict[str, np.ndarray]


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is not positive."""
    ok = denominator > 0
    return np.where(ok, numerator / np.where(ok, denominator, 1.0), np.nan)


def _weighted_mean(index: np.ndarray, size: int, values: np.ndarray, weights: np.ndarray):
    """Weighted mean of ``values`` per group, plain mean where the weights sum to 0."""
    known = np.isfinite(values)
    clean = np.where(known, values, 0.0)
    w = np.where(known, weights, 0.0)
    weighted = _ratio(np.bincount(index, clean * w, size), np.bincount(index, w, size))
    plain = _ratio(np.bincount(index, clean, size), np.bincount(index, known * 1.0, size))
    return np.where(np.isfinite(weighted), weighted, plain)


def _dominant(index: np.ndarray, size: int, labels: np.ndarray, weights: np.ndarray):
    """Per group, the label of the row with the largest weight (population)."""
    out = np.full(size, "", dtype=object)
    order = np.lexsort((weights, index))
    # After sorting by (group, weight) the last write of each group is its largest row.
    out[index[order]] = labels[order]
    return out


def _feed(series: Series, rows: StateRows, index: np.ndarray, size: int) -> None:
    """The day's feed from the rows with feed known (recorded, or not fed yet), null where
    every fed row's feed is unknown; and what the FCR may use: the feed and growth of the
    rows with feed records, and the share of the day's fed rows that have them."""
    recorded = rows["feed_source"] == "recorded"
    fed = recorded | (rows["feed_source"] == "unknown")
    known = ~np.isnan(rows["feed_kg"])
    feed = np.bincount(index, np.where(known, rows["feed_kg"], 0.0), size)
    known_rows = np.bincount(index, known * 1.0, size)
    series["feed_kg"] = np.where(known_rows > 0, feed, np.nan)
    series["recorded_rows"] = np.bincount(index, recorded * 1.0, size)
    series["feed_coverage"] = _ratio(series["recorded_rows"], np.bincount(index, fed * 1.0, size))
    series["recorded_feed_kg"] = np.bincount(index, np.where(recorded, rows["feed_kg"], 0.0), size)
    series["recorded_growth_kg"] = np.bincount(
        index, np.where(recorded, np.nan_to_num(rows["growth_kg"]), 0.0), size
    )


ESTIMATED_SHARES = {metric: f"estimated_{metric}" for metric in ESTIMATED_METRICS}
"""Metric -> the column with the share of a day's fish whose metric rests on no record."""


def _estimated(series: Series, rows: StateRows, index: np.ndarray, size: int) -> None:
    """Per metric, the share (0 to 1) of the day's fish whose value rests on no record of
    that day (the engine's ``estimated``): a batch day is partly estimated as soon as one
    of its pens is past its records, and says how much."""
    names, code_of_row = np.unique(rows["estimated"].astype(str), return_inverse=True)
    codes = np.array([ESTIMATED.index(name) for name in names], dtype=np.int64)[code_of_row]
    for bit, metric in enumerate(ESTIMATED_METRICS):
        flagged = ((codes >> bit) & 1).astype(np.float64)
        series[ESTIMATED_SHARES[metric]] = _weighted_mean(index, size, flagged, rows["population"])


def daily(rows: StateRows, start_date: dt.date) -> Series:
    """One value per day present: containers summed, weight population-weighted.

    Parameters
    ----------
    rows : daily state rows (any number of assignments), ordered by day
    start_date : the batch's first day (day number 1)

    Returns
    -------
    Columns ``day_number``, ``population`` (fish), ``biomass_kg``, ``avg_weight_g``
    (biomass * 1000 / population), ``feed_kg`` (null where unknown), ``feed_coverage``
    (share of the day's fed rows with feed records), ``growth_kg``, ``mortality_count``,
    ``temp_c`` and ``tgc`` (population-weighted), ``fcr`` (feed / growth of the rows with
    feed records, summed over the trailing 7 days), ``weight_confidence`` and
    ``temp_confidence`` (population-weighted),
    ``anchor_type``, ``weight_source``, ``temp_source`` and ``population_source`` (of the
    day's largest group), ``estimated_<metric>`` (share of the day's fish whose metric
    rests on no record, see ``_estimated``), ``containers`` (rows of the day), and the
    90 % bands ``weight_low_g``, ``weight_high_g``, ``biomass_low_kg``, ``biomass_high_kg``
    (:func:`_bands`).
    """
    days, index = np.unique(rows["day_number"], return_inverse=True)
    size = days.shape[0]
    population = rows["population"]
    series: Series = {"day_number": days}
    series["population"] = np.bincount(index, population, size)
    series["biomass_kg"] = np.bincount(index, rows["biomass_kg"], size)
    series["avg_weight_g"] = _ratio(series["biomass_kg"] * 1000.0, series["population"])
    for name in ("growth_kg", "mortality_count"):
        series[name] = np.bincount(index, np.nan_to_num(rows[name]), size)
    _feed(series, rows, index, size)
    for name in ("temp_c", "tgc", "weight_confidence", "temp_confidence"):
        series[name] = _weighted_mean(index, size, rows[name], population)
    # Over calendar days (a day without rows adds nothing), only the feed and growth of
    # rows with feed records; any positive growth counts.
    series["fcr"] = trailing_fcr(
        series["recorded_feed_kg"],
        series["recorded_growth_kg"],
        day=days,
        growth_above_kg=0.0,
        recorded=series["recorded_rows"] > 0,
        min_recorded=MIN_RECORDED_DAYS,
    )
    anchored = rows["anchor_type"] != "none"
    series["anchor_type"] = np.full(size, "none", dtype=object)
    series["anchor_type"][index[anchored]] = rows["anchor_type"][anchored]
    for name in ("weight_source", "temp_source", "population_source"):
        series[name] = _dominant(index, size, rows[name], population)
    _estimated(series, rows, index, size)
    series["containers"] = np.bincount(index, minlength=size).astype(np.float64)
    series["date"] = day_dates(days, start_date)
    _bands(series, rows, index, size)
    return series


BAND_COLUMNS = ("weight_low_g", "weight_high_g", "biomass_low_kg", "biomass_high_kg")


def _bands(series: Series, rows: StateRows, index: np.ndarray, size: int) -> None:
    """The day's 90 % bands from its rows' (docs/engine.md, the smoother).

    One row: its own band. Several containers: each row's band read as mean +- Z90 sd,
    the pens' errors taken as independent (fish split from one source share its error,
    so the band of their sum is then somewhat narrow): the biomass's variances add, the
    weight's weigh by the fish, ``var(W) = sum((N_i / N)^2 var(W_i))``. Null on a day any
    of whose rows has no band (the anchored model).
    """
    if "weight_low_g" not in rows.columns:
        return
    missing = np.bincount(index, np.isnan(rows["weight_low_g"]) * 1.0, size) > 0
    single = np.bincount(index, minlength=size) == 1
    fish = series["population"]
    sd_w = (rows["weight_high_g"] - rows["weight_low_g"]) / (2 * Z90)
    sd_b = (rows["biomass_high_kg"] - rows["biomass_low_kg"]) / (2 * Z90)
    share = rows["population"] / np.where(fish > 0, fish, 1.0)[index]
    sd_weight = np.sqrt(np.bincount(index, np.nan_to_num((share * sd_w) ** 2), size))
    sd_biomass = np.sqrt(np.bincount(index, np.nan_to_num(sd_b**2), size))
    pooled = {
        "weight_low_g": np.maximum(series["avg_weight_g"] - Z90 * sd_weight, 0.0),
        "weight_high_g": series["avg_weight_g"] + Z90 * sd_weight,
        "biomass_low_kg": np.maximum(series["biomass_kg"] - Z90 * sd_biomass, 0.0),
        "biomass_high_kg": series["biomass_kg"] + Z90 * sd_biomass,
    }
    for name in BAND_COLUMNS:
        own = np.full(size, np.nan)
        own[index] = rows[name]  # one row a day: its own value
        series[name] = np.where(missing, np.nan, np.where(single, own, pooled[name]))


def weekly(day: Series) -> Series:
    """One value per ISO week (Monday to Sunday) from a daily series.

    Population, biomass and the states' columns are those of the week's last day present;
    weight = that day's biomass * 1000 / population; feed, growth and mortality are summed
    over the week's days; FCR = feed sum / growth sum; temperature and confidences are
    means of the days, and so are the estimated shares; the anchor is that of any
    anchored day of the week.
    """
    days = day["day_number"]
    if days.size == 0:
        return {**{name: values[:0] for name, values in day.items()}, "week": np.empty(0)}
    weeks, index = np.unique(_monday(day["date"]), return_inverse=True)
    size = weeks.shape[0]
    last_row = np.zeros(size, dtype=np.int64)
    last_row[index] = np.arange(days.size)  # rows are in day order: the last write wins
    week: Series = {}
    for name in (
        "day_number",
        "date",
        "population",
        "biomass_kg",
        "weight_source",
        "population_source",
        "tgc",
    ):
        week[name] = day[name][last_row]
    for name in BAND_COLUMNS:
        if name in day:
            week[name] = day[name][last_row]
    week["avg_weight_g"] = _ratio(week["biomass_kg"] * 1000.0, week["population"])
    for name in ("growth_kg", "mortality_count", "recorded_feed_kg", "recorded_growth_kg"):
        week[name] = np.bincount(index, day[name], size)
    known = ~np.isnan(day["feed_kg"])
    week["feed_kg"] = np.where(
        np.bincount(index, known * 1.0, size) > 0,
        np.bincount(index, np.where(known, day["feed_kg"], 0.0), size),
        np.nan,
    )
    week["feed_coverage"] = _mean_of_known(day["feed_coverage"], index, size)
    feed_fcr = _ratio(week["recorded_feed_kg"], week["recorded_growth_kg"])
    week["fcr"] = np.where(week["recorded_feed_kg"] > 0, feed_fcr, np.nan)
    count = np.bincount(index, minlength=size).astype(np.float64)
    for name in ("temp_c", "weight_confidence", "temp_confidence", *ESTIMATED_SHARES.values()):
        week[name] = _mean_of_known(day[name], index, size)
    week["temp_source"] = day["temp_source"][last_row]
    anchored = day["anchor_type"] != "none"
    week["anchor_type"] = np.full(size, "none", dtype=object)
    week["anchor_type"][index[anchored]] = day["anchor_type"][anchored]
    week["containers"] = day["containers"][last_row]
    week["days"] = count
    thursday = (weeks + 3).astype("datetime64[D]").astype(object)
    week["week"] = np.array(
        [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in thursday], dtype=object
    )
    return week


def _mean_of_known(values: np.ndarray, index: np.ndarray, size: int) -> np.ndarray:
    """The mean per group of the values that are known (NaN where none is)."""
    known = np.isfinite(values)
    total = np.bincount(index, np.where(known, values, 0.0), size)
    return _ratio(total, np.bincount(index, known * 1.0, size))


def day_dates(day_number: np.ndarray, start_date: dt.date) -> np.ndarray:
    """Dates (datetime64[D]) of day numbers counted from ``start_date`` (day 1)."""
    return np.datetime64(start_date, "D") + (np.asarray(day_number, dtype=np.int64) - 1)


def weekly_points(dates: np.ndarray, shown: np.ndarray) -> np.ndarray:
    """Indices of one date per ISO week in an ascending array of datetime64[D].

    A week that has a date in ``shown`` (the weekly actual series) takes that date, so
    plan and actual are compared on the same day; any other week takes its last date.
    """
    if dates.size == 0:
        return np.empty(0, dtype=np.int64)
    monday = _monday(dates)
    is_last = np.append(monday[1:] != monday[:-1], True)
    shown_days = shown.astype("datetime64[D]")
    matched = np.isin(dates.astype("datetime64[D]"), shown_days)
    covered = np.isin(monday, _monday(shown_days))
    return np.flatnonzero(matched | (is_last & ~covered))


def _monday(dates: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of the Monday of each date's ISO week (1970-01-01: a Thursday)."""
    epoch_days = dates.astype("datetime64[D]").astype(np.int64)
    return epoch_days - (epoch_days + 3) % 7
