"""One batch's recorded events in, its actual daily states out.

The steps, each reading what the one before produced (docs/engine.md for every rule):

1. validate: the records to use and the findings, once (``validation``);
2. temperatures: every row's temperature, source and confidence (``temperature``);
3. the assignments, in an order where each transfer's source comes before its
   destination: each one's population walked day by day (expected deaths depend on the
   fish present; ``population``) and its weight curve planned (``weight``), so that a
   destination receives the fish its sources really gave at the weight they really had;
4. the weight curves' days filled for the whole batch at once (``weight.fill_curves``);
5. the rows assembled: biomass, growth, FCR (``feed``), sources, confidences, flags.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from aquagrowth.engine.core import feed, population, temperature, validation, weight
from aquagrowth.engine.core.growth import effective_temperature
from aquagrowth.engine.core.inputs import BatchInputs, FloatArray, IntArray
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
    checked = validation.validate(inputs)
    rows = Rows.of(inputs)
    events = RowEvents.of(checked, rows)
    temp = _row_temperatures(inputs, rows)
    walked = _BatchWalk(checked, rows, events, effective_temperature(temp.temp_c)).run()
    curves = weight.fill_curves(walked.plans, rows.offset, rows.assignment, rows.point)
    return _assemble(inputs, rows, events, temp, walked, curves, checked.findings)


@dataclass(frozen=True)
class Rows:
    """The rows of a batch: assignment by assignment (position order), then day by day.

    offset : per assignment, its first row; one more entry at the end, the row count
    assignment, day : per row, its assignment position and batch day
    first_day : per assignment, its first day
    """

    offset: IntArray
    assignment: IntArray
    day: IntArray
    first_day: IntArray

    @classmethod
    def of(cls, inputs: BatchInputs) -> Rows:
        first = inputs.assignment_first_day
        lengths = np.maximum(inputs.assignment_stop_day - first, 0)
        offset = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        assignment = np.repeat(np.arange(inputs.n_assignments), lengths)
        day = np.arange(int(offset[-1])) - offset[assignment] + first[assignment]
        return cls(offset, assignment, day, first)

    def __len__(self) -> int:
        return int(self.offset[-1])

    def at(self, assignment: IntArray, day: IntArray) -> IntArray:
        """The rows of (assignment position, batch day) pairs."""
        return self.offset[assignment] + day - self.first_day[assignment]

    @property
    def point(self) -> IntArray:
        """Per row, the point at the end of its day (local day + 1)."""
        return self.day - self.first_day[self.assignment] + 1


def _sum_onto(n_rows: int, rows: IntArray, values: np.ndarray) -> np.ndarray:
    """``values`` summed per row (in input order), keeping integers integers."""
    total = np.bincount(rows, weights=values, minlength=n_rows)
    return total.astype(np.int64) if values.dtype.kind in "iu" else total


@dataclass(frozen=True)
class RowEvents:
    """The records to use, summed onto the rows of their assignment and day.

    Fish in counts, samples' and weighings' weights as sums of the fish weighed (g),
    harvests in live kg, feed in kg with the number of feeding events behind it.
    """

    recorded_deaths: IntArray
    """Deaths recorded, ``population.NO_RECORD`` where nothing was recorded."""
    harvest_fish: IntArray
    harvest_kg: FloatArray
    sample_fish: IntArray
    sample_g: FloatArray
    weighing_fish: IntArray
    weighing_g: FloatArray
    feed_kg: FloatArray
    feed_events: IntArray

    @classmethod
    def of(cls, checked: validation.Checked, rows: Rows) -> RowEvents:
        inputs, n = checked.inputs, len(rows)

        def per_row(events) -> tuple[np.ndarray, np.ndarray]:
            at = rows.at(events.assignment, events.day)
            return _sum_onto(n, at, events.count), _sum_onto(n, at, events.amount)

        mortality = inputs.mortality
        deaths_at = rows.at(mortality.assignment, mortality.day)
        recorded_deaths = np.full(n, population.NO_RECORD, dtype=np.int64)
        recorded_deaths[deaths_at] = 0
        recorded_deaths += _sum_onto(n, deaths_at, mortality.count)
        harvest_fish, harvest_kg = per_row(inputs.harvests)
        sample_fish, sample_g = per_row(inputs.samples)
        weighing_fish, weighing_g = per_row(inputs.weighings)
        feed_at = rows.at(checked.feed_assignment, inputs.feed.day)
        return cls(
            recorded_deaths=recorded_deaths,
            harvest_fish=harvest_fish,
            harvest_kg=harvest_kg,
            sample_fish=sample_fish,
            sample_g=sample_g,
            weighing_fish=weighing_fish,
            weighing_g=weighing_g,
            feed_kg=_sum_onto(n, feed_at, inputs.feed.value),
            feed_events=_sum_onto(n, feed_at, np.maximum(inputs.feed.count, 1)),
        )

    def end_anchors(self):
        """The rows with a measured end-of-day weight, and a function giving those of rows
        lo..hi by point (local day + 1).

        Samples, weighings and harvests of one day combine into their fish-weighted mean.
        Computed once for the batch; each assignment then takes its slice.
        """
        rows = np.flatnonzero(
            (self.sample_fish > 0) | (self.weighing_fish > 0) | (self.harvest_fish > 0)
        )
        weighed = self.sample_fish[rows] + self.weighing_fish[rows]
        fish = weighed + self.harvest_fish[rows]
        grams = self.sample_g[rows] + self.weighing_g[rows] + self.harvest_kg[rows] * 1000.0
        harvested = self.harvest_fish[rows] > 0
        confidence = np.where(harvested, 1.0, weight.sample_confidence(weighed))
        kind = np.where(self.sample_fish[rows] > 0, GROWTH_SAMPLE, WEIGHING)
        row_list = rows.tolist()
        anchors = [
            weight.EndAnchor(w, c, k)
            for w, c, k in zip(
                (grams / fish).tolist(), confidence.tolist(), kind.tolist(), strict=True
            )
        ]

        def of_rows(lo: int, hi: int) -> dict[int, weight.EndAnchor]:
            i, j = np.searchsorted(rows, (lo, hi))
            return {row - lo + 1: anchors[n] for n, row in enumerate(row_list[i:j], start=i)}

        return of_rows


def _row_temperatures(inputs: BatchInputs, rows: Rows) -> temperature.RowTemperature:
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
        inputs.assignment_container[rows.assignment],
        rows.day,
        temp.container[valid],
        temp.day[valid],
        temp.value[valid],
        profile,
    )


@dataclass
class Walked:
    """What the walk over the assignments found, per row and per assignment.

    population, deaths : fish at the end of each row's day, and fish that died on it
    modelled : True where the deaths came from the scenario's rate
    plans : each assignment's weight plan, by position
    findings : counts clamped to the fish present, invalid mass balances
    """

    population: IntArray
    deaths: IntArray
    modelled: np.ndarray
    plans: dict[int, weight.WeightPlan]
    findings: list[Finding]


class _BatchWalk:
    """The assignments in processing order: each one's population walk and weight plan,
    then the fish it hands on to its destinations (placements there)."""

    def __init__(
        self, checked: validation.Checked, rows: Rows, events: RowEvents, effective_c: FloatArray
    ) -> None:
        self.inputs = inputs = checked.inputs
        self.checked, self.rows, self.events, self.effective_c = checked, rows, events, effective_c
        self.end_anchors = events.end_anchors()
        n_stages = len(inputs.stage_names)
        scenario = inputs.scenario
        self.tgc_by_stage = scenario.tgc_by_stage if scenario else np.full(n_stages, np.nan)
        self.rate_by_stage = (
            scenario.mortality_rate_by_stage if scenario else np.full(n_stages, np.nan)
        )
        transfers = inputs.transfers
        self.t_day, self.t_count = transfers.day.tolist(), transfers.count.tolist()
        self.t_dest, self.t_selection = transfers.dest.tolist(), transfers.selection.tolist()
        self.t_weight = transfers.measured_weight_g.tolist()
        self.outgoing_of: dict[int, list[int]] = defaultdict(list)
        for t, source in enumerate(transfers.source.tolist()):
            self.outgoing_of[source].append(t)
        self.placements_of: dict[int, dict[int, list[weight.Placement]]] = defaultdict(
            lambda: defaultdict(list)
        )
        n = len(rows)
        self.walked = Walked(
            population=np.zeros(n, dtype=np.int64),
            deaths=np.zeros(n, dtype=np.int64),
            modelled=np.zeros(n, dtype=bool),
            plans={},
            findings=[],
        )

    def run(self) -> Walked:
        offset = self.rows.offset
        for a in self.checked.order:
            lo, hi = int(offset[a]), int(offset[a + 1])
            if hi == lo:
                continue
            walk = self.walk_population(a, lo, hi)
            plan = self.walked.plans[a] = self.plan_weight(a, lo, hi, walk)
            self.hand_on(a, walk, plan)
            self.walked.population[lo:hi] = walk.end
            self.walked.deaths[lo:hi] = walk.deaths
            self.walked.modelled[lo:hi] = walk.modelled
        return self.walked

    def walk_population(self, a: int, lo: int, hi: int) -> population.PopulationWalk:
        """Assignment ``a``'s population through its rows ``lo`` .. ``hi - 1``."""
        inputs, day0 = self.inputs, int(self.rows.first_day[a])
        opening = (
            0 if self.checked.filled_by_transfer[a] else inputs.assignment_opening_population[a]
        )
        placed = np.zeros(hi - lo, dtype=np.int64)
        for local_day, group in self.placements_of[a].items():
            placed[local_day] = sum(p.fish for p in group)
        walk = population.walk_population(
            hi - lo,
            int(opening),
            placed,
            [(self.t_day[t] - day0, self.t_count[t]) for t in self.outgoing_of.get(a, [])],
            self.events.recorded_deaths[lo:hi],
            self.events.harvest_fish[lo:hi],
            float(self.rate_by_stage[inputs.assignment_stage[a]]),
        )
        assignment_id = int(inputs.assignment_id[a])
        for local_day, kind, requested, available in walk.clamped:
            self.walked.findings.append(
                Finding(
                    "count_clamped",
                    f"{kind} of {requested} fish from assignment {assignment_id} on "
                    f"{inputs.describe_day(day0 + local_day)} exceeds the {available} present; "
                    f"clamped to {available}",
                    assignment_id=assignment_id,
                    day=day0 + local_day,
                )
            )
        return walk

    def plan_weight(
        self, a: int, lo: int, hi: int, walk: population.PopulationWalk
    ) -> weight.WeightPlan:
        """Assignment ``a``'s weight plan, given its population walk."""
        inputs, day0 = self.inputs, int(self.rows.first_day[a])
        outgoing: dict[int, list[weight.Outgoing]] = defaultdict(list)
        for t, fish in zip(self.outgoing_of.get(a, []), walk.moved, strict=True):
            outgoing[self.t_day[t] - day0].append(
                weight.Outgoing(fish, self.t_weight[t], self.t_selection[t])
            )
        opening_g = math.nan
        if not self.checked.filled_by_transfer[a]:
            opening_g = float(inputs.assignment_opening_weight_g[a])
        plan = weight.weight_curve(
            hi - lo,
            np.concatenate(([0.0], np.cumsum(self.effective_c[lo:hi]))),
            opening_g,
            self.end_anchors(lo, hi),
            self.placements_of[a],
            outgoing,
            walk,
            float(self.tgc_by_stage[inputs.assignment_stage[a]]),
        )
        assignment_id = int(inputs.assignment_id[a])
        for local_day in plan.invalid_mass_balance:
            self.walked.findings.append(
                Finding(
                    "mass_balance_invalid",
                    f"assignment {assignment_id} on {inputs.describe_day(day0 + local_day)}: "
                    "the fish moved weigh more than all fish present; the weight is kept",
                    assignment_id=assignment_id,
                    day=day0 + local_day,
                )
            )
        return plan

    def hand_on(self, a: int, walk: population.PopulationWalk, plan: weight.WeightPlan) -> None:
        """Place the fish each transfer out of ``a`` moved into its destination, at the
        measured weight, else at the weight they left with."""
        day0, first_day = int(self.rows.first_day[a]), self.rows.first_day
        order_at_day: dict[int, int] = defaultdict(int)
        for t, fish in zip(self.outgoing_of.get(a, []), walk.moved, strict=True):
            local_day = self.t_day[t] - day0
            leaving_g = plan.leaving_g.get(local_day)
            if leaving_g is not None:
                w = leaving_g[order_at_day[local_day]]
            else:
                w = plan.before_out(local_day)
            order_at_day[local_day] += 1
            measured = self.t_weight[t]
            weighed = not math.isnan(measured)
            dest = self.t_dest[t]
            self.placements_of[dest][self.t_day[t] - int(first_day[dest])].append(
                weight.Placement(fish, measured if weighed else w, weighed)
            )


def _assemble(
    inputs: BatchInputs,
    rows: Rows,
    events: RowEvents,
    temp: temperature.RowTemperature,
    walked: Walked,
    curves: weight.FilledCurves,
    findings: list[Finding],
) -> DailyStates:
    """The rows of the batch from the columns the steps made."""
    fish, w_end = walked.population, curves.end_g
    growth = feed.growth_kg(fish, curves.start_g, w_end)
    m_source = np.where(
        events.recorded_deaths >= 0, RECORDED, np.where(walked.modelled, MODEL, MISSING)
    )
    stage_max = inputs.stage_max_weight_g[inputs.assignment_stage[rows.assignment]]
    fed = events.feed_events > 0
    return DailyStates(
        assignment=rows.assignment,
        day=rows.day,
        population=fish,
        avg_weight_g=w_end,
        biomass_kg=np.nan_to_num(fish * w_end / 1000.0, nan=0.0),
        temp_c=temp.temp_c,
        mortality_count=walked.deaths,
        feed_kg=events.feed_kg,
        growth_kg=growth,
        fcr=feed.trailing_fcr(events.feed_kg, growth, first_row=rows.offset[rows.assignment]),
        tgc=curves.tgc,
        anchor_type=curves.anchor_type,
        weight_source=curves.source,
        weight_confidence=curves.confidence,
        temp_source=temp.source,
        temp_confidence=temp.confidence,
        mortality_source=m_source,
        mortality_confidence=np.select([m_source == RECORDED, m_source == MODEL], [1.0, 0.4], 0.0),
        feed_source=np.where(fed, FEED_RECORDED, FEED_NONE),
        feed_confidence=np.where(fed, 1.0, 0.5),
        flags=_flags(w_end > stage_max * (1 + ROUNDING), curves.tgc < -ROUNDING),
        findings=findings + walked.findings,
    )


def _flags(above_max: np.ndarray, negative_tgc: np.ndarray) -> IntArray:
    """Per-row findings as codes into ``FLAGS``."""
    return above_max.astype(np.int64) + 2 * negative_tgc.astype(np.int64)
