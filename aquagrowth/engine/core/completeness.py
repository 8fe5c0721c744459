"""What the records reach, and what each row rests on: feed states, the metrics estimated
past their records, confidences, and each stay's summary (docs/engine.md, "Feed",
"What the records reach").

A number computed from data that is missing is never shown as if it were recorded: a
day of a fed stretch without a feeding record has feed unknown (null, not 0 kg), and a
row says which of its metrics rest on no record of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aquagrowth.engine.core.inputs import BatchInputs, FloatArray, IntArray
from aquagrowth.engine.core.outputs import (
    ESTIMATED_METRICS,
    FEED_SOURCES,
    MORTALITY_SOURCES,
    NO_DAY,
    POPULATION_SOURCES,
    STAY_CLOSES,
    TEMP_SOURCES,
    StaySummaries,
)

FEED_RECORDED, FEED_NONE, FEED_UNKNOWN = (
    FEED_SOURCES.index(name) for name in ("recorded", "none", "unknown")
)
FEED_CONFIDENCE = np.array([1.0, 1.0, 0.0])
"""By feed source: recorded, none (not fed yet: 0 kg is known), unknown."""
MORTALITY_CONFIDENCE = np.array(
    [
        {"recorded": 1.0, "model": 0.4, "missing": 0.0, "recorded_late": 0.8}[name]
        for name in MORTALITY_SOURCES
    ]
)
"""By mortality source: a record's own day 1.0; a day a later record explains 0.8 (its
deaths are recorded, the day they died is not); the scenario's rate 0.4; nothing 0.0."""
POPULATION_ESTIMATED = POPULATION_SOURCES.index("estimated")
MEASURED_TEMPERATURE = TEMP_SOURCES.index("measured")
RECORDED_TEMPERATURE = np.array([name in ("measured", "interpolated") for name in TEMP_SOURCES])
CONFIDENCE_SPAN = 0.05
"""A population whose standard deviation reaches this share of it has confidence 0."""
OPEN = STAY_CLOSES.index("open")
_BIT = {name: 1 << bit for bit, name in enumerate(ESTIMATED_METRICS)}


@dataclass(frozen=True)
class FeedStates:
    """Per row: feed (kg, NaN where unknown), whether it was recorded, source, confidence."""

    feed_kg: FloatArray
    recorded: np.ndarray
    source: IntArray
    confidence: FloatArray


def feed_states(offset: IntArray, feed_kg: FloatArray, recorded: np.ndarray) -> FeedStates:
    """Each row's feed: recorded (0 kg a fasting day), none before its stay's first
    feeding record (0 kg), unknown after it without a record (NaN).

    ``offset`` gives each stay's first row (and one past the last row at the end).
    """
    n_rows = len(recorded)
    stay = np.repeat(np.arange(len(offset) - 1), np.diff(offset))
    first_record = np.full(len(offset) - 1, n_rows, dtype=np.int64)
    np.minimum.at(first_record, stay[recorded], np.flatnonzero(recorded))
    fed_stretch = np.arange(n_rows) >= first_record[stay]
    source = np.where(recorded, FEED_RECORDED, np.where(fed_stretch, FEED_UNKNOWN, FEED_NONE))
    feed = np.where(source == FEED_UNKNOWN, np.nan, np.where(recorded, feed_kg, 0.0))
    return FeedStates(feed, recorded, source, FEED_CONFIDENCE[source])


def feed_as_before(feed_kg: FloatArray, recorded: np.ndarray) -> FeedStates:
    """The book-only rules' feed (before feed could be unknown): a day without a record
    is 0 kg, source none, confidence 0.5; every day counts in the FCR."""
    source = np.where(recorded, FEED_RECORDED, FEED_NONE)
    confidence = np.where(recorded, 1.0, 0.5)
    return FeedStates(
        np.asarray(feed_kg, dtype=np.float64), np.ones(len(recorded), bool), source, confidence
    )


@dataclass(frozen=True)
class Through:
    """Per assignment position, the last batch day with a record of each stream
    (``NO_DAY``: none)."""

    feed: IntArray
    mortality: IntArray
    samples: IntArray
    temperature: IntArray


def through(inputs: BatchInputs, rows, events, temp_source: IntArray) -> Through:
    """The last day of each stream per stay, from the rows that carry its records (a
    temperature is recorded on the days whose source is a measured daily mean)."""
    n = inputs.n_assignments

    def last_day(has: np.ndarray) -> IntArray:
        days = np.full(n, NO_DAY, dtype=np.int64)
        np.maximum.at(days, rows.assignment[has], rows.day[has])
        return days

    return Through(
        feed=last_day(events.feed_events > 0),
        mortality=last_day(events.recorded_deaths >= 0),
        samples=last_day((events.sample_fish > 0) | (events.weighing_fish > 0)),
        temperature=last_day(temp_source == MEASURED_TEMPERATURE),
    )


def estimated(
    rows, population_source: IntArray, feed_source: IntArray, temp_source: IntArray, known: Through
) -> IntArray:
    """Each row's code of the metrics that rest on no record of their own that day."""
    samples = known.samples[rows.assignment]
    code = np.where(population_source == POPULATION_ESTIMATED, _BIT["population"], 0)
    code |= np.where((samples == NO_DAY) | (rows.day > samples), _BIT["weight"], 0)
    code |= np.where(feed_source == FEED_UNKNOWN, _BIT["feed"], 0)
    code |= np.where(~RECORDED_TEMPERATURE[temp_source], _BIT["temperature"], 0)
    return code.astype(np.int64)


def population_confidence(population: IntArray, variance: FloatArray) -> FloatArray:
    """``1 - min(1, sd / (CONFIDENCE_SPAN x population))``: 1.0 for an exact count, 0.8 at
    a standard deviation of 1 %, 0 at 5 % or more (an empty pen: 1 when exact, else 0)."""
    sd = np.sqrt(np.maximum(variance, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = sd / (CONFIDENCE_SPAN * population)
    relative = np.where(population > 0, relative, np.where(sd > 0, 1.0, 0.0))
    return 1.0 - np.minimum(1.0, relative)


def summaries(inputs: BatchInputs, rows, walked, known: Through) -> StaySummaries:
    """Each stay's summary: what its records reach and how its population closed."""
    n = inputs.n_assignments
    stocked = np.zeros(n, dtype=np.int64)
    closed_by = np.zeros(n, dtype=np.int64)
    measured = np.full(n, NO_DAY, dtype=np.int64)
    for a, stay in walked.stays.items():
        stocked[a] = stay.stocked
        closed_by[a] = stay.closed_by
        if stay.closed_day >= 0:
            measured[a] = int(rows.first_day[a]) + stay.closed_day
    closed_day = np.where(closed_by == OPEN, NO_DAY, measured)
    fish_days = np.bincount(rows.assignment, walked.population, minlength=n)
    unexplained = np.bincount(rows.assignment, walked.unexplained, minlength=n)
    tgc = tgc_var = root_tgc_cov = None
    if walked.chains:
        tgc, tgc_var, root_tgc_cov = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
        for a, chain in walked.chains.items():
            last = chain.smoothed[-1]  # no later record: the filter's state too
            if last.known:
                tgc[a], tgc_var[a], root_tgc_cov[a] = last.g, last.pgg, last.pug
    return StaySummaries(
        feed_through=known.feed,
        mortality_through=known.mortality,
        samples_through=known.samples,
        temperature_through=known.temperature,
        counts_through=measured,
        stocked_fish=stocked,
        fish_days=fish_days.astype(np.float64),
        unexplained_fish=np.rint(unexplained).astype(np.int64),
        closed_by=closed_by,
        closed_day=closed_day,
        tgc_end=tgc,
        tgc_var_end=tgc_var,
        root_tgc_cov_end=root_tgc_cov,
    )
