"""One batch's recorded events in, its actual daily states out.

The orchestration of the core modules, following docs/engine.md: validate the events,
compute every container's daily temperature, then take the assignments in an order in
which each transfer's source comes before its destination, walking each one's
population (day by day, since expected deaths depend on the fish present) and planning
its weight curve, so that a destination receives the fish its sources really gave at the
weight they really had. The weight curves' days are filled for the whole batch at once.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict

import numpy as np

from aquagrowth.engine.core import feed, population, temperature, validation, weight
from aquagrowth.engine.core.growth import effective_temperature
from aquagrowth.engine.core.inputs import BatchInputs, IntArray
from aquagrowth.engine.core.outputs import (
    ANCHOR_TYPES,
    FEED_SOURCES,
    MORTALITY_SOURCES,
    DailyStates,
    Finding,
)

GROWTH_SAMPLE = ANCHOR_TYPES.index("growth_sample")
WEIGHING = ANCHOR_TYPES.index("weighing")
RECORDED, MODEL, MISSING = (MORTALITY_SOURCES.index(s) for s in ("recorded", "model", "missing"))
FEED_RECORDED, FEED_NONE = FEED_SOURCES.index("recorded"), FEED_SOURCES.index("none")
ROUNDING = 1e-9
"""Flags ignore rounding: two equal anchors fit a TGC of 0 give or take a few units in the
last place, and a weight held at the stage's bound may come back a hair above it."""


def assimilate(inputs: BatchInputs) -> DailyStates:
    """Compute the daily states of one batch (see docs/engine.md for every rule)."""
    findings: list[Finding] = []
    validation.report_scenario(inputs, findings)
    validation.report_sensor_faults(inputs, findings)

    n_assign = inputs.n_assignments
    first = inputs.assignment_first_day
    lengths = np.maximum(inputs.assignment_stop_day - first, 0)
    offset = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    n_rows = int(offset[-1])
    row_assign = np.repeat(np.arange(n_assign), lengths)
    row_day = np.arange(n_rows) - offset[row_assign] + first[row_assign]

    def rows_of(assignment: IntArray, day: IntArray) -> IntArray:
        return offset[assignment] + day - first[assignment]

    deaths_recorded = np.full(n_rows, population.NO_RECORD, dtype=np.int64)
    keep = validation.check_day_events(
        inputs, inputs.mortality, "mortality", findings, weighed=False
    )
    rows = rows_of(inputs.mortality.assignment[keep], inputs.mortality.day[keep])
    deaths_recorded[rows] = 0
    deaths_recorded += _sum_onto(n_rows, rows, inputs.mortality.count[keep])

    harvest_fish, harvest_kg = _per_row(
        inputs, inputs.harvests, "harvest", findings, rows_of, n_rows, weighed=False
    )
    sample_fish, sample_g = _per_row(
        inputs, inputs.samples, "growth sample", findings, rows_of, n_rows, weighed=True
    )
    weighing_fish, weighing_g = _per_row(
        inputs, inputs.weighings, "weighing", findings, rows_of, n_rows, weighed=True
    )

    feed_owner, feed_keep = validation.assign_feed(inputs, findings)
    rows = rows_of(feed_owner[feed_keep], inputs.feed.day[feed_keep])
    feed_kg = _sum_onto(n_rows, rows, inputs.feed.value[feed_keep])
    feed_events = _sum_onto(n_rows, rows, np.maximum(inputs.feed.count[feed_keep], 1))

    temp_c, temp_source, temp_conf = _row_temperatures(inputs, row_assign, row_day)

    scenario = inputs.scenario
    n_stages = len(inputs.stage_names)
    tgc_by_stage = scenario.tgc_by_stage if scenario else np.full(n_stages, np.nan)
    rate_by_stage = scenario.mortality_rate_by_stage if scenario else np.full(n_stages, np.nan)

    transfers = inputs.transfers
    use_transfer = validation.check_transfers(inputs, findings)
    order = _processing_order(inputs, use_transfer, findings)
    outgoing_of: dict[int, list[int]] = defaultdict(list)
    filled_by_transfer = np.zeros(n_assign, dtype=bool)
    for t in np.flatnonzero(use_transfer):
        outgoing_of[int(transfers.source[t])].append(int(t))
    # Any transfer naming an assignment as destination means it opens empty, even one
    # left out as bad input: a recorded opening population would count fish twice.
    filled_by_transfer[transfers.dest[transfers.dest >= 0]] = True
    placements_of: dict[int, dict[int, list[weight.Placement]]] = defaultdict(
        lambda: defaultdict(list)
    )

    end_anchors_of = _end_anchors(
        sample_fish, sample_g, weighing_fish, weighing_g, harvest_fish, harvest_kg
    )
    pop_end = np.zeros(n_rows, dtype=np.int64)
    deaths = np.zeros(n_rows, dtype=np.int64)
    modelled = np.zeros(n_rows, dtype=bool)
    plans: dict[int, weight.WeightPlan] = {}
    effective = effective_temperature(temp_c)

    for a in order:
        n_days = int(lengths[a])
        if n_days == 0:
            continue
        lo, hi = int(offset[a]), int(offset[a + 1])
        day0 = int(first[a])
        opening, opening_w = (
            int(inputs.assignment_opening_population[a]),
            float(inputs.assignment_opening_weight_g[a]),
        )
        if filled_by_transfer[a]:
            if opening > 0:
                findings.append(
                    Finding(
                        "opening_population_ignored",
                        f"assignment {inputs.assignment_id[a]} is filled by transfers; its "
                        f"recorded opening population of {opening} is ignored so no fish are "
                        "counted twice",
                        assignment_id=int(inputs.assignment_id[a]),
                    )
                )
            opening, opening_w = 0, math.nan

        placed = np.zeros(n_days, dtype=np.int64)
        for local_day, group in placements_of[a].items():
            placed[local_day] = sum(p.fish for p in group)
        leaving = outgoing_of.get(a, [])
        walk = population.walk_population(
            n_days,
            opening,
            placed,
            [(int(transfers.day[t]) - day0, int(transfers.count[t])) for t in leaving],
            deaths_recorded[lo:hi],
            harvest_fish[lo:hi],
            float(rate_by_stage[inputs.assignment_stage[a]]),
        )
        for local_day, kind, requested, available in walk.clamped:
            findings.append(
                Finding(
                    "count_clamped",
                    f"{kind} of {requested} fish from assignment {inputs.assignment_id[a]} on "
                    f"{inputs.describe_day(day0 + local_day)} exceeds the {available} present; "
                    f"clamped to {available}",
                    assignment_id=int(inputs.assignment_id[a]),
                    day=day0 + local_day,
                )
            )

        outgoing: dict[int, list[weight.Outgoing]] = defaultdict(list)
        for t, fish in zip(leaving, walk.moved, strict=True):
            outgoing[int(transfers.day[t]) - day0].append(
                weight.Outgoing(
                    fish, float(transfers.measured_weight_g[t]), int(transfers.selection[t])
                )
            )
        curve = plans[a] = weight.weight_curve(
            n_days,
            np.concatenate(([0.0], np.cumsum(effective[lo:hi]))),
            opening_w,
            end_anchors_of(lo, hi),
            placements_of[a],
            outgoing,
            walk.start_before_placement,
            walk.start_after_placement,
            int(walk.end[-1]),
            float(tgc_by_stage[inputs.assignment_stage[a]]),
        )
        for local_day in curve.invalid_mass_balance:
            findings.append(
                Finding(
                    "mass_balance_invalid",
                    f"assignment {inputs.assignment_id[a]} on "
                    f"{inputs.describe_day(day0 + local_day)}: the fish moved weigh more than "
                    "all fish present; the weight is kept",
                    assignment_id=int(inputs.assignment_id[a]),
                    day=day0 + local_day,
                )
            )
        order_at_day: dict[int, int] = defaultdict(int)
        for t, fish in zip(leaving, walk.moved, strict=True):
            local_day = int(transfers.day[t]) - day0
            measured = float(transfers.measured_weight_g[t])
            leaving_g = curve.leaving_g.get(local_day)
            if leaving_g is not None:
                w = leaving_g[order_at_day[local_day]]
            else:
                w = curve.before_out(local_day)
            order_at_day[local_day] += 1
            w = measured if not math.isnan(measured) else w
            dest = int(transfers.dest[t])
            placements_of[dest][int(transfers.day[t]) - int(first[dest])].append(
                weight.Placement(fish, w, not math.isnan(measured))
            )

        pop_end[lo:hi] = walk.end
        deaths[lo:hi] = walk.deaths
        modelled[lo:hi] = walk.modelled

    curves = weight.fill_curves(plans, offset, row_assign, row_day - first[row_assign] + 1)
    w_end, w_start, tgc = curves.end_g, curves.start_g, curves.tgc
    w_source, anchor, w_conf = curves.source, curves.anchor_type, curves.confidence

    biomass = np.nan_to_num(pop_end * w_end / 1000.0, nan=0.0)
    growth = feed.growth_kg(pop_end, w_start, w_end)
    fcr = feed.trailing_fcr(feed_kg, growth, first_row=offset[row_assign])

    m_source = np.where(deaths_recorded >= 0, RECORDED, np.where(modelled, MODEL, MISSING))
    m_conf = np.select([m_source == RECORDED, m_source == MODEL], [1.0, 0.4], 0.0)
    stage_max = inputs.stage_max_weight_g[inputs.assignment_stage[row_assign]]
    flags = _flags(w_end > stage_max * (1 + ROUNDING), tgc < -ROUNDING)

    return DailyStates(
        assignment=row_assign,
        day=row_day,
        population=pop_end,
        avg_weight_g=w_end,
        biomass_kg=biomass,
        temp_c=temp_c,
        mortality_count=deaths,
        feed_kg=feed_kg,
        growth_kg=growth,
        fcr=fcr,
        tgc=tgc,
        anchor_type=anchor,
        weight_source=w_source,
        weight_confidence=w_conf,
        temp_source=temp_source,
        temp_confidence=temp_conf,
        mortality_source=m_source,
        mortality_confidence=m_conf,
        feed_source=np.where(feed_events > 0, FEED_RECORDED, FEED_NONE),
        feed_confidence=np.where(feed_events > 0, 1.0, 0.5),
        flags=flags,
        findings=findings,
    )


def _per_row(inputs, events, kind, findings, rows_of, n_rows, *, weighed):
    """Fish and amount of one event kind summed onto the rows of their assignment-days."""
    keep = validation.check_day_events(inputs, events, kind, findings, weighed=weighed)
    rows = rows_of(events.assignment[keep], events.day[keep])
    return _sum_onto(n_rows, rows, events.count[keep]), _sum_onto(n_rows, rows, events.amount[keep])


def _sum_onto(n_rows: int, rows: IntArray, values: np.ndarray) -> np.ndarray:
    """``values`` summed per row (in input order), keeping integers integers."""
    total = np.bincount(rows, weights=values, minlength=n_rows)
    return total.astype(np.int64) if values.dtype.kind in "iu" else total


def _end_anchors(sample_fish, sample_g, weighing_fish, weighing_g, harvest_fish, harvest_kg):
    """The rows with a measured end-of-day weight, and a function giving those of rows lo..hi.

    Samples, weighings and harvests of one day combine into their fish-weighted mean.
    Computed once for the batch; each assignment then takes its slice by point
    (local day + 1).
    """
    rows = np.flatnonzero((sample_fish > 0) | (weighing_fish > 0) | (harvest_fish > 0))
    weighed = sample_fish[rows] + weighing_fish[rows]
    fish = weighed + harvest_fish[rows]
    grams = sample_g[rows] + weighing_g[rows] + harvest_kg[rows] * 1000.0
    confidence = np.where(harvest_fish[rows] > 0, 1.0, weight.sample_confidence(weighed))
    kind = np.where(sample_fish[rows] > 0, GROWTH_SAMPLE, WEIGHING)
    columns = (rows.tolist(), (grams / fish).tolist(), confidence.tolist(), kind.tolist())
    anchors = [weight.EndAnchor(w, c, k) for w, c, k in zip(*columns[1:], strict=True)]

    def of_rows(lo: int, hi: int) -> dict[int, weight.EndAnchor]:
        i, j = np.searchsorted(rows, (lo, hi))
        return {row - lo + 1: anchors[n] for n, row in enumerate(columns[0][i:j], start=i)}

    return of_rows


def _row_temperatures(inputs: BatchInputs, row_assign: IntArray, row_day: IntArray):
    """Temperature, its source and confidence on every row (from its container's days)."""
    scenario = inputs.scenario
    if scenario is not None:
        profile = temperature.profile_temperature(
            np.arange(1, inputs.n_days + 1), scenario.profile_day_number, scenario.profile_temp_c
        )
    else:
        profile = np.full(inputs.n_days, np.nan)
    temp = inputs.temperature
    valid = temp.count > 0 if len(temp.count) else np.ones(len(temp.day), dtype=bool)
    return temperature.row_temperature(
        inputs.assignment_container[row_assign],
        row_day,
        temp.container[valid],
        temp.day[valid],
        temp.value[valid],
        profile,
    )


def _processing_order(
    inputs: BatchInputs, use_transfer: np.ndarray, findings: list[Finding]
) -> list[int]:
    """Assignment positions with every transfer's source before its destination.

    Chronological (the input order) wherever the transfers allow. A transfer that would
    close a cycle is reported and left out.
    """
    n = inputs.n_assignments
    transfers = inputs.transfers
    edges: dict[int, list[int]] = defaultdict(list)
    indegree = [0] * n
    for t in np.flatnonzero(use_transfer):
        edges[int(transfers.source[t])].append(int(t))
        indegree[int(transfers.dest[t])] += 1
    ready = [a for a in range(n) if indegree[a] == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while True:
        while ready:
            a = heapq.heappop(ready)
            order.append(a)
            for t in edges.get(a, []):
                d = int(transfers.dest[t])
                indegree[d] -= 1
                if indegree[d] == 0:
                    heapq.heappush(ready, d)
        if len(order) == n:
            return order
        # A cycle: drop the incoming transfers of the earliest blocked assignment.
        blocked = min(a for a in range(n) if indegree[a] > 0)
        for t in np.flatnonzero(use_transfer & (transfers.dest == blocked)):
            if int(transfers.source[t]) not in order:
                use_transfer[t] = False
                edges[int(transfers.source[t])].remove(int(t))
                indegree[blocked] -= 1
                findings.append(
                    Finding(
                        "transfer_cycle",
                        f"transfer {int(transfers.id[t])} closes a cycle of transfers; ignored",
                        int(transfers.id[t]),
                        int(inputs.assignment_id[blocked]),
                        int(transfers.day[t]),
                    )
                )
        if indegree[blocked] == 0:
            heapq.heappush(ready, blocked)


def _flags(above_max: np.ndarray, negative_tgc: np.ndarray) -> IntArray:
    """Per-row findings as codes into ``FLAGS``."""
    return above_max.astype(np.int64) + 2 * negative_tgc.astype(np.int64)
