"""Population of one assignment day by day: placements, transfers out, deaths, harvest.

Recorded deaths are used as they are. A day without a record loses the scenario's
expected deaths, a fractional count carried forward so that a small population still
loses fish at the planned long-run rate (rounding N x rate each day would lose none)
while the population stays a whole number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from aquagrowth.engine.core.inputs import IntArray

NO_RECORD = -1
CARRY_TOLERANCE = 1e-9


@dataclass
class PopulationWalk:
    """Result of :func:`walk_population` for days 0 .. L - 1 of one assignment.

    start_before_placement[i] : fish at the start of day i, before placements
    start_after_placement[i] : fish after the day's placements, before transfers out
    end[i] : fish at the end of day i
    deaths[i] : fish that died on day i
    modelled[i] : True where deaths came from the scenario's rate
    moved : fish actually moved by each outgoing transfer, in the order given
    clamped : (day, kind, requested, available) for every count cut to the fish present
    """

    start_before_placement: IntArray
    start_after_placement: IntArray
    end: IntArray
    deaths: IntArray
    modelled: np.ndarray
    moved: list[int]
    clamped: list[tuple[int, str, int, int]] = field(default_factory=list)


def walk_population(
    n_days: int,
    opening: int,
    placed: IntArray,
    outgoing: list[tuple[int, int]],
    recorded_deaths: IntArray,
    harvested: IntArray,
    mortality_rate: float,
) -> PopulationWalk:
    """Walk one assignment's population through its days.

    Parameters
    ----------
    n_days : the assignment's days L (rows 0 .. L - 1)
    opening : fish present at the start of day 0 (egg input), else 0
    placed : fish placed at the start of each day (already what the sources could give)
    outgoing : (day, requested fish) of each transfer out, in id order; day may be L
        (the departure day: the fish present at the end of day L - 1 leave)
    recorded_deaths : recorded deaths per day, ``NO_RECORD`` (-1) where nothing recorded
    harvested : fish harvested per day
    mortality_rate : expected deaths per fish per day (fraction); NaN when unknown

    Returns
    -------
    PopulationWalk
    """
    fast = _walk_without_clamping(
        n_days, opening, placed, outgoing, recorded_deaths, harvested, mortality_rate
    )
    if fast is not None:
        return fast
    return _walk_day_by_day(
        n_days, opening, placed, outgoing, recorded_deaths, harvested, mortality_rate
    )


def _walk_day_by_day(
    n_days: int,
    opening: int,
    placed: IntArray,
    outgoing: list[tuple[int, int]],
    recorded_deaths: IntArray,
    harvested: IntArray,
    mortality_rate: float,
) -> PopulationWalk:
    """The walk one day at a time, clamping every count to the fish present (and saying so)."""
    out_by_day: dict[int, list[int]] = {}
    for index, (day, _) in enumerate(outgoing):
        out_by_day.setdefault(day, []).append(index)
    requested = [fish for _, fish in outgoing]
    moved = [0] * len(outgoing)
    clamped: list[tuple[int, str, int, int]] = []
    placed_l, deaths_l, harvest_l = placed.tolist(), recorded_deaths.tolist(), harvested.tolist()
    use_model = not math.isnan(mortality_rate)
    before, after, end, died = ([0] * n_days for _ in range(4))
    modelled = [False] * n_days

    population = opening
    carry = 0.0
    for day in range(n_days):
        before[day] = population
        population += placed_l[day]
        after[day] = population
        for index in out_by_day.get(day, ()):
            moved[index] = _clamp(day, "transfer", requested[index], population, clamped)
            population -= moved[index]
        recorded = deaths_l[day]
        if recorded != NO_RECORD:
            died[day] = _clamp(day, "mortality", recorded, population, clamped)
        elif use_model:
            carry += population * mortality_rate
            # The tolerance keeps sums such as ten times 0.1 (0.9999999999999999) from
            # postponing a death by a day.
            whole = math.floor(carry + CARRY_TOLERANCE)
            carry -= whole
            died[day] = min(whole, population)
            modelled[day] = True
        population -= died[day]
        if harvest_l[day]:
            population -= _clamp(day, "harvest", harvest_l[day], population, clamped)
        end[day] = population

    for index in out_by_day.get(n_days, ()):
        moved[index] = _clamp(n_days, "transfer", requested[index], population, clamped)
        population -= moved[index]

    return PopulationWalk(
        start_before_placement=np.asarray(before, dtype=np.int64),
        start_after_placement=np.asarray(after, dtype=np.int64),
        end=np.asarray(end, dtype=np.int64),
        deaths=np.asarray(died, dtype=np.int64),
        modelled=np.asarray(modelled, dtype=bool),
        moved=moved,
        clamped=clamped,
    )


def _clamp(day: int, kind: str, requested: int, present: int, clamped: list) -> int:
    """``requested`` fish, or the ``present`` ones when fewer (noted in ``clamped``)."""
    if requested > present:
        clamped.append((day, kind, requested, present))
        return present
    return requested


def _walk_without_clamping(
    n_days: int,
    opening: int,
    placed: IntArray,
    outgoing: list[tuple[int, int]],
    recorded_deaths: IntArray,
    harvested: IntArray,
    mortality_rate: float,
) -> PopulationWalk | None:
    """The same walk by cumulative sums, when no count has to be clamped; else None.

    Every flow of a day but the model's deaths is known in advance, so the population is
    a cumulative sum; only days that use the model's rate need a step of their own (the
    expected deaths depend on the fish present). Each step of a day only removes fish,
    so no count exceeded the fish present exactly when no day ends below zero.
    """
    out_total = np.zeros(n_days + 1, dtype=np.int64)
    for day, requested in outgoing:
        out_total[day] += requested
    recorded = recorded_deaths >= 0
    deaths = np.where(recorded, recorded_deaths, 0)
    flow = placed - out_total[:n_days] - deaths - harvested
    modelled = ~recorded if not math.isnan(mortality_rate) else np.zeros(n_days, dtype=bool)
    model_days = np.flatnonzero(modelled)
    if len(model_days):
        before_model = opening + np.cumsum(flow) + harvested
        model_deaths = np.zeros(n_days, dtype=np.int64)
        removed = 0
        carry = 0.0
        for day in model_days.tolist():
            present = int(before_model[day]) - removed
            if present < 0:
                return None  # a transfer or record took more fish than there were
            carry += present * mortality_rate
            whole = math.floor(carry + CARRY_TOLERANCE)
            carry -= whole
            whole = min(whole, present)
            model_deaths[day] = whole
            removed += whole
        deaths = deaths + model_deaths
        flow = flow - model_deaths
    end = opening + np.cumsum(flow)
    if (end < 0).any() or (n_days and out_total[n_days] > end[-1]):
        return None
    before = np.concatenate(([opening], end[:-1])).astype(np.int64)
    return PopulationWalk(
        start_before_placement=before,
        start_after_placement=before + placed,
        end=end.astype(np.int64),
        deaths=deaths.astype(np.int64),
        modelled=modelled,
        moved=[requested for _, requested in outgoing],
    )
