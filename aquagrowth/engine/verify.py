"""Check stored daily states: coverage, no doubled fish, no weight spikes, and accuracy.

Where the generator's ground truth exists, the engine's error is a number: the median
and 95th percentile of the relative error of weight, population and biomass, per stage.
The generator scores it (:mod:`aquagrowth.generator.accuracy`, beside its truth); this
module reads the engine's own states and hands them over. On every farm with harvests,
the harvest figures score each harvested pen's estimate made before its harvest
(:mod:`aquagrowth.engine.holdout`). :func:`figures` names them all as ``verify --json``
prints them, for this command and for the real-farm bench alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from aquagrowth.db.read import columns, fetch
from aquagrowth.engine import holdout
from aquagrowth.engine.core import smoother
from aquagrowth.engine.core.assimilate import assimilate
from aquagrowth.engine.core.outputs import DailyStates
from aquagrowth.engine.holdout import HarvestFigures
from aquagrowth.engine.load import LoadedBatch, load_batch
from aquagrowth.engine.models import AnchorType
from aquagrowth.farm.models import Batch
from aquagrowth.generator import accuracy
from aquagrowth.generator.accuracy import StageAccuracy

SPIKE_CUBE_ROOT_G = 0.1
"""A day's change of the cube root of a batch's mean weight (g^(1/3)) beyond which it is a
spike: TGC 5 at 20 degC, more than any salmon grows, yet small fry may gain 15 % a day."""


@dataclass
class Verification:
    batches: int = 0
    states: int = 0
    missing_days: list[str] = field(default_factory=list)
    population_increases: list[str] = field(default_factory=list)
    population_increases_explained: list[str] = field(default_factory=list)
    """Days the batch's fish rose because a count found fish the book had lost track of."""
    weight_spikes: list[str] = field(default_factory=list)
    accuracy: list[StageAccuracy] = field(default_factory=list)
    overall: StageAccuracy | None = None
    harvest: HarvestFigures = field(default_factory=lambda: HarvestFigures([]))
    """Each harvested pen's estimate before its harvest, against the harvest."""
    realtime: StageAccuracy | None = None
    """The weight each day from the records up to that day, against the truth."""

    @property
    def ok(self) -> bool:
        return not (self.missing_days or self.population_increases or self.weight_spikes)

    def as_json(self) -> dict:
        """Every key of ``verify --json`` (docs/engine.md, "Verification")."""
        return {
            "batches": self.batches,
            "states": self.states,
            "missing_days": self.missing_days,
            "population_increases": self.population_increases,
            "weight_spikes": self.weight_spikes,
            "population_increases_explained": self.population_increases_explained,
            "ok": self.ok,
            **figures(self.overall, self.accuracy, self.harvest, self.realtime),
        }


_STAGE_FIGURES = {
    "weight_error_median_pct": "weight_median_pct",
    "weight_error_p95_pct": "weight_p95_pct",
    "population_error_median_pct": "population_median_pct",
    "population_error_p95_pct": "population_p95_pct",
    "biomass_error_median_pct": "biomass_median_pct",
    "biomass_error_p95_pct": "biomass_p95_pct",
}
"""The daily error figures' keys, by the ``StageAccuracy`` field each reads."""


def figures(
    overall: StageAccuracy | None,
    stages: list[StageAccuracy],
    harvest: HarvestFigures,
    realtime: StageAccuracy | None = None,
) -> dict:
    """The accuracy figures by their ``verify --json`` keys: the daily errors against the
    truth (None without one), per stage with its rows, the band's coverage (None without
    a band), the real-time weight error (None without it), and the harvest figures (None
    without a harvested pen)."""
    daily = {
        key: None if overall is None else getattr(overall, f) for key, f in _STAGE_FIGURES.items()
    }
    daily["weight_band90_coverage_pct"] = overall and overall.weight_band90_coverage_pct
    daily["weight_realtime_error_median_pct"] = realtime and realtime.weight_median_pct
    daily["weight_realtime_error_p95_pct"] = realtime and realtime.weight_p95_pct
    by_stage = None
    if overall is not None:
        by_stage = {
            s.stage: {
                "rows": s.rows,
                **{key: getattr(s, f) for key, f in _STAGE_FIGURES.items()},
                "weight_band90_coverage_pct": s.weight_band90_coverage_pct,
            }
            for s in stages
        }
    return {
        **daily,
        "by_stage": by_stage,
        "harvest_pens": harvest.pens,
        "harvest_biomass_error_mean_abs_pct": harvest.biomass_error_mean_abs_pct,
        "harvest_pens_outside_3pct_share": harvest.outside_3pct_share,
        "harvest_population_error_mean_abs_pct": harvest.population_error_mean_abs_pct,
        "harvest_weight_error_mean_abs_pct": harvest.weight_error_mean_abs_pct,
    }


def verify(batch_ids: list[int] | None = None, *, end: dt.date | None = None) -> Verification:
    """Run every check over the given batches (default all).

    ``end`` is the last day the states were computed to (the recompute's ``--end``,
    default today): open assignments must have rows up to it.
    """
    today = end or dt.date.today()
    batches, params = "", []
    if batch_ids is not None:
        batches = f"batch_id IN ({', '.join(['%s'] * len(batch_ids))})"
        params = list(batch_ids)

    def states_of(alias: str) -> str:
        # Through the batches' assignments: the states' one index is (assignment, date).
        if not batches:
            return ""
        return f"WHERE {alias}assignment_id IN (SELECT id FROM farm_assignment WHERE {batches})"

    result = Verification()
    result.batches, result.states = fetch(
        f"SELECT COUNT(DISTINCT batch_id), COUNT(*) FROM farm_dailystate {states_of('')}", params
    )[0]
    _check_coverage(result, f"WHERE a.{batches}" if batches else "", params, today)
    _check_batch_series(result, states_of(""), params)
    _accuracy(result, states_of("s."), params)
    result.realtime = realtime_accuracy(batch_ids, end=end)
    result.harvest = holdout.farm_figures(batch_ids, end=end)
    return result


def realtime_accuracy(
    batch_ids: list[int] | None = None, *, end: dt.date | None = None
) -> StageAccuracy | None:
    """The weight error of each day's estimate from the records up to that day (the
    smoother's filter in the smoothed model; in the anchored model the curve from the
    last measured weight at the scenario's TGC): each batch computed in memory. None
    without a truth."""
    if not accuracy.has_truth():
        return None
    ids = batch_ids or list(Batch.objects.order_by("id").values_list("id", flat=True))
    parts = []
    for batch_id in ids:
        loaded = load_batch(batch_id, end=end)
        parts.append(estimates_in_memory(loaded, realtime_states(loaded)))
    if not parts:
        return None
    joined = accuracy.Estimates(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in _ESTIMATE_COLUMNS)
    )
    return accuracy.score(joined).overall


_ESTIMATE_COLUMNS = ("assignment_id", "date", "stage", "stage_order", "weight_g", "population")


def realtime_states(loaded: LoadedBatch, weight_model: str | None = None) -> DailyStates:
    """A batch's states with each day's weight as it stood that day (see
    :func:`realtime_accuracy`), by ``weight_model`` (default the farm's)."""
    if (weight_model or loaded.weight_model) == "smoothed":
        return assimilate(loaded.inputs, weight_model="smoothed", realtime=True)
    return assimilate(
        loaded.inputs,
        weight_model="smoothed",
        realtime=True,
        params=smoother.ANCHORED_REALTIME,
    )


def _check_coverage(result: Verification, where: str, params: list, today: dt.date) -> None:
    """Every assignment has a row for each of its days (up to today for open stays)."""
    rows = fetch(
        "SELECT a.id, b.number, c.name, a.assignment_date, a.departure_date, "
        "(SELECT COUNT(*) FROM farm_dailystate s WHERE s.assignment_id = a.id) "
        "FROM farm_assignment a JOIN farm_batch b ON b.id = a.batch_id "
        "JOIN farm_container c ON c.id = a.container_id " + where,
        params,
    )
    for assignment_id, number, container, first, departure, count in rows:
        last = departure - dt.timedelta(days=1) if departure else today
        expected = max((last - first).days + 1, 0)
        if count != expected:
            result.missing_days.append(
                f"batch {number} in {container} from {first} to {last}: {count} rows for "
                f"{expected} days (assignment {assignment_id})"
            )


def _check_batch_series(result: Verification, where: str, params: list) -> None:
    """Batch totals per day: fish never appear unless a count found them, and the mean
    weight never jumps."""
    rows = fetch(
        "SELECT batch_id, date, SUM(population), SUM(biomass_kg), "
        f"SUM(CASE WHEN anchor_type <> {AnchorType.NONE.value} THEN 1 ELSE 0 END), "
        "SUM(unexplained_fish) "
        f"FROM farm_dailystate {where} GROUP BY batch_id, date ORDER BY batch_id, date",
        params,
    )
    if not rows:
        return
    batch, _, population, biomass, anchors, unexplained = columns(
        rows, np.int64, object, np.float64, np.float64, np.int64, np.float64
    )
    same = batch[1:] == batch[:-1]
    rise = population[1:] - population[:-1]
    # A reconciled gain is a negative unexplained loss: a rise up to it is the count's.
    explained = -unexplained[1:] >= rise
    for i in np.flatnonzero(same & (rise > 0)):
        line = (
            f"batch {batch[i + 1]} on {rows[i + 1][1]}: {population[i]:,.0f} -> "
            f"{population[i + 1]:,.0f} fish"
        )
        if explained[i]:
            found = f"{-unexplained[i + 1]:,.0f} fish a count found beyond the book"
            result.population_increases_explained.append(f"{line} ({found})")
        else:
            result.population_increases.append(line)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_w = np.where(population > 0, biomass * 1000 / population, np.nan)
        step = np.abs(np.diff(np.cbrt(mean_w)))
    spike = same & (anchors[1:] == 0) & (step > SPIKE_CUBE_ROOT_G)
    for i in np.flatnonzero(spike):
        result.weight_spikes.append(
            f"batch {batch[i + 1]} on {rows[i + 1][1]}: mean weight {mean_w[i]:.2f} g -> "
            f"{mean_w[i + 1]:.2f} g without an anchor"
        )


def _accuracy(result: Verification, where: str, params: list) -> None:
    """The states' error against the generator's truth, where the farm has one."""
    if not accuracy.has_truth():
        return
    rows = fetch(
        'SELECT s.assignment_id, s.date, st.name, st."order", s.avg_weight_g, s.population, '
        "s.weight_low_g, s.weight_high_g "
        "FROM farm_dailystate s JOIN farm_lifecyclestage st ON st.id = s.stage_id " + where,
        params,
    )
    assignment_id, date, stage, order, weight_g, population, low, high = columns(
        rows, np.int64, object, str, np.int64, np.float64, np.int64, np.float64, np.float64
    )
    scored = accuracy.score(
        accuracy.Estimates(
            assignment_id=assignment_id,
            date=accuracy.as_days(date),
            stage=stage,
            stage_order=order,
            weight_g=weight_g,
            population=population,
            weight_low_g=low,
            weight_high_g=high,
        )
    )
    result.accuracy, result.overall = scored.stages, scored.overall


def estimates_in_memory(loaded: LoadedBatch, states: DailyStates) -> accuracy.Estimates:
    """A batch's rows computed in memory as estimates to score (as :func:`_accuracy`
    reads the stored ones): for the bench, which stores nothing."""
    inputs = loaded.inputs
    stage = inputs.assignment_stage[states.assignment]
    return accuracy.Estimates(
        assignment_id=inputs.assignment_id[states.assignment],
        date=np.datetime64(loaded.start_date, "D") + states.day,
        stage=np.asarray(inputs.stage_names, dtype=object)[stage],
        stage_order=stage,
        weight_g=np.asarray(states.avg_weight_g, dtype=np.float64),
        population=np.asarray(states.population, dtype=np.int64),
        weight_low_g=np.asarray(states.weight_low_g, dtype=np.float64),
        weight_high_g=np.asarray(states.weight_high_g, dtype=np.float64),
    )
