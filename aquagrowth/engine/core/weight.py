"""Average weight of one assignment: TGC segments re-fitted through measured anchors.

A segment runs between two event points (see docs/engine.md). When it ends at an
anchor, its TGC is re-fitted so that the curve leaves the first weight and arrives
exactly at the measured one: the line never jumps at a sample, and the fitted TGC is
the observed growth rate. Otherwise it follows the scenario's TGC (the forward estimate)
or, with none, holds the weight.

Everything happens in cube-root space, where the TGC model is linear in the cumulative
temperature sum ``C``; a whole assignment is filled in one vectorised step once the
segments' start weights are known.

References
----------
Iwama, G. K. and Tautz, A. F. (1981). A simple growth model for salmonids in
hatcheries. Canadian Journal of Fisheries and Aquatic Sciences 38(6), 649-656.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

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


@dataclass(frozen=True)
class EndAnchor:
    """Measured weight (g) at the END of a day, its confidence and anchor type code."""

    weight_g: float
    confidence: float
    anchor_type: int


@dataclass(frozen=True)
class Placement:
    fish: int
    weight_g: float
    measured: bool


@dataclass(frozen=True)
class Outgoing:
    fish: int
    measured_weight_g: float
    selection: int


@dataclass
class WeightCurve:
    """Weights of one assignment; points 0 .. L (start of day i = point i).

    end_g[i] : weight at the end of day i (row weight)
    start_g[i] : weight at the start of day i after placements and transfers out
    before_out_g[p] : weight at point p after placements, before transfers out (what
        unweighed fish moved at p carry)
    """

    end_g: FloatArray
    start_g: FloatArray
    before_out_g: FloatArray
    tgc: FloatArray
    source: IntArray
    anchor_type: IntArray
    confidence: FloatArray
    invalid_mass_balance: list[int] = field(default_factory=list)
    leaving_g: dict[int, list[float]] = field(default_factory=dict)
    """By point, the weight (g) at which each transfer out there leaves, in order."""


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
) -> WeightCurve:
    """Weights of one assignment through its days.

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
    segments: list[tuple[int, int, float, float, int, float]] = []
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
            if degree_days > 0:
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

    curve = _fill(
        n_days,
        cumulative_temp,
        segments,
        end_at,
        start_at,
        before_out_at,
        measured_end,
        references,
        invalid,
    )
    curve.leaving_g = leaving_g
    return curve


def _fill(
    n_days: int,
    cumulative_temp: FloatArray,
    segments: list[tuple[int, int, float, float, int, float]],
    end_at: dict[int, float],
    start_at: dict[int, float],
    before_out_at: dict[int, float],
    measured_end: dict[int, int],
    references: dict[int, float],
    invalid: list[int],
) -> WeightCurve:
    seg = np.array(segments, dtype=np.float64).reshape(-1, 6)
    s, e = seg[:, 0].astype(np.int64), seg[:, 1].astype(np.int64)
    lengths = e - s
    owner = np.repeat(np.arange(len(seg)), lengths)
    point = np.arange(1, n_days + 1)
    s_of, e_of = s[owner], e[owner]
    w_s, tgc, mode, w_e = (
        seg[owner, 2],
        seg[owner, 3],
        seg[owner, 4].astype(np.int64),
        seg[owner, 5],
    )
    root_s = np.cbrt(w_s)
    with np.errstate(invalid="ignore", divide="ignore"):
        by_temp = root_s + np.nan_to_num(tgc) / 1000.0 * (
            cumulative_temp[point] - cumulative_temp[s_of]
        )
        by_days = root_s + (point - s_of) / (e_of - s_of) * (np.cbrt(w_e) - root_s)
    end_g = np.where(mode == LINEAR, by_days, by_temp) ** 3
    end_g = np.where(mode == HOLD, w_s, end_g)
    end_g[mode == UNKNOWN] = np.nan

    for p, w in end_at.items():
        end_g[p - 1] = w
    previous_end = np.concatenate(([np.nan], end_g))
    before_out_g = previous_end.copy()
    for p, w in before_out_at.items():
        before_out_g[p] = w
    start_g = previous_end[:n_days].copy()
    for p, w in start_at.items():
        if p < n_days:
            start_g[p] = w

    day_tgc = np.where((mode == REFIT) | (mode == SCENARIO), tgc, np.nan)
    source = _SOURCE_OF_MODE[mode]
    anchor = np.full(n_days, ANCHOR_NONE, dtype=np.int64)
    for p, code in measured_end.items():
        anchor[p - 1] = code
        source[p - 1] = MEASURED_SOURCE
    source = np.where(np.isnan(end_g), _SOURCE_OF_MODE[UNKNOWN], source)
    confidence = _confidence(point, references)
    confidence[np.isnan(end_g)] = 0.0
    return WeightCurve(
        end_g=end_g,
        start_g=start_g,
        before_out_g=before_out_g,
        tgc=day_tgc,
        source=source,
        anchor_type=anchor,
        confidence=confidence,
        invalid_mass_balance=invalid,
    )


def _confidence(point: IntArray, references: dict[int, float]) -> FloatArray:
    """Confidence of each end-of-day weight: the best decayed confidence of the nearest
    reference point before and after it (half-life ``CONFIDENCE_HALF_LIFE_DAYS``)."""
    if not references:
        return np.full(len(point), CONFIDENCE_WITHOUT_REFERENCE)
    ref_point = np.array(sorted(references), dtype=np.int64)
    ref_conf = np.array([references[p] for p in ref_point])
    nxt = np.searchsorted(ref_point, point, side="left")
    prv = np.searchsorted(ref_point, point, side="right") - 1
    decay = np.log(2.0) / CONFIDENCE_HALF_LIFE_DAYS
    best = np.zeros(len(point))
    has_prev = prv >= 0
    i = prv[has_prev]
    best[has_prev] = ref_conf[i] * np.exp(-decay * (point[has_prev] - ref_point[i]))
    has_next = nxt < len(ref_point)
    j = nxt[has_next]
    best[has_next] = np.maximum(
        best[has_next], ref_conf[j] * np.exp(-decay * (ref_point[j] - point[has_next]))
    )
    return best
