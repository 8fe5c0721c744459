"""What a real farm loses without seeing it, and what its delousing does (numpy only).

The truth of a stay (``simulate``) adds to its recorded deaths:

- **non-registered losses**: fish that leave the population without any record
  (predation, escapes, dead fish that decompose or are miscounted). At sea they are
  1.3-2.3 % of a generation (national survey of salmon put to sea in 2010-2011, see
  ``../shared/spec/REAL_FARM.md``); each container draws its share of its opening fish
  from ``sea_hidden_loss`` (``fresh_hidden_loss`` in freshwater, our assumption) and
  loses it as a constant daily hazard over its planned days (Poisson, whole fish);
- **unreported events**: now and then a container loses ``event_loss`` of its opening
  fish over ``event_days`` days (a hole in a net, a bird colony), also unrecorded;
- **delousing treatments** at sea: ``treatments_per_sea_cycle`` rounds in which every
  fish of a ring passes a pump with a counter, one ring a day; a treatment kills a
  ``treatment_mortality`` share of the ring's fish that day (recorded deaths).

Hidden losses come after the day's deaths and never take more fish than the container
keeps at the end of its stay, so no population goes below 0. With the perfect records'
settings (all 0) nothing is drawn and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

TREATMENT_FIRST_DAY = 30
"""Days at sea before the first treatment round: lice settle and grow for weeks first."""
TREATMENT_LAST_MARGIN_DAYS = 14
"""No treatment in the last days before a ring's harvest (withdrawal and stress)."""


@dataclass(frozen=True)
class StayLosses:
    """Per container (rows) and day of a stay (columns): deaths (fish, the recorded
    mortality with the treatments' added), non-registered losses (fish), and whether the
    container was treated and counted that day."""

    deaths: np.ndarray
    hidden: np.ndarray
    treated: np.ndarray


def stay_losses(
    at_sea: bool,
    p_open: np.ndarray,
    planned_days: np.ndarray,
    lived: np.ndarray,
    deaths: np.ndarray,
    records: dict[str, Any],
    rng: np.random.Generator,
) -> StayLosses:
    """A stay's treatments, their deaths, and its non-registered losses.

    Parameters
    ----------
    at_sea : the stay is in sea rings (treatments, the sea's hidden loss)
    p_open : fish each container opens with
    planned_days : days each container is planned to hold the stay (to its departure)
    lived : (containers, days) the days lived up to as-of
    deaths : (containers, days) the recorded deaths drawn so far (fish)
    records : the profile's ``records`` settings
    rng : this stay's own stream of the world's realism
    """
    treated = np.zeros(lived.shape, dtype=bool)
    extra = np.zeros(lived.shape, dtype=np.int64)
    if at_sea and max(records["treatments_per_sea_cycle"]) > 0:
        treated = treatment_days(planned_days, records, rng) & lived
        standing = p_open[:, None] - np.cumsum(deaths, axis=1)
        rate = rng.uniform(*records["treatment_mortality"], size=int(treated.sum()))
        extra[treated] = rng.binomial(standing[treated], rate)
    # Treatment deaths join the day's deaths; the cap keeps every population >= 0.
    total = np.minimum(np.cumsum(deaths + extra, axis=1), p_open[:, None])
    deaths = np.diff(total, axis=1, prepend=0)
    hidden_raw = _hidden_raw(at_sea, p_open, planned_days, lived.shape, records, rng)
    room = p_open - total[:, -1]
    hidden = np.diff(
        np.minimum(np.cumsum(np.where(lived, hidden_raw, 0), axis=1), room[:, None]),
        axis=1,
        prepend=0,
    )
    return StayLosses(deaths=deaths, hidden=hidden, treated=treated)


def treatment_days(
    planned_days: np.ndarray, records: dict[str, Any], rng: np.random.Generator
) -> np.ndarray:
    """(rings, days) the days each ring is treated: ``treatments_per_sea_cycle`` rounds,
    each treating the rings one a day in their order.

    The rounds share the window from :data:`TREATMENT_FIRST_DAY` (a quarter of the stay
    when shorter) to :data:`TREATMENT_LAST_MARGIN_DAYS` before the first harvest, one
    round in each equal part of it, so rounds never overlap; a window too short for a
    round has fewer rounds.
    """
    k = planned_days.size
    length = int(planned_days.min())
    treated = np.zeros((k, int(planned_days.max())), dtype=bool)
    lo = min(TREATMENT_FIRST_DAY, length // 4)
    hi = length - min(TREATMENT_LAST_MARGIN_DAYS, length // 4)
    low_n, high_n = records["treatments_per_sea_cycle"]
    rounds = min(int(rng.integers(low_n, high_n + 1)), max(hi - lo, 0) // k)
    if rounds <= 0:
        return treated
    part = (hi - lo) // rounds
    for i in range(rounds):
        first = lo + i * part + int(rng.integers(0, part - k + 1))
        treated[np.arange(k), first + np.arange(k)] = True
    return treated


def _hidden_raw(
    at_sea: bool,
    p_open: np.ndarray,
    planned_days: np.ndarray,
    shape: tuple[int, int],
    records: dict[str, Any],
    rng: np.random.Generator,
) -> np.ndarray:
    """Fish lost unseen per container and day before any cap: the background hazard
    (Poisson around an even share of each container's drawn total over its planned days)
    plus the unreported events."""
    k, length = shape
    chance = float(records["sea_event_probability" if at_sea else "fresh_event_probability"])
    if max(records["sea_hidden_loss" if at_sea else "fresh_hidden_loss"]) <= 0 and chance <= 0:
        return np.zeros(shape, dtype=np.int64)
    share = rng.uniform(*records["sea_hidden_loss" if at_sea else "fresh_hidden_loss"], size=k)
    in_plan = np.arange(length)[None, :] < planned_days[:, None]
    daily = p_open * share / np.maximum(planned_days, 1)
    raw = np.where(in_plan, rng.poisson(np.broadcast_to(daily[:, None], shape)), 0)
    for c in np.flatnonzero(rng.random(k) < chance):
        span = int(rng.integers(records["event_days"][0], records["event_days"][1] + 1))
        span = max(min(span, int(planned_days[c])), 1)
        begin = int(rng.integers(0, int(planned_days[c]) - span + 1))
        lost = round(int(p_open[c]) * rng.uniform(*records["event_loss"]))
        # Whole fish spread evenly over the event's days, the remainder on the last.
        cumulative = np.floor(lost * np.arange(1, span + 1) / span).astype(np.int64)
        raw[c, begin : begin + span] += np.diff(cumulative, prepend=0)
    return raw
