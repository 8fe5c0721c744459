"""What a real farm records of a batch's true life: counts with a counter's error, late
and missing records, records that stop before as-of (numpy only).

The truth (``simulate``) knows every fish; the farm records:

- **stocking**: each egg tray's count, ``true x (1 + N(0, stocking_count_sd))``;
- **transfers**: the counter's number, ``true x (1 + N(0, counter_sd))``; harvests exactly
  the fish harvested (the slaughterhouse counts every fish);
- **treatments**: a ``treatment`` population count of the ring at the end of the day,
  with the counter's error;
- **mortality**: one record per stay and day with deaths, but a ``late_mortality_share``
  of them is entered ``late_mortality_days`` later, together with the dead fish of the
  days up to then: the days in between have no record, and the later record carries
  them all (cause: that of its last day with deaths);
- **feeding**: every meal, except on ``unrecorded_feed_days`` of the fed days (drawn per
  container), when the fish ate and nothing was recorded;
- **growth samples**: weekly in freshwater, every ``sea_sample_every_days`` at sea (a
  subset of the weekly samples: the fish weighed are the same draws);
- **records end**: each batch's daily records (feeding, mortality, samples, treatment
  counts, the sensor readings of its containers) end ``records_end_days`` before as-of;
  a mortality record due after that day is not in yet. The batch's movements (stays,
  transfers, harvests) are recorded through as-of: they are operations the farm
  registers as it does them.

Each kind of draw has its own stream ``(seed, batch index, RECORDS_STREAM, purpose)``;
with the perfect records' settings nothing is drawn and the records are the truth's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from aquagrowth.generator.events import Feedings, Readings, Samples
from aquagrowth.generator.simulate import ADULT, BatchTruth

RECORDS_STREAM = 7006
STOCKING, COUNTER, TREATMENT, LATE, FEED_GAPS, RECORDS_END = range(6)
"""The purposes of the records' random streams."""


@dataclass(frozen=True)
class Mortality:
    """Mortality records: the truth's row of the record's day, fish, cause (index into
    ``simulate.CAUSES``)."""

    row: np.ndarray
    count: np.ndarray
    cause: np.ndarray


@dataclass(frozen=True)
class Counts:
    """Population counts at the end of a day: the truth's row counted and the fish the
    counter gave."""

    row: np.ndarray
    count: np.ndarray


@dataclass(frozen=True)
class Records:
    """Everything the farm recorded of one batch, and the truth's feed.

    ``stocked``: per assignment the recorded opening count (0 for stays filled by
    transfers); ``transferred``: per transfer the counted fish; ``end_day``: the last
    batch day with daily records; ``true_feed_kg``: per truth row the feed the fish
    ate that day, recorded or not.
    """

    stocked: np.ndarray
    transferred: np.ndarray
    mortality: Mortality
    feedings: Feedings
    samples: Samples
    readings: Readings
    counts: Counts
    end_day: int
    true_feed_kg: np.ndarray


def farm_records(
    truth: BatchTruth,
    observed: tuple[Feedings, Samples, Readings],
    as_of_day: int,
    settings: dict[str, Any],
    stream: tuple[int, int],
) -> Records:
    """What the farm recorded of ``truth`` (``settings["records"]`` says how imperfectly).

    Parameters
    ----------
    truth : the batch's true life up to as-of
    observed : the meals, weekly samples and sensor readings of the truth, as if
        every one were recorded (``events``)
    as_of_day : the as-of date in days from the batch start
    settings : the profile's settings, with the build's ``records``
    stream : ``(seed, batch index)`` of the records' random streams
    """
    records = settings["records"]

    def rng(purpose: int) -> np.random.Generator:
        return np.random.default_rng([*stream, RECORDS_STREAM, purpose])

    feedings, samples, readings = observed
    low, high = records["records_end_days"]
    end_day = as_of_day - (int(rng(RECORDS_END).integers(low, high + 1)) if high > 0 else 0)
    on_time = truth.r_day <= end_day
    samples = _sea_samples(truth, samples, int(records["sea_sample_every_days"]))
    return Records(
        stocked=_counted(truth.a_pop0, records["stocking_count_sd"], rng(STOCKING)),
        transferred=_counted(truth.t_count, records["counter_sd"], rng(COUNTER)),
        mortality=late_mortality(truth, end_day, records, rng(LATE)),
        feedings=_unrecorded_feed_days(truth, feedings, on_time, records, rng(FEED_GAPS)),
        samples=_kept(samples, on_time[samples.row]),
        readings=_kept(readings, on_time[readings.row]),
        counts=_treatment_counts(truth, on_time, records["counter_sd"], rng(TREATMENT)),
        end_day=end_day,
        true_feed_kg=np.bincount(feedings.row, feedings.amount_kg, minlength=truth.r_day.size),
    )


def _counted(true: np.ndarray, sd: float, rng: np.random.Generator) -> np.ndarray:
    """A counter's numbers for ``true`` fish: ``true x (1 + N(0, sd))``, whole, >= 0."""
    if sd <= 0:
        return true.copy()
    counted = np.round(true * (1.0 + rng.normal(0.0, sd, size=true.size)))
    return np.maximum(counted, 0).astype(np.int64)


def _kept(observations, keep: np.ndarray):
    """The observations (any of ``events``' dataclasses) whose ``keep`` is true."""
    if keep.all():
        return observations
    return replace(observations, **{k: v[keep] for k, v in vars(observations).items()})


def _sea_samples(truth: BatchTruth, samples: Samples, every: int) -> Samples:
    """The weekly samples, at sea only every ``every`` days of a stay."""
    stay_day = truth.r_day[samples.row] - truth.a_first[truth.r_assign[samples.row]]
    at_sea = truth.a_stage[truth.r_assign[samples.row]] == ADULT
    return _kept(samples, ~at_sea | (stay_day % every == every - 1))


def _unrecorded_feed_days(
    truth: BatchTruth,
    feedings: Feedings,
    on_time: np.ndarray,
    records: dict[str, Any],
    rng: np.random.Generator,
) -> Feedings:
    """The meals recorded: none on a container's unrecorded days (its share drawn from
    ``unrecorded_feed_days``) nor after the records' end."""
    recorded_day = on_time.copy()
    if max(records["unrecorded_feed_days"]) > 0:
        share = rng.uniform(*records["unrecorded_feed_days"], size=truth.a_stage.size)
        recorded_day &= rng.random(truth.r_day.size) >= share[truth.r_assign]
    return _kept(feedings, recorded_day[feedings.row])


def _treatment_counts(
    truth: BatchTruth, on_time: np.ndarray, sd: float, rng: np.random.Generator
) -> Counts:
    """The counter's number of each treated ring at the end of its treatment day."""
    first_row = np.searchsorted(truth.r_assign, np.arange(truth.a_stage.size))
    row = first_row[truth.tr_assign] + truth.tr_day - truth.a_first[truth.tr_assign]
    row = row[on_time[row]]
    return Counts(row=row, count=_counted(truth.r_pop[row], sd, rng))


def late_mortality(
    truth: BatchTruth, end_day: int, records: dict[str, Any], rng: np.random.Generator
) -> Mortality:
    """The mortality records: one per stay and day with deaths, some entered late.

    A late record's day ``d`` and the next ``n - 1`` days (``n`` from
    ``late_mortality_days``) have no record; their dead fish are entered on day
    ``d + n`` (with that day's own), or on the first day after it not held back by
    another late record. A record is late only when that entry day is inside the
    stay, so every dead fish of a departed stay is recorded; an entry after
    ``end_day`` is not in yet.
    """
    dead = np.flatnonzero(truth.r_mort > 0)
    n_rows = truth.r_day.size
    entry = dead
    share = float(records["late_mortality_share"])
    if share > 0 and dead.size:
        last_row = np.searchsorted(truth.r_assign, truth.r_assign[dead], side="right") - 1
        low, high = records["late_mortality_days"]
        delay = rng.integers(low, high + 1, size=dead.size)
        late = (rng.random(dead.size) < share) & (dead + delay <= last_row)
        edge = np.zeros(n_rows + 1, dtype=np.int64)
        np.add.at(edge, dead[late], 1)
        np.add.at(edge, dead[late] + delay[late], -1)
        held = np.cumsum(edge[:-1]) > 0
        # Each row's entry is the first row at or after it that is not held back.
        free = np.where(held, n_rows, np.arange(n_rows))
        entry = np.minimum.accumulate(free[::-1])[::-1][dead]
    rows, group = np.unique(entry, return_inverse=True)
    count = np.bincount(group, truth.r_mort[dead]).astype(np.int64)
    last_dead = np.zeros(rows.size, dtype=np.int64)
    np.maximum.at(last_dead, group, dead)
    kept = truth.r_day[rows] <= end_day
    return Mortality(row=rows[kept], count=count[kept], cause=truth.r_cause[last_dead[kept]])
