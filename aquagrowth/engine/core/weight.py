"""Average weight of one assignment: TGC segments re-fitted through measured anchors.

A segment runs between two event points (see docs/engine.md). When it ends at an
anchor, its TGC is re-fitted so that the curve leaves the first weight and arrives
exactly at the measured one: the line never jumps at a sample, and the fitted TGC is
the observed growth rate. Otherwise it follows the scenario's TGC (the forward estimate)
or, with none, holds the weight.

Everything happens in cube-root space, where the TGC model is linear in the cumulative
temperature sum ``C``. Each assignment's segments and the weights at its event points
are planned in a short walk over its events (:func:`weight_curve`); the days of every
assignment of a batch are then filled in one vectorised step (:func:`fill_curves`).

References
----------
Iwama, G. K. and Tautz, A. F. (1981). A simple growth model for salmonids in
hatcheries. Canadian Journal of Fisheries and Aquatic Sciences 38(6), 649-656.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from aquagrowth.engine.core.growth import MIN_DEGREE_DAYS
from aquagrowth.engine.core.inputs import SELECTION_AVERAGE, FloatArray, IntArray
from aquagrowth.engine.core.outputs import ANCHOR_TYPES, WEIGHT_SOURCES

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
CONFIDENCE_WITHOUT_REFERENCE = 0.1
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


Segment = tuple[int, int, float, float, int, float]
"""(start point, end point, start weight g, TGC, mode, end weight g) of one segment."""


@dataclass
class WeightPlan:
    """One assignment's weight curve as segments and point values, not yet filled per day.

    Points run 0 .. L (start of day i = point i). The days are filled for the whole
    batch at once by :func:`fill_curves`; what a transfer out needs while the batch is
    still being walked (the weight fish leave at) is read from the plan directly.
    """

    n_days: int
    cumulative_temp: FloatArray
    segments: list[Segment]
    end_at: dict[int, float]
    """By point, the weight at the end of day point - 1, where an event fixed it."""
    start_at: dict[int, float]
    """By point, the weight at the start of that day after placements and transfers out."""
    before_out_at: dict[int, float]
    """By point, the weight after placements, before transfers out."""
    measured_end: dict[int, int]
    """By point, the anchor type of a measured end-of-day weight."""
    references: dict[int, float]
    """By point, the confidence of a weight known there (the decay's reference)."""
    invalid_mass_balance: list[int] = field(default_factory=list)
    leaving_g: dict[int, list[float]] = field(default_factory=dict)
    """By point, the weight (g) at which each transfer out there leaves, in order."""

    def before_out(self, p: int) -> float:
        """Weight at point ``p`` after placements, before transfers out (what unweighed
        fish moved at ``p`` carry)."""
        if p in self.before_out_at:
            return self.before_out_at[p]
        if p == 0:
            return math.nan
        if p in self.end_at:
            return self.end_at[p]
        for s, e, w_s, tgc, mode, w_e in self.segments:
            if s < p <= e:
                c = self.cumulative_temp
                return float(
                    segment_weights(
                        np.array([p]),
                        np.array([s]),
                        np.array([e]),
                        np.array([w_s]),
                        np.array([tgc]),
                        np.array([mode]),
                        np.array([w_e]),
                        np.array([c[p] - c[s]]),
                    )[0]
                )
        return math.nan


def segment_weights(
    point: IntArray,
    start: IntArray,
    end: IntArray,
    w_start: FloatArray,
    tgc: FloatArray,
    mode: IntArray,
    w_end: FloatArray,
    degree_days: FloatArray,
) -> FloatArray:
    """Weight at each ``point`` of its segment (``start`` < point <= ``end``), by the
    segment's mode: TGC growth in cube-root space over the degree-days since the
    segment's start, a straight line in cube-root space over days where no degree-days
    accrued, the start weight held, or unknown."""
    root_s = np.cbrt(w_start)
    with np.errstate(invalid="ignore", divide="ignore"):
        by_temp = root_s + np.where(np.isnan(tgc), 0.0, tgc) / 1000.0 * degree_days
        by_days = root_s + (point - start) / (end - start) * (np.cbrt(w_end) - root_s)
    weight = np.where(mode == LINEAR, by_days, by_temp) ** 3
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
    population_before_placement: IntArray,
    population_after_placement: IntArray,
    population_at_departure: int,
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
    population_before_placement, population_after_placement : fish at each day's start
    population_at_departure : fish at the end of the last day (for point L)
    scenario_tgc : the scenario's TGC for the assignment's stage, NaN if none
    """

    def population_at(p: int) -> int:
        if p < n_days:
            return int(population_after_placement[p])
        return int(population_at_departure)

    def first_weighing(p: int) -> Outgoing | None:
        """The first transfer out at ``p`` that tells this assignment's weight.

        A weighed AVERAGE share measures it; a weighed LARGEST or SMALLEST share changes
        what stays behind, unless nothing stays. Unweighed transfers change nothing.
        """
        population = population_at(p)
        for out in outgoing.get(p, ()):
            weighed = out.fish > 0 and not math.isnan(out.measured_weight_g)
            if weighed and (out.selection == SELECTION_AVERAGE or population > out.fish):
                return out
            population -= out.fish
        return None

    weighed_out = {p for p in outgoing if first_weighing(p) is not None}
    # Placements that bring no fish (an emptied source) change nothing either.
    placed_at = {p: group for p, group in placements.items() if sum(g.fish for g in group) > 0}
    points = sorted({0, *end_anchors, *placed_at, *weighed_out})
    segments: list[Segment] = []
    end_at: dict[int, float] = {}
    start_at: dict[int, float] = {}
    before_out_at: dict[int, float] = {}
    measured_end: dict[int, int] = {}
    references: dict[int, float] = {}
    invalid: list[int] = []
    leaving_g: dict[int, list[float]] = {}

    def reference(point: int, confidence: float) -> None:
        references[point] = max(references.get(point, 0.0), confidence)

    def close(s: int, e: int, w_s: float, target: float | None) -> float:
        if e <= s:
            return w_s if target is None else target
        if math.isnan(w_s):
            segments.append((s, e, w_s, math.nan, UNKNOWN, math.nan))
            return math.nan if target is None else target
        degree_days = cumulative_temp[e] - cumulative_temp[s]
        if target is not None:
            if degree_days > MIN_DEGREE_DAYS:
                tgc = 1000.0 * (np.cbrt(target) - np.cbrt(w_s)) / degree_days
                segments.append((s, e, w_s, tgc, REFIT, target))
            else:
                segments.append((s, e, w_s, math.nan, LINEAR, target))
            return target
        if math.isnan(scenario_tgc):
            segments.append((s, e, w_s, math.nan, HOLD, w_s))
            return w_s
        projected = float((np.cbrt(w_s) + scenario_tgc / 1000.0 * degree_days) ** 3)
        segments.append((s, e, w_s, scenario_tgc, SCENARIO, projected))
        return projected

    weight = opening_weight_g
    if not math.isnan(opening_weight_g):
        reference(0, OPENING_CONFIDENCE)
    seg_start = 0
    for p in points:
        placed = placed_at.get(p, ()) if p < n_days else ()
        leaving = outgoing.get(p, ())
        if p > 0:
            anchor = end_anchors.get(p)
            first_out = first_weighing(p) if not placed else None
            if anchor is not None:
                weight = close(seg_start, p, weight, anchor.weight_g)
                measured_end[p] = anchor.anchor_type
                reference(p, anchor.confidence)
            elif not placed and first_out is not None and first_out.selection == SELECTION_AVERAGE:
                weight = close(seg_start, p, weight, first_out.measured_weight_g)
                measured_end[p] = ANCHOR_TRANSFER
            else:
                weight = close(seg_start, p, weight, None)
            end_at[p] = weight

        moving = [pl for pl in placed if pl.fish > 0 and not math.isnan(pl.weight_g)]
        if moving:
            present = int(population_before_placement[p])
            fish = sum(pl.fish for pl in moving)
            mass = sum(pl.fish * pl.weight_g for pl in moving)
            if present > 0 and not math.isnan(weight):
                fish, mass = fish + present, mass + present * weight
            weight = mass / fish
            all_measured = all(pl.measured for pl in moving)
            reference(
                p, MEASURED_PLACEMENT_CONFIDENCE if all_measured else ESTIMATED_PLACEMENT_CONFIDENCE
            )
        before_out_at[p] = weight

        population = population_at(p)
        leaving_g[p] = []
        for out in leaving:
            # Unweighed fish leave at the weight of the moment: after the shares moved
            # before them in id order (a LARGEST share leaves the smaller fish behind).
            leaving_g[p].append(weight)
            if out.fish > 0 and not math.isnan(out.measured_weight_g):
                if out.selection == SELECTION_AVERAGE:
                    weight = out.measured_weight_g
                    reference(p, TRANSFER_ANCHOR_CONFIDENCE)
                elif population > out.fish and not math.isnan(weight):
                    rest = (weight * population - out.measured_weight_g * out.fish) / (
                        population - out.fish
                    )
                    if rest > 0:
                        weight = rest
                        reference(p, MASS_BALANCE_CONFIDENCE)
                    else:
                        invalid.append(p)
            population -= out.fish
        start_at[p] = weight
        seg_start = p
    close(seg_start, n_days, weight, None)

    return WeightPlan(
        n_days=n_days,
        cumulative_temp=cumulative_temp,
        segments=segments,
        end_at=end_at,
        start_at=start_at,
        before_out_at=before_out_at,
        measured_end=measured_end,
        references=references,
        invalid_mass_balance=invalid,
        leaving_g=leaving_g,
    )


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
    cumulative = np.zeros(n_rows + len(row_offset))
    owners, segments = [], []
    for a, plan in plans.items():
        cumulative[point_offset[a] : point_offset[a] + plan.n_days + 1] = plan.cumulative_temp
        owners += [a] * len(plan.segments)
        segments += plan.segments
    seg = np.array(segments, dtype=np.float64).reshape(-1, 6)
    seg_a = np.array(owners, dtype=np.int64)
    s, e = seg[:, 0].astype(np.int64), seg[:, 1].astype(np.int64)
    lengths = e - s
    owner = np.repeat(np.arange(len(seg)), lengths)
    within = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    a_of, s_of = seg_a[owner], s[owner]
    point = s_of + 1 + within
    row = row_offset[a_of] + point - 1
    mode = np.full(n_rows, UNKNOWN, dtype=np.int64)
    mode[row] = seg[owner, 4].astype(np.int64)
    end_g = np.full(n_rows, np.nan)
    end_g[row] = segment_weights(
        point,
        s_of,
        e[owner],
        seg[owner, 2],
        seg[owner, 3],
        mode[row],
        seg[owner, 5],
        cumulative[point_offset[a_of] + point] - cumulative[point_offset[a_of] + s_of],
    )
    seg_tgc = np.full(n_rows, np.nan)
    seg_tgc[row] = seg[owner, 3]

    def at_points(name: str) -> tuple[IntArray, IntArray, np.ndarray]:
        """Assignment, point and value of every entry of one of the plans' point maps."""
        entries = [(a, p, v) for a, plan in plans.items() for p, v in getattr(plan, name).items()]
        a, p, v = zip(*entries, strict=True) if entries else ((), (), ())
        return np.array(a, dtype=np.int64), np.array(p, dtype=np.int64), np.array(v)

    a, p, w = at_points("end_at")
    end_g[row_offset[a] + p - 1] = w
    first_rows = row_offset[np.fromiter(plans, dtype=np.int64)]
    start_g = np.full(n_rows, np.nan)
    start_g[1:] = end_g[:-1]
    start_g[first_rows] = np.nan
    a, p, w = at_points("start_at")
    inside = p < np.diff(row_offset)[a]  # the departure point has no day of its own
    start_g[row_offset[a[inside]] + p[inside]] = w[inside]

    day_tgc = np.where((mode == REFIT) | (mode == SCENARIO), seg_tgc, np.nan)
    source = _SOURCE_OF_MODE[mode]
    anchor = np.full(n_rows, ANCHOR_NONE, dtype=np.int64)
    a, p, code = at_points("measured_end")
    anchor[row_offset[a] + p - 1] = code
    source[row_offset[a] + p - 1] = MEASURED_SOURCE
    source = np.where(np.isnan(end_g), _SOURCE_OF_MODE[UNKNOWN], source)

    a, p, conf = at_points("references")
    confidence = _confidence(
        point_offset[row_assignment] + row_point,
        row_assignment,
        point_offset[a] + p,
        a,
        conf.astype(np.float64),
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


def _confidence(
    point: IntArray,
    owner: IntArray,
    ref_point: IntArray,
    ref_owner: IntArray,
    ref_conf: FloatArray,
    n_assignments: int,
) -> FloatArray:
    """Confidence of each end-of-day weight: the best decayed confidence of the nearest
    reference point before and after it in the same assignment (half-life
    ``CONFIDENCE_HALF_LIFE_DAYS``); ``CONFIDENCE_WITHOUT_REFERENCE`` in an assignment
    with none. Points of different assignments lie in disjoint ranges, so one sorted
    search serves the whole batch."""
    order = np.argsort(ref_point, kind="stable")
    ref_point, ref_owner, ref_conf = ref_point[order], ref_owner[order], ref_conf[order]
    best = np.zeros(len(point))
    if len(ref_point):
        decay = np.log(2.0) / CONFIDENCE_HALF_LIFE_DAYS
        last = len(ref_point) - 1
        prv = np.searchsorted(ref_point, point, side="right") - 1
        i = np.maximum(prv, 0)
        has_prev = (prv >= 0) & (ref_owner[i] == owner)
        best[has_prev] = ref_conf[i[has_prev]] * np.exp(
            -decay * (point[has_prev] - ref_point[i[has_prev]])
        )
        nxt = np.searchsorted(ref_point, point, side="left")
        j = np.minimum(nxt, last)
        has_next = (nxt <= last) & (ref_owner[j] == owner)
        best[has_next] = np.maximum(
            best[has_next],
            ref_conf[j[has_next]] * np.exp(-decay * (ref_point[j[has_next]] - point[has_next])),
        )
    referenced = np.zeros(n_assignments, dtype=bool)
    referenced[ref_owner] = True
    best[~referenced[owner]] = CONFIDENCE_WITHOUT_REFERENCE
    return best
