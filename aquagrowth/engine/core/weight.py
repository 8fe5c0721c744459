"""Average weight of one assignment: TGC segments re-fitted through measured anchors.

A segment runs between two event points (see docs/engine.md). When it ends at an
anchor, its TGC is re-fitted so that the curve leaves the first weight and arrives
exactly at the measured one: the line never jumps at a sample, and the fitted TGC is
the observed growth rate. Otherwise it follows the scenario's TGC (the forward estimate)
or, with none, holds the weight. The TGC step and the fit are ``growth``'s.

Everything happens in cube-root space, where the TGC model is linear in the cumulative
temperature sum ``C``. Each assignment's segments and the weights at its event points
are planned in a short walk over its events (:func:`weight_curve`); the days of every
assignment of a batch are then filled in one vectorised step (:func:`fill_curves`).

A weight's confidence is highest where the weight is known: measured (an anchor) or
carried in with fish of known weight (an egg input's opening, a placement, the fish left
behind by a weighed LARGEST or SMALLEST transfer). These are the plan's *known points*;
the confidence of the days between decays with the distance to the nearest one.

References
----------
Iwama, G. K. and Tautz, A. F. (1981). A simple growth model for salmonids in
hatcheries. Canadian Journal of Fisheries and Aquatic Sciences 38(6), 649-656.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple

import numpy as np

from aquagrowth.engine.core.growth import (
    MIN_DEGREE_DAYS,
    fitted_tgc,
    weight_after,
    weight_between,
)
from aquagrowth.engine.core.inputs import SELECTION_AVERAGE, FloatArray, IntArray
from aquagrowth.engine.core.outputs import ANCHOR_TYPES, WEIGHT_SOURCES
from aquagrowth.engine.core.population import PopulationWalk

REFIT, LINEAR, SCENARIO, HOLD, UNKNOWN = range(5)
_SOURCE_OF_MODE = np.array(
    [
        WEIGHT_SOURCES.index(s)
        for s in ("assimilated", "assimilated", "scenario_tgc", "held", "missing")
    ]
)
MEASURED_SOURCE = WEIGHT_SOURCES.index("measured")
ANCHOR_TRANSFER = ANCHOR_TYPES.index("transfer")
ANCHOR_NONE = ANCHOR_TYPES.index("none")

CONFIDENCE_HALF_LIFE_DAYS = 30.0
FULL_SAMPLE_FISH = 30.0
CONFIDENCE_WITHOUT_KNOWN_POINT = 0.1
OPENING_CONFIDENCE = 0.9
MEASURED_PLACEMENT_CONFIDENCE = 0.9
ESTIMATED_PLACEMENT_CONFIDENCE = 0.7
MASS_BALANCE_CONFIDENCE = 0.7
TRANSFER_ANCHOR_CONFIDENCE = 0.9


def sample_confidence(fish_weighed: IntArray) -> FloatArray:
    """Confidence of sample means of ``fish_weighed`` fish each: 1.0 at 30 or more.

    The standard error of a mean falls with the square root of the fish weighed.
    """
    return np.minimum(1.0, np.sqrt(fish_weighed / FULL_SAMPLE_FISH))


class EndAnchor(NamedTuple):
    """Measured weight (g) at the END of a day, its confidence and anchor type code.

    Named tuples, not dataclasses: a batch makes hundreds of these, and a tuple is made
    several times faster.
    """

    weight_g: float
    confidence: float
    anchor_type: int
    weight_var: float = math.nan
    """Variance of the measured mean (g^2), for the smoother (docs/engine.md)."""


class Placement(NamedTuple):
    """Fish placed into an assignment, at the weight they arrive with."""

    fish: int
    weight_g: float
    measured: bool


class Outgoing(NamedTuple):
    """Fish leaving an assignment by a transfer, with the weight measured, if any."""

    fish: int
    measured_weight_g: float
    selection: int


class Segment(NamedTuple):
    """One segment of a weight curve, from point ``start`` to point ``end``.

    mode : how the days between follow (``REFIT``, ``LINEAR``, ``SCENARIO``, ``HOLD``,
        ``UNKNOWN``); tgc : its TGC (customary units), NaN where it has none

    A plan keeps its segments as plain tuples in this field order (a batch makes a
    thousand of them, and a named tuple costs five times as much to make); they are read
    by name, as ``Segment(*row)`` or through the table ``SEGMENT_COLUMNS``.
    """

    start: int
    end: int
    weight_start_g: float
    tgc: float
    mode: int
    weight_end_g: float


SEGMENT_COLUMNS = np.dtype(
    [
        ("start", np.int64),
        ("end", np.int64),
        ("weight_start_g", np.float64),
        ("tgc", np.float64),
        ("mode", np.int64),
        ("weight_end_g", np.float64),
    ]
)
"""Segments as a numpy table with named columns (one row per segment)."""


@dataclass
class WeightPlan:
    """One assignment's weight curve as segments and point values, not yet filled per day.

    Points run 0 .. L (start of day i = point i). The days are filled for the whole
    batch at once by :func:`fill_curves`; what a transfer out needs while the batch is
    still being walked (the weight fish leave at) is read from the plan directly.
    """

    n_days: int
    cumulative_temp: FloatArray
    segments: list[tuple] = field(default_factory=list)
    """Rows in :class:`Segment`'s field order."""
    end_at: dict[int, float] = field(default_factory=dict)
    """By point, the weight at the end of day point - 1, where an event fixed it."""
    start_at: dict[int, float] = field(default_factory=dict)
    """By point, the weight at the start of that day after placements and transfers out."""
    before_out_at: dict[int, float] = field(default_factory=dict)
    """By point, the weight after placements, before transfers out."""
    measured_end: dict[int, int] = field(default_factory=dict)
    """By point, the anchor type of a measured end-of-day weight."""
    known_at: dict[int, float] = field(default_factory=dict)
    """By point, the confidence of a weight known there (see the module docstring)."""
    invalid_mass_balance: list[int] = field(default_factory=list)
    leaving_g: dict[int, list[float]] = field(default_factory=dict)
    """By point, the weight (g) at which each transfer out there leaves, in order."""

    def know(self, point: int, confidence: float) -> None:
        """Record that the weight is known at ``point`` with ``confidence`` (the best wins)."""
        self.known_at[point] = max(self.known_at.get(point, 0.0), confidence)

    def before_out(self, p: int) -> float:
        """Weight at point ``p`` after placements, before transfers out (what unweighed
        fish moved at ``p`` carry)."""
        if p in self.before_out_at:
            return self.before_out_at[p]
        if p == 0:
            return math.nan
        if p in self.end_at:
            return self.end_at[p]
        for row in self.segments:
            segment = Segment(*row)
            if segment.start < p <= segment.end:
                c = self.cumulative_temp
                table = np.array([segment], dtype=SEGMENT_COLUMNS)
                degree_days = np.array([c[p] - c[segment.start]])
                return segment_weights(np.array([p]), table, degree_days).item()
        return math.nan


def segment_weights(point: IntArray, segment: np.ndarray, degree_days: FloatArray) -> FloatArray:
    """Weight (g) at each ``point`` of its segment (``segment``, a ``SEGMENT_COLUMNS`` row
    per point, with start < point <= end), by the segment's mode.

    TGC growth over the ``degree_days`` (degC day) since the segment's start; a straight
    line in cube-root space over the days where no degree-days accrued between two
    anchors; the start weight held; or unknown.
    """
    mode, tgc, w_start = segment["mode"], segment["tgc"], segment["weight_start_g"]
    weight = weight_after(w_start, np.where(np.isnan(tgc), 0.0, tgc), degree_days)
    linear = mode == LINEAR
    if linear.any():
        start, end = segment["start"][linear], segment["end"][linear]
        fraction = (point[linear] - start) / (end - start)
        weight[linear] = weight_between(w_start[linear], segment["weight_end_g"][linear], fraction)
    weight = np.where(mode == HOLD, w_start, weight)
    weight[mode == UNKNOWN] = np.nan
    return weight


def weight_curve(
    n_days: int,
    cumulative_temp: FloatArray,
    opening_weight_g: float,
    end_anchors: dict[int, EndAnchor],
    placements: dict[int, list[Placement]],
    outgoing: dict[int, list[Outgoing]],
    walk: PopulationWalk,
    scenario_tgc: float,
) -> WeightPlan:
    """The weight plan of one assignment through its days (see :class:`WeightPlan`).

    Parameters
    ----------
    n_days : the assignment's days L
    cumulative_temp : C(p), the sum of effective temperatures (degC day) before point p,
        p = 0 .. L
    opening_weight_g : weight (g) at point 0 for an egg input, else NaN
    end_anchors : by point (end of day p - 1), the measured weight
    placements : by point (< L), fish placed, in id order
    outgoing : by point (<= L), transfers out with the fish really moved, in id order
    walk : the assignment's population walk (fish at each day's start, at departure)
    scenario_tgc : the scenario's TGC for the assignment's stage, NaN if none
    """
    planner = _Planner(
        WeightPlan(n_days, cumulative_temp), end_anchors, placements, outgoing, walk, scenario_tgc
    )
    return planner.plan_from(opening_weight_g)


class _Planner:
    """The walk over one assignment's event points that builds its :class:`WeightPlan`.

    At each point, in order: the segment ending there is closed (re-fitted to an anchor,
    or grown with the scenario's TGC), placements mix in, transfers out leave.
    """

    def __init__(
        self,
        plan: WeightPlan,
        end_anchors: dict[int, EndAnchor],
        placements: dict[int, list[Placement]],
        outgoing: dict[int, list[Outgoing]],
        walk: PopulationWalk,
        scenario_tgc: float,
    ) -> None:
        self.plan = plan
        self.end_anchors = end_anchors
        self.outgoing = outgoing
        self.walk = walk
        self.scenario_tgc = scenario_tgc
        # Placements that bring no fish (an emptied source) change nothing.
        self.placed_at = {
            p: group for p, group in placements.items() if sum(g.fish for g in group) > 0
        }

    def population_at(self, p: int) -> int:
        """Fish at point ``p`` after placements, before transfers out."""
        if p < self.plan.n_days:
            return int(self.walk.start_after_placement[p])
        return int(self.walk.end[-1])

    def first_weighing(self, p: int) -> Outgoing | None:
        """The first transfer out at ``p`` that tells this assignment's weight.

        A weighed AVERAGE share measures it; a weighed LARGEST or SMALLEST share changes
        what stays behind, unless nothing stays. Unweighed transfers change nothing.
        """
        population = self.population_at(p)
        for out in self.outgoing.get(p, ()):
            weighed = out.fish > 0 and not math.isnan(out.measured_weight_g)
            if weighed and (out.selection == SELECTION_AVERAGE or population > out.fish):
                return out
            population -= out.fish
        return None

    def plan_from(self, opening_weight_g: float) -> WeightPlan:
        """Walk every event point from the opening weight (g) and close the last segment."""
        plan = self.plan
        weighed_out = {p for p in self.outgoing if self.first_weighing(p) is not None}
        points = sorted({0, *self.end_anchors, *self.placed_at, *weighed_out})
        weight = opening_weight_g
        if not math.isnan(opening_weight_g):
            plan.know(0, OPENING_CONFIDENCE)
        segment_start = 0
        for p in points:
            placed = self.placed_at.get(p, ()) if p < plan.n_days else ()
            if p > 0:
                weight = plan.end_at[p] = self.arrive(segment_start, p, weight, placed)
            if placed:
                weight = self.mix(p, weight, placed)
            plan.before_out_at[p] = weight
            leaving = self.outgoing.get(p)
            if leaving:
                weight = self.send_out(p, weight, leaving)
            else:
                plan.leaving_g[p] = []
            plan.start_at[p] = weight
            segment_start = p
        self.close(segment_start, plan.n_days, weight, None)
        return plan

    def arrive(self, s: int, p: int, weight: float, placed) -> float:
        """Close the segment from ``s`` at ``p``: at an end-of-day anchor, else (nothing
        placed at ``p``) at a weighed AVERAGE transfer out, else by the scenario."""
        anchor = self.end_anchors.get(p)
        if anchor is not None:
            self.plan.measured_end[p] = anchor.anchor_type
            self.plan.know(p, anchor.confidence)
            return self.close(s, p, weight, anchor.weight_g)
        first_out = self.first_weighing(p) if not placed else None
        if first_out is not None and first_out.selection == SELECTION_AVERAGE:
            self.plan.measured_end[p] = ANCHOR_TRANSFER
            return self.close(s, p, weight, first_out.measured_weight_g)
        return self.close(s, p, weight, None)

    def close(self, s: int, e: int, w_s: float, target: float | None) -> float:
        """End the segment from point ``s`` (weight ``w_s``, g) at point ``e``, arriving at
        ``target`` (g) when measured; return the weight at ``e``."""
        # Rows in Segment's field order: start, end, weight_start_g, tgc, mode, weight_end_g.
        segments = self.plan.segments
        if e <= s:
            return w_s if target is None else target
        if math.isnan(w_s):
            segments.append((s, e, w_s, math.nan, UNKNOWN, math.nan))
            return math.nan if target is None else target
        degree_days = self.plan.cumulative_temp[e] - self.plan.cumulative_temp[s]
        if target is not None:
            if degree_days > MIN_DEGREE_DAYS:
                segments.append((s, e, w_s, fitted_tgc(w_s, target, degree_days), REFIT, target))
            else:
                segments.append((s, e, w_s, math.nan, LINEAR, target))
            return target
        if math.isnan(self.scenario_tgc):
            segments.append((s, e, w_s, math.nan, HOLD, w_s))
            return w_s
        projected = float(weight_after(w_s, self.scenario_tgc, degree_days))
        segments.append((s, e, w_s, self.scenario_tgc, SCENARIO, projected))
        return projected

    def mix(self, p: int, weight: float, placed) -> float:
        """The weight (g) after the placements at ``p``: the population-weighted mean of
        the fish present and the fish placed with a known weight."""
        moving = [pl for pl in placed if pl.fish > 0 and not math.isnan(pl.weight_g)]
        if not moving:
            return weight
        present = int(self.walk.start_before_placement[p])
        fish = sum(pl.fish for pl in moving)
        mass = sum(pl.fish * pl.weight_g for pl in moving)
        if present > 0 and not math.isnan(weight):
            fish, mass = fish + present, mass + present * weight
        all_measured = all(pl.measured for pl in moving)
        confidence = (
            MEASURED_PLACEMENT_CONFIDENCE if all_measured else ESTIMATED_PLACEMENT_CONFIDENCE
        )
        self.plan.know(p, confidence)
        return mass / fish

    def send_out(self, p: int, weight: float, leaving: list[Outgoing]) -> float:
        """The weight (g) of the fish that stay after the transfers out at ``p``
        (``leaving``, in id order), noting the weight each transfer leaves at."""
        population = self.population_at(p)
        leaving_g = self.plan.leaving_g[p] = []
        for out in leaving:
            # Unweighed fish leave at the weight of the moment: after the shares moved
            # before them in id order (a LARGEST share leaves the smaller fish behind).
            leaving_g.append(weight)
            if out.fish > 0 and not math.isnan(out.measured_weight_g):
                if out.selection == SELECTION_AVERAGE:
                    weight = out.measured_weight_g
                    self.plan.know(p, TRANSFER_ANCHOR_CONFIDENCE)
                elif population > out.fish and not math.isnan(weight):
                    rest = (weight * population - out.measured_weight_g * out.fish) / (
                        population - out.fish
                    )
                    if rest > 0:
                        weight = rest
                        self.plan.know(p, MASS_BALANCE_CONFIDENCE)
                    else:
                        self.plan.invalid_mass_balance.append(p)
            population -= out.fish
        return weight


@dataclass
class FilledCurves:
    """Weights of every row of a batch (rows ordered by assignment, then day)."""

    end_g: FloatArray
    """Weight at the end of the day (the row's weight)."""
    start_g: FloatArray
    """Weight at the start of the day after placements and transfers out."""
    tgc: FloatArray
    source: IntArray
    anchor_type: IntArray
    confidence: FloatArray


class _PointValues(NamedTuple):
    """Every entry of one of the plans' point maps: assignment, point, value."""

    assignment: IntArray
    point: IntArray
    value: np.ndarray


def _at_points(plans: dict[int, WeightPlan], name: str, dtype: type = np.float64) -> _PointValues:
    """The entries of every plan's point map ``name`` (values of ``dtype``), as columns."""
    maps = [getattr(plan, name) for plan in plans.values()]
    sizes = np.fromiter(map(len, maps), dtype=np.int64, count=len(maps))
    n = int(sizes.sum())
    return _PointValues(
        assignment=np.repeat(np.fromiter(plans, dtype=np.int64, count=len(plans)), sizes),
        point=np.fromiter(chain.from_iterable(maps), dtype=np.int64, count=n),
        value=np.fromiter(chain.from_iterable(m.values() for m in maps), dtype=dtype, count=n),
    )


def fill_curves(
    plans: dict[int, WeightPlan],
    row_offset: IntArray,
    row_assignment: IntArray,
    row_point: IntArray,
) -> FilledCurves:
    """Fill the days of every assignment's plan, for the whole batch in one pass.

    ``plans`` by assignment position; assignment ``a``'s rows are ``row_offset[a]`` ..
    ``row_offset[a + 1] - 1``; ``row_assignment`` and ``row_point`` give each row's
    assignment and the point at its end (local day + 1). One set of array operations
    for the batch instead of one per assignment: most of a batch's assignments last a
    few weeks, and per-assignment overhead dominated their cost.
    """
    n_rows = len(row_assignment)
    point_offset = row_offset + np.arange(len(row_offset))
    end_g, seg_tgc, mode = _segment_days(plans, row_offset, point_offset, n_rows)
    ends = _at_points(plans, "end_at")
    end_rows = row_offset[ends.assignment] + ends.point - 1
    end_g[end_rows] = ends.value
    start_g = np.full(n_rows, np.nan)
    start_g[1:] = end_g[:-1]
    start_g[row_offset[np.fromiter(plans, dtype=np.int64)]] = np.nan
    starts = _at_points(plans, "start_at")
    inside = starts.point < np.diff(row_offset)[starts.assignment]  # departure: no day of its own
    start_g[row_offset[starts.assignment[inside]] + starts.point[inside]] = starts.value[inside]

    day_tgc = np.where((mode == REFIT) | (mode == SCENARIO), seg_tgc, np.nan)
    source = _SOURCE_OF_MODE[mode]
    anchor = np.full(n_rows, ANCHOR_NONE, dtype=np.int64)
    measured = _at_points(plans, "measured_end", np.int64)
    measured_rows = row_offset[measured.assignment] + measured.point - 1
    anchor[measured_rows] = measured.value
    source[measured_rows] = MEASURED_SOURCE
    source = np.where(np.isnan(end_g), _SOURCE_OF_MODE[UNKNOWN], source)

    known = _at_points(plans, "known_at")
    confidence = _confidence(
        point_offset[row_assignment] + row_point,
        row_assignment,
        point_offset[known.assignment] + known.point,
        known.assignment,
        known.value,
        len(row_offset),
    )
    confidence[np.isnan(end_g)] = 0.0
    return FilledCurves(
        end_g=end_g,
        start_g=start_g,
        tgc=day_tgc,
        source=source,
        anchor_type=anchor,
        confidence=confidence,
    )


def _segment_days(
    plans: dict[int, WeightPlan], row_offset: IntArray, point_offset: IntArray, n_rows: int
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Every row's end-of-day weight (g), TGC and mode from the segment it lies in.

    Each assignment's points take ``n_days + 1`` places of one batch-wide array of
    cumulative temperatures (``point_offset``), so that every segment's degree-days come
    from one lookup.
    """
    cumulative = np.zeros(n_rows + len(row_offset))
    owners, segments = [], []
    for a, plan in plans.items():
        cumulative[point_offset[a] : point_offset[a] + plan.n_days + 1] = plan.cumulative_temp
        owners += [a] * len(plan.segments)
        segments += plan.segments
    table = np.array(segments, dtype=SEGMENT_COLUMNS)
    seg_assignment = np.array(owners, dtype=np.int64)
    lengths = table["end"] - table["start"]
    owner = np.repeat(np.arange(len(table)), lengths)
    within = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    day_segment = table[owner]
    a_of, start_of = seg_assignment[owner], day_segment["start"]
    point = start_of + 1 + within
    row = row_offset[a_of] + point - 1
    mode = np.full(n_rows, UNKNOWN, dtype=np.int64)
    mode[row] = day_segment["mode"]
    end_g = np.full(n_rows, np.nan)
    degree_days = cumulative[point_offset[a_of] + point] - cumulative[point_offset[a_of] + start_of]
    end_g[row] = segment_weights(point, day_segment, degree_days)
    seg_tgc = np.full(n_rows, np.nan)
    seg_tgc[row] = day_segment["tgc"]
    return end_g, seg_tgc, mode


def _confidence(
    point: IntArray,
    owner: IntArray,
    known_point: IntArray,
    known_owner: IntArray,
    known_confidence: FloatArray,
    n_assignments: int,
) -> FloatArray:
    """Confidence of each end-of-day weight: the best decayed confidence of the nearest
    known point before and after it in the same assignment (half-life
    ``CONFIDENCE_HALF_LIFE_DAYS``); ``CONFIDENCE_WITHOUT_KNOWN_POINT`` in an assignment
    with none. Points of different assignments lie in disjoint ranges, so one sorted
    search serves the whole batch."""
    order = np.argsort(known_point, kind="stable")
    known_point, known_owner = known_point[order], known_owner[order]
    known_confidence = known_confidence[order]
    best = np.zeros(len(point))
    if len(known_point):
        decay = np.log(2.0) / CONFIDENCE_HALF_LIFE_DAYS
        last = len(known_point) - 1
        prv = np.searchsorted(known_point, point, side="right") - 1
        i = np.maximum(prv, 0)
        has_prev = (prv >= 0) & (known_owner[i] == owner)
        best[has_prev] = known_confidence[i[has_prev]] * np.exp(
            -decay * (point[has_prev] - known_point[i[has_prev]])
        )
        nxt = np.searchsorted(known_point, point, side="left")
        j = np.minimum(nxt, last)
        has_next = (nxt <= last) & (known_owner[j] == owner)
        best[has_next] = np.maximum(
            best[has_next],
            known_confidence[j[has_next]]
            * np.exp(-decay * (known_point[j[has_next]] - point[has_next])),
        )
    known_anywhere = np.zeros(n_assignments, dtype=bool)
    known_anywhere[known_owner] = True
    best[~known_anywhere[owner]] = CONFIDENCE_WITHOUT_KNOWN_POINT
    return best
