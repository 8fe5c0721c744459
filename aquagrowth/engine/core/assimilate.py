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
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from aquagrowth.engine.core import (
    completeness,
    feed,
    smoother,
    stays,
    temperature,
    validation,
    weight,
)
from aquagrowth.engine.core.growth import effective_temperature
from aquagrowth.engine.core.inputs import (
    SELECTION_AVERAGE,
    BatchInputs,
    Counts,
    FloatArray,
    IntArray,
    Transfers,
)
from aquagrowth.engine.core.mortality import NO_RECORD
from aquagrowth.engine.core.outputs import ANCHOR_TYPES, DailyStates, Finding

GROWTH_SAMPLE = ANCHOR_TYPES.index("growth_sample")
WEIGHING = ANCHOR_TYPES.index("weighing")
WEIGHT_MODELS = ("anchored", "smoothed")
"""The farm setting ``weight_model`` (docs/settings.md): how a day's weight is estimated."""
ROUNDING = 1e-9
"""Flags ignore rounding: two equal anchors fit a TGC of 0 give or take a few units in the
last place, and a weight held at the stage's bound may come back a hair above it."""


def assimilate(
    inputs: BatchInputs,
    rules: str = "reconciled",
    weight_model: str = "anchored",
    *,
    realtime: bool = False,
    params: smoother.SmootherParams | None = None,
) -> DailyStates:
    """Compute the daily states of one batch (see docs/engine.md for every rule).

    ``rules``: ``"reconciled"`` (counts, late records, history) or ``"book"`` (the
    population rules before counts, the yardstick of the benchmark); see ``stays``.
    ``weight_model``: ``"anchored"`` (through every measured weight) or ``"smoothed"``
    (the state-space smoother, with a 90 % band). ``realtime`` (smoothed model only):
    each day's weight from the records up to that day (the filter), what a manager saw
    then, for the accuracy figures; ``params`` overrides the farm's smoother parameters
    (``smoother.ANCHORED_REALTIME`` gives the anchored curve as it stood each day).
    """
    if rules not in stays.RULES:
        raise ValueError(f"rules must be one of {stays.RULES}, not {rules!r}")
    if weight_model not in WEIGHT_MODELS:
        raise ValueError(f"weight_model must be one of {WEIGHT_MODELS}, not {weight_model!r}")
    if params is None:
        params = inputs.smoother_params or smoother.SmootherParams()
    if rules == "book":
        # The rules before counts know no counts, history or departures.
        inputs = replace(inputs, counts=Counts(), hidden_loss_rate_by_stage=None)
    checked = validation.validate(inputs)
    rows = Rows.of(inputs)
    events = RowEvents.of(checked, rows)
    temp = row_temperatures(inputs, rows)
    effective = effective_temperature(temp.temp_c)
    smoothing = _Smoothing(params, realtime) if weight_model == "smoothed" else None
    walked = _BatchWalk(checked, rows, events, effective, rules, smoothing).run()
    curves = weight.fill_curves(walked.plans, rows.offset, rows.assignment, rows.point)
    days = None
    if smoothing is not None:
        days = smoother.fill_days(walked.chains, rows.offset)
    return _assemble(checked, rows, events, temp, walked, curves, rules, days, realtime)


def innovation_loglik(inputs: BatchInputs, params: smoother.SmootherParams) -> tuple[float, int]:
    """The log-likelihood of a batch's measured weights under the smoothed model with
    ``params`` (each given the records before it), and the observations it counts: the
    drift's maximum-likelihood fit (``weight_fit``) sums it over a farm's batches."""
    chains = _filtered_walk(inputs, params).walked.chains.values()
    return sum(c.loglik for c in chains), sum(c.observations for c in chains)


def unsampled_innovations(
    inputs: BatchInputs, params: smoother.SmootherParams
) -> list[tuple[float, float]]:
    """The first measurement after each stay of an unsampled stage (``params.
    unsampled_stages``): the innovation and predicted variance of the first observation of
    every stay whose weight until then rests on such a stage's TGC prior (the stay
    itself, or one its fish were placed into unweighed before any measurement).
    ``weight_fit.calibrated_cv`` sizes those stages' TGC prior on them."""
    walk = _filtered_walk(inputs, params)
    return [
        chain.first_innovation
        for a, chain in walk.walked.chains.items()
        if a in walk.on_unsampled_prior and chain.first_innovation is not None
    ]


def _filtered_walk(inputs: BatchInputs, params: smoother.SmootherParams) -> _BatchWalk:
    checked = validation.validate(inputs)
    rows = Rows.of(checked.inputs)
    events = RowEvents.of(checked, rows)
    effective = effective_temperature(row_temperatures(inputs, rows).temp_c)
    walk = _BatchWalk(
        checked, rows, events, effective, "reconciled", _Smoothing(params, realtime=False)
    )
    walk.run()
    return walk


@dataclass(frozen=True)
class _Smoothing:
    """The smoothed model's parameters, and which estimate the rows and transfers take."""

    params: smoother.SmootherParams
    realtime: bool

    @property
    def sample_cv(self) -> float:
        return 0.0 if self.params.exact_measurements else self.params.sample_cv

    def relative_var(self, cv: float) -> float:
        return 0.0 if self.params.exact_measurements else cv * cv


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
    """Deaths recorded, ``mortality.NO_RECORD`` where nothing was recorded."""
    harvest_fish: IntArray
    harvest_kg: FloatArray
    harvest_id: IntArray
    """The id of each row's first harvest record, -1 where none (findings name it)."""
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
        recorded_deaths = np.full(n, NO_RECORD, dtype=np.int64)
        recorded_deaths[deaths_at] = 0
        recorded_deaths += _sum_onto(n, deaths_at, mortality.count)
        harvest_fish, harvest_kg = per_row(inputs.harvests)
        harvest_id = np.full(n, -1, dtype=np.int64)
        if len(inputs.harvests.first_id):
            harvest_id[rows.at(inputs.harvests.assignment, inputs.harvests.day)] = (
                inputs.harvests.first_id
            )
        sample_fish, sample_g = per_row(inputs.samples)
        weighing_fish, weighing_g = per_row(inputs.weighings)
        feed_at = rows.at(checked.feed_assignment, inputs.feed.day)
        return cls(
            recorded_deaths=recorded_deaths,
            harvest_fish=harvest_fish,
            harvest_kg=harvest_kg,
            harvest_id=harvest_id,
            sample_fish=sample_fish,
            sample_g=sample_g,
            weighing_fish=weighing_fish,
            weighing_g=weighing_g,
            feed_kg=_sum_onto(n, feed_at, inputs.feed.value),
            feed_events=_sum_onto(n, feed_at, np.maximum(inputs.feed.count, 1)),
        )

    def measured_sq(self, rows: IntArray) -> FloatArray:
        """Per row of ``rows``: ``sum_j N_j w_j^2`` (g^2) over its measured means (the
        day's samples as one mean of their fish, its weighings, its harvests), so that
        ``CV^2 measured_sq / N^2`` is the variance of the day's fish-weighted mean: the
        mean of ``N_j`` fish of a pen whose fish weights vary by ``CV``.

        A sample's own SD does not enter (docs/engine.md, the smoother's observations):
        30 fish give an SD uncertain by 13 %, and weighting each sample by its own SD
        lets a sample whose SD came out small by chance (with right-skewed fish weights,
        a sample that missed the big fish, so also light) count for more than it knows.
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            return (
                np.nan_to_num(self.sample_g[rows] ** 2 / self.sample_fish[rows])
                + np.nan_to_num(self.weighing_g[rows] ** 2 / self.weighing_fish[rows])
                + np.nan_to_num((self.harvest_kg[rows] * 1000.0) ** 2 / self.harvest_fish[rows])
            )

    def end_anchors(self, sample_cv: float = 0.0):
        """The rows with a measured end-of-day weight, and a function giving those of rows
        lo..hi by point (local day + 1).

        Samples, weighings and harvests of one day combine into their fish-weighted mean,
        whose variance is ``sample_cv^2 sum(N_j w_j^2) / N^2`` (:meth:`measured_sq`;
        docs/engine.md, the smoother). Computed once for the batch; each assignment then
        takes its slice.
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
        variance = sample_cv**2 * self.measured_sq(rows) / fish.astype(float) ** 2
        row_list = rows.tolist()
        anchors = [
            weight.EndAnchor(w, c, k, v)
            for w, c, k, v in zip(
                (grams / fish).tolist(),
                confidence.tolist(),
                kind.tolist(),
                variance.tolist(),
                strict=True,
            )
        ]

        def of_rows(lo: int, hi: int) -> dict[int, weight.EndAnchor]:
            i, j = np.searchsorted(rows, (lo, hi))
            return {row - lo + 1: anchors[n] for n, row in enumerate(row_list[i:j], start=i)}

        return of_rows


def row_temperatures(inputs: BatchInputs, rows: Rows) -> temperature.RowTemperature:
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

    population, deaths, mortality_source, unexplained, variance, source : per row, the
        fish at the end of its day and what the stays' walks said of it
    stays : each assignment's population walk, by position
    plans : each assignment's weight plan, by position
    chains : each assignment's smoothed weight (the smoothed model only), by position
    findings : what the walks found (counts clamped or refused, reconciliations,
        invalid mass balances)
    """

    population: IntArray
    deaths: IntArray
    mortality_source: IntArray
    unexplained: IntArray
    variance: FloatArray
    source: IntArray
    stays: dict[int, stays.StayPopulation]
    plans: dict[int, weight.WeightPlan]
    findings: list[Finding]
    chains: dict[int, smoother.StayChain]

    @classmethod
    def empty(cls, n: int) -> Walked:
        ints = lambda: np.zeros(n, dtype=np.int64)  # noqa: E731
        return cls(ints(), ints(), ints(), ints(), np.zeros(n), ints(), {}, {}, [], {})

    def keep(self, lo: int, hi: int, stay: stays.StayPopulation) -> None:
        """Store one stay's walk in its rows ``lo`` .. ``hi - 1``."""
        self.population[lo:hi] = stay.end
        self.deaths[lo:hi] = stay.deaths
        self.mortality_source[lo:hi] = stay.mortality_source
        self.unexplained[lo:hi] = stay.unexplained
        self.variance[lo:hi] = stay.variance
        self.source[lo:hi] = stay.source
        self.findings += stay.findings


class _BatchWalk:
    """The assignments in processing order: each one's population walk and weight plan,
    then the fish it hands on to its destinations (placements there)."""

    def __init__(
        self,
        checked: validation.Checked,
        rows: Rows,
        events: RowEvents,
        effective_c: FloatArray,
        rules: str,
        smoothing: _Smoothing | None = None,
    ) -> None:
        self.inputs = inputs = checked.inputs
        self.checked, self.rows, self.events, self.effective_c = checked, rows, events, effective_c
        self.rules = rules
        self.smoothing = smoothing
        self.end_anchors = events.end_anchors(smoothing.sample_cv if smoothing else 0.0)
        self.smooth_placements_of: dict[int, dict[int, list[tuple]]] = defaultdict(
            lambda: defaultdict(list)
        )
        n_stages = len(inputs.stage_names)
        scenario = inputs.scenario
        self.tgc_by_stage = scenario.tgc_by_stage if scenario else np.full(n_stages, np.nan)
        self.rate_by_stage = (
            scenario.mortality_rate_by_stage if scenario else np.full(n_stages, np.nan)
        )
        self.departed = inputs.departed
        beyond = checked.leaving_beyond if rules == "reconciled" else Transfers()
        self.outgoing_of = _outgoing(inputs.transfers, beyond)
        self.placements_of: dict[int, dict[int, list[weight.Placement]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.walked = Walked.empty(len(rows))
        self.on_unsampled_prior: set[int] = set()
        """Stays whose weight, until their first measurement, rests on an unsampled
        stage's TGC prior (smoothed model only)."""

    def run(self) -> Walked:
        offset = self.rows.offset
        for a in self.checked.order:
            lo, hi = int(offset[a]), int(offset[a + 1])
            if hi == lo:
                continue
            stay = self.walked.stays[a] = stays.walk(
                self.inputs, self.stay_input(a, lo, hi), self.rules
            )
            plan = self.walked.plans[a] = self.plan_weight(a, lo, hi, stay)
            self.hand_on(a, stay, plan)
            self.walked.keep(lo, hi, stay)
        return self.walked

    def stay_input(self, a: int, lo: int, hi: int) -> stays.StayInput:
        """Assignment ``a``'s records on its rows ``lo`` .. ``hi - 1`` (local days)."""
        inputs, day0 = self.inputs, int(self.rows.first_day[a])
        opening = (
            0 if self.checked.filled_by_transfer[a] else inputs.assignment_opening_population[a]
        )
        placed = np.zeros(hi - lo, dtype=np.int64)
        placed_variance = np.zeros(hi - lo)
        for local_day, group in self.placements_of[a].items():
            placed[local_day] = sum(p.fish for p in group)
            placed_variance[local_day] = sum(stays.placement_variance(p.fish) for p in group)
        stage = int(inputs.assignment_stage[a])
        moves = self.outgoing_of.get(a, [])
        outgoing = [(move.day - day0, move.count) for move in moves]
        # A stay whose fish leave by transfers on its stop day departs, whatever it says.
        departs = bool(self.departed[a]) or any(day == hi - lo for day, _ in outgoing)
        return stays.StayInput(
            position=a,
            first_day=day0,
            n_days=hi - lo,
            opening=int(opening),
            placed=placed,
            placed_variance=placed_variance,
            outgoing=outgoing,
            outgoing_ids=[move.id for move in moves],
            recorded=self.events.recorded_deaths[lo:hi],
            harvested=self.events.harvest_fish[lo:hi],
            harvest_ids=self.events.harvest_id[lo:hi],
            counts=stays.stay_counts(inputs.counts, a, day0),
            departed=departs,
            mortality_rate=float(self.rate_by_stage[stage]),
            hidden_loss_rate=stays.hidden_loss_rate(inputs, stage),
        )

    def plan_weight(
        self, a: int, lo: int, hi: int, stay: stays.StayPopulation
    ) -> weight.WeightPlan:
        """Assignment ``a``'s weight plan, given its population walk."""
        inputs, day0 = self.inputs, int(self.rows.first_day[a])
        outgoing: dict[int, list[weight.Outgoing]] = defaultdict(list)
        for move, fish in zip(self.outgoing_of.get(a, []), stay.moved, strict=True):
            outgoing[move.day - day0].append(weight.Outgoing(fish, move.weight_g, move.selection))
        opening_g = math.nan
        if not self.checked.filled_by_transfer[a]:
            opening_g = float(inputs.assignment_opening_weight_g[a])
        cumulative = np.concatenate(([0.0], np.cumsum(self.effective_c[lo:hi])))
        anchors = self.end_anchors(lo, hi)
        scenario_tgc = float(self.tgc_by_stage[inputs.assignment_stage[a]])
        plan = weight.weight_curve(
            hi - lo,
            cumulative,
            opening_g,
            anchors,
            self.placements_of[a],
            outgoing,
            stay,
            scenario_tgc,
        )
        if self.smoothing is not None:
            self.walked.chains[a] = self.smooth(
                a, cumulative, opening_g, anchors, outgoing, stay, scenario_tgc
            )
        for local_day in plan.invalid_mass_balance:
            self.walked.findings.append(
                Finding(
                    "mass_balance_invalid",
                    f"{inputs.describe_stay(a)} on {inputs.describe_day(day0 + local_day)}: "
                    "the fish moved weigh more than all fish present; the weight is kept",
                    assignment_id=int(inputs.assignment_id[a]),
                    day=day0 + local_day,
                )
            )
        return plan

    def smooth(
        self,
        a: int,
        cumulative: FloatArray,
        opening_g: float,
        anchors: dict[int, weight.EndAnchor],
        outgoing: dict[int, list[weight.Outgoing]],
        stay: stays.StayPopulation,
        scenario_tgc: float,
    ) -> smoother.StayChain:
        """Assignment ``a``'s weight filtered and smoothed (docs/engine.md, the smoother):
        its records as actions in the order they apply."""
        smoothing = self.smoothing
        n_days = len(cumulative) - 1
        g = 0.0 if math.isnan(scenario_tgc) else scenario_tgc / 1000.0
        stage_name = self.inputs.stage_names[self.inputs.assignment_stage[a]]
        params = smoothing.params.in_stage(stage_name)
        if stage_name in params.unsampled_stages:
            self.on_unsampled_prior.add(a)
        var_g = (params.tgc_cv(stage_name) * g) ** 2
        prior = smoother.UNKNOWN._replace(g=g, pgg=var_g)
        if not math.isnan(opening_g) and opening_g > 0:
            var_w = smoothing.relative_var(params.opening_weight_cv) * opening_g**2
            u = math.cbrt(opening_g)
            prior = smoother.Gauss(u, g, float(smoother.root_variance(opening_g, var_w)), 0, var_g)
        placed = self.smooth_placements_of[a]
        points = sorted({*anchors, *(p for p in placed if p < n_days), *outgoing})
        actions: list = []
        key = 0
        transfer_var = smoothing.relative_var(smoothing.params.transfer_weight_cv)
        for p in points:
            anchor = anchors.get(p)
            if anchor is not None:
                actions.append(smoother.Observe(p, anchor.weight_g, anchor.weight_var))
            if p in placed and p < n_days:
                present = int(stay.start_before_placement[p])
                actions.append(smoother.Mix(p, present, tuple(placed[p])))
            outs = outgoing.get(p, ())
            if outs:
                population = int(stay.start_after_placement[p]) if p < n_days else int(stay.end[-1])
                for out in outs:
                    actions.append(smoother.Leave(p, key))
                    key += 1
                    w_m = out.measured_weight_g
                    if out.fish > 0 and not math.isnan(w_m):
                        if out.selection == SELECTION_AVERAGE:
                            actions.append(smoother.Observe(p, w_m, transfer_var * w_m * w_m))
                        elif population > out.fish:
                            actions.append(
                                smoother.MassBalance(
                                    p, population, out.fish, w_m, transfer_var * w_m * w_m
                                )
                            )
                    population -= out.fish
        return smoother.smooth_stay(cumulative, prior, actions, params)

    def hand_on(self, a: int, stay: stays.StayPopulation, plan: weight.WeightPlan) -> None:
        """Place the fish each transfer out of ``a`` moved into its destination, at the
        measured weight, else at the weight they left with."""
        day0, first_day = int(self.rows.first_day[a]), self.rows.first_day
        order_at_day: dict[int, int] = defaultdict(int)
        chain = self.walked.chains.get(a)
        for key, (move, fish) in enumerate(
            zip(self.outgoing_of.get(a, []), stay.moved, strict=True)
        ):
            local_day = move.day - day0
            leaving_g = plan.leaving_g.get(local_day)
            if leaving_g is not None:
                w = leaving_g[order_at_day[local_day]]
            else:
                w = plan.before_out(local_day)
            order_at_day[local_day] += 1
            weighed = not math.isnan(move.weight_g)
            if move.beyond:
                continue  # its destination has no computed day
            dest_day = move.day - int(first_day[move.dest])
            if chain is not None:
                w = self.smooth_hand_on(a, move, fish, chain.leaving[key], dest_day)
            self.placements_of[move.dest][dest_day].append(
                weight.Placement(fish, move.weight_g if weighed else w, weighed)
            )

    def smooth_hand_on(self, a: int, move, fish: int, left: tuple, dest_day: int) -> float:
        """Place the fish of ``move`` into its destination's smoother: at the measured
        weight (with its precision) or at the source's estimate and its variance, with
        the source's TGC when both stays are of one stage. Returns the weight (g)."""
        smoothed, filtered = left
        x = filtered if self.smoothing.realtime else smoothed
        inputs = self.inputs
        same_stage = inputs.assignment_stage[a] == inputs.assignment_stage[move.dest]
        if not math.isnan(move.weight_g):
            w = move.weight_g
            var_w = self.smoothing.relative_var(self.smoothing.params.transfer_weight_cv) * w * w
        elif x.known:
            w, var_w = x.weight_g(), x.weight_var()
            if a in self.on_unsampled_prior and not self.walked.chains[a].observations:
                self.on_unsampled_prior.add(move.dest)
        else:
            w, var_w = math.nan, math.nan
        g, var_g = (x.g, x.pgg) if same_stage and x.known else (math.nan, math.nan)
        self.smooth_placements_of[move.dest][dest_day].append((fish, w, var_w, g, var_g))
        return w


class _Move(NamedTuple):
    """A transfer out of an assignment, as the walk reads it."""

    day: int
    count: int
    dest: int
    weight_g: float
    selection: int
    beyond: bool
    """On the day after the computed days: it only measures the emptied pen."""
    id: int


def _outgoing(transfers, beyond) -> dict[int, list[_Move]]:
    """Each source's transfers out, in id order (those beyond the computed days last)."""
    outgoing: dict[int, list[_Move]] = defaultdict(list)
    for table, is_beyond in ((transfers, False), (beyond, True)):
        for source, day, count, dest, w, selection, transfer_id in zip(
            table.source.tolist(),
            table.day.tolist(),
            table.count.tolist(),
            table.dest.tolist(),
            table.measured_weight_g.tolist(),
            table.selection.tolist(),
            table.id.tolist(),
            strict=True,
        ):
            outgoing[source].append(_Move(day, count, dest, w, selection, is_beyond, transfer_id))
    return outgoing


def _assemble(
    checked: validation.Checked,
    rows: Rows,
    events: RowEvents,
    temp: temperature.RowTemperature,
    walked: Walked,
    curves: weight.FilledCurves,
    rules: str,
    days: smoother.SmoothedDays | None = None,
    realtime: bool = False,
) -> DailyStates:
    """The rows of the batch from the columns the steps made."""
    inputs = checked.inputs
    fish, w_end, w_start, tgc = walked.population, curves.end_g, curves.start_g, curves.tgc
    band = _Band.none(len(rows))
    source = curves.source
    if days is not None:
        w_end, w_start, tgc = _smoothed_weights(days, rows, realtime)
        band = _Band.of(days, fish, walked.variance, realtime)
        source = np.where(np.isnan(w_end), weight.WEIGHT_SOURCES.index("missing"), source)
    growth = feed.growth_kg(fish, w_start, w_end)
    recorded = events.feed_events > 0
    if rules == "book":
        fed = completeness.feed_as_before(events.feed_kg, recorded)
    else:
        fed = completeness.feed_states(rows.offset, events.feed_kg, recorded)
    stage_max = inputs.stage_max_weight_g[inputs.assignment_stage[rows.assignment]]
    known = completeness.through(inputs, rows, events, temp.source)
    return DailyStates(
        assignment=rows.assignment,
        day=rows.day,
        population=fish,
        avg_weight_g=w_end,
        biomass_kg=np.nan_to_num(fish * w_end / 1000.0, nan=0.0),
        temp_c=temp.temp_c,
        mortality_count=walked.deaths,
        feed_kg=fed.feed_kg,
        growth_kg=growth,
        fcr=feed.trailing_fcr(
            fed.feed_kg,
            growth,
            first_row=rows.offset[rows.assignment],
            recorded=fed.recorded,
            min_recorded=feed.MIN_RECORDED_DAYS if rules == "reconciled" else 0,
        ),
        tgc=tgc,
        anchor_type=curves.anchor_type,
        weight_source=source,
        weight_confidence=curves.confidence,
        temp_source=temp.source,
        temp_confidence=temp.confidence,
        mortality_source=walked.mortality_source,
        mortality_confidence=completeness.MORTALITY_CONFIDENCE[walked.mortality_source],
        feed_source=fed.source,
        feed_confidence=fed.confidence,
        flags=_flags(w_end > stage_max * (1 + ROUNDING), tgc < -ROUNDING),
        population_source=walked.source,
        population_variance=walked.variance,
        population_confidence=completeness.population_confidence(fish, walked.variance),
        unexplained_fish=walked.unexplained,
        estimated=(
            completeness.estimated(rows, walked.source, fed.source, temp.source, known)
            if rules == "reconciled"
            else np.zeros(len(rows), dtype=np.int64)
        ),
        weight_low_g=band.weight_low_g,
        weight_high_g=band.weight_high_g,
        biomass_low_kg=band.biomass_low_kg,
        biomass_high_kg=band.biomass_high_kg,
        findings=checked.findings + walked.findings,
        stays=completeness.summaries(inputs, rows, walked, known)
        if rules == "reconciled"
        else None,
    )


def _smoothed_weights(
    days: smoother.SmoothedDays, rows: Rows, realtime: bool
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Each row's end- and start-of-day weight (g) and TGC in the smoothed model (the
    filter's end-of-day weight in real time, the day before's as the start)."""
    w_end = days.weight_g(realtime)
    if realtime:
        w_start = np.empty_like(w_end)
        w_start[1:] = w_end[:-1]
        first = rows.offset[:-1][np.diff(rows.offset) > 0]
        w_start[first] = w_end[first]
    else:
        w_start = np.where(days.u_start > 0, days.u_start, 0.0) ** 3
    return w_end, w_start, days.g * 1000.0


@dataclass(frozen=True)
class _Band:
    """The 90 % bands of weight (g) and biomass (kg); NaN in the anchored model."""

    weight_low_g: FloatArray
    weight_high_g: FloatArray
    biomass_low_kg: FloatArray
    biomass_high_kg: FloatArray

    @classmethod
    def none(cls, n: int) -> _Band:
        return cls(*(np.full(n, np.nan) for _ in range(4)))

    @classmethod
    def of(
        cls, days: smoother.SmoothedDays, fish: IntArray, fish_var: FloatArray, realtime: bool
    ) -> _Band:
        """Weight from the smoother; biomass ``N W`` with ``var = W^2 var(N) + N^2 var(W) +
        var(N) var(W)`` (independent errors), never below 0."""
        low, high = days.band_g(realtime)
        w = days.weight_g(realtime)
        u, var_u = (days.u_filtered, days.var_filtered) if realtime else (days.u, days.var_u)
        var_w = (3.0 * u * u) ** 2 * np.maximum(var_u, 0.0)
        n = fish.astype(np.float64)
        var_n = np.maximum(fish_var, 0.0)
        sd_b = np.sqrt(w * w * var_n + n * n * var_w + var_n * var_w) / 1000.0
        biomass = n * w / 1000.0
        return cls(
            low,
            high,
            np.maximum(biomass - smoother.Z90 * sd_b, 0.0),
            biomass + smoother.Z90 * sd_b,
        )


def _flags(above_max: np.ndarray, negative_tgc: np.ndarray) -> IntArray:
    """Per-row findings as codes into ``FLAGS``."""
    return above_max.astype(np.int64) + 2 * negative_tgc.astype(np.int64)
