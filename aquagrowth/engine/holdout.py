"""The industry's yardstick: each harvested pen's estimate on its harvest day, made from
the records before the harvest, against the harvest's own count and weight.

Published figures of stock estimates at harvest (``../shared/spec/REAL_FARM.md``) score
the farm's number, mean weight and biomass of a pen on its harvest day, estimated before
the harvest, against what the slaughterhouse counted and weighed. The stored rows cannot
be scored that way: they know the harvest (its exact count reconciles the pen, its
weight anchors the curve), so they would score the harvest against itself. So, for each
harvested pen, its batch is computed again in memory through the harvest day without
that pen's harvest and without any record dated after the harvest day, with the farm's
history learned only from pens a harvest closed before that day, and the pen's row of
the harvest day (its fish at the end of the day, as no harvest took them) is compared
with the harvest (docs/engine.md, "Verification").

No ground truth is needed: a real farm's harvests are its truth.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, fields, replace

import numpy as np

from aquagrowth.engine.core.assimilate import assimilate
from aquagrowth.engine.core.inputs import COUNT_METHODS, BatchInputs, FloatArray
from aquagrowth.engine.history import ClosedStays, read_closed_stays
from aquagrowth.engine.load import LoadedBatch, load_batch
from aquagrowth.farm.models import Harvest

HARVEST_COUNT = COUNT_METHODS.index("harvest")
OUTSIDE_PCT = 3.0
"""A pen's biomass estimate "outside" when it misses the harvest by more than this (%):
the band the published figures count pens outside of."""


@dataclass(frozen=True)
class HarvestedPen:
    """A stay whose harvests took its fish: scored on its first harvest day (a batch day)
    against the sum of all its harvests."""

    position: int
    day: int
    fish: int
    live_kg: float


@dataclass(frozen=True)
class PenScore:
    """One harvested pen's estimate against its harvest; errors signed, in %
    (``estimate / harvest - 1``). The weight and biomass errors are NaN where either side
    has no weight (a harvest of 0 kg), and a NaN is left out of every figure."""

    batch: str
    assignment_id: int
    container: str
    date: str
    harvested_fish: int
    harvested_weight_g: float
    estimated_fish: int
    estimated_weight_g: float

    @property
    def population_error_pct(self) -> float:
        return (self.estimated_fish / self.harvested_fish - 1) * 100

    @property
    def weight_error_pct(self) -> float:
        return (self.estimated_weight_g / self.harvested_weight_g - 1) * 100

    @property
    def biomass_error_pct(self) -> float:
        estimated = self.estimated_fish * self.estimated_weight_g
        return (estimated / (self.harvested_fish * self.harvested_weight_g) - 1) * 100


@dataclass(frozen=True)
class HarvestFigures:
    """The scored pens and their summary; every figure None without a scored pen."""

    scores: list[PenScore]

    @property
    def pens(self) -> int:
        return len(self.scores)

    def _mean_abs(self, error: str) -> float | None:
        values = np.abs([getattr(s, error) for s in self.scores], dtype=np.float64)
        values = values[~np.isnan(values)]
        return float(values.mean()) if values.size else None

    @property
    def biomass_error_mean_abs_pct(self) -> float | None:
        return self._mean_abs("biomass_error_pct")

    @property
    def population_error_mean_abs_pct(self) -> float | None:
        return self._mean_abs("population_error_pct")

    @property
    def weight_error_mean_abs_pct(self) -> float | None:
        return self._mean_abs("weight_error_pct")

    @property
    def outside_3pct_share(self) -> float | None:
        """Share of the pens whose biomass estimate missed by more than 3 %."""
        errors = np.array([s.biomass_error_pct for s in self.scores], dtype=np.float64)
        errors = errors[~np.isnan(errors)]
        return float(np.mean(np.abs(errors) > OUTSIDE_PCT)) if errors.size else None


def harvested_pens(inputs: BatchInputs) -> list[HarvestedPen]:
    """The batch's stays whose harvests took their fish, in position order.

    A stay with harvest records within its computed days, scored on its first harvest day
    against the sum of its harvests' fish and live kg. Left out: a stay whose fish also
    left by transfer on or after that day (its harvests do not count the pen), and
    harvests of no fish (nothing to weigh).
    """
    harvests = inputs.harvests
    pens = []
    for a in np.unique(harvests.assignment[harvests.assignment >= 0]).tolist():
        mine = harvests.assignment == a
        first = int(harvests.day[mine].min())
        fish = int(harvests.count[mine].sum())
        in_days = inputs.assignment_first_day[a] <= first < inputs.assignment_stop_day[a]
        moved_on = inputs.transfers.day[inputs.transfers.source == a] >= first
        if in_days and fish > 0 and not moved_on.any():
            pens.append(HarvestedPen(a, first, fish, float(harvests.amount[mine].sum())))
    return pens


def _where(table, keep: np.ndarray):
    """The rows of a table of equal-length columns where ``keep`` holds (columns left
    empty stay empty)."""
    n = len(keep)
    return replace(
        table,
        **{f.name: c[keep] for f in fields(table) if len(c := getattr(table, f.name)) == n},
    )


def held_out(
    inputs: BatchInputs, pen: HarvestedPen, hidden_loss_rate_by_stage: FloatArray | None
) -> BatchInputs:
    """The batch as the farm knew it on ``pen``'s harvest day, before that harvest.

    The days end with the harvest day; every record dated after it goes, and so do the
    pen's harvests and its harvest counts of that day; a stay departing after the harvest
    day is still there (its departure is not known yet, and a departure would empty the
    pen). The history is the one given (learned before the harvest day).
    """
    last = pen.day
    harvests = inputs.harvests
    counts = inputs.counts
    pen_harvest_count = (
        (counts.assignment == pen.position)
        & (counts.day == last)
        & (counts.method == HARVEST_COUNT)
    )
    return replace(
        inputs,
        n_days=last + 1,
        assignment_stop_day=np.minimum(inputs.assignment_stop_day, last + 1),
        assignment_departed=inputs.departed & (inputs.assignment_stop_day <= last),
        transfers=_where(inputs.transfers, inputs.transfers.day <= last),
        mortality=_where(inputs.mortality, inputs.mortality.day <= last),
        samples=_where(inputs.samples, inputs.samples.day <= last),
        weighings=_where(inputs.weighings, inputs.weighings.day <= last),
        harvests=_where(harvests, (harvests.day <= last) & (harvests.assignment != pen.position)),
        feed=_where(inputs.feed, inputs.feed.day <= last),
        temperature=_where(inputs.temperature, inputs.temperature.day <= last),
        counts=_where(counts, (counts.day <= last) & ~pen_harvest_count),
        hidden_loss_rate_by_stage=hidden_loss_rate_by_stage,
    )


def score_pen(
    inputs: BatchInputs,
    pen: HarvestedPen,
    rates: FloatArray | None,
    rules: str,
    weight_model: str = "anchored",
) -> PenScore:
    """Compute ``pen``'s batch held out (see :func:`held_out`) and compare the pen's row
    of its harvest day, the fish standing at the end of it, with the harvest (weight by
    ``weight_model``)."""
    states = assimilate(held_out(inputs, pen, rates), rules=rules, weight_model=weight_model)
    [row] = np.flatnonzero((states.assignment == pen.position) & (states.day == pen.day))
    return PenScore(
        batch=inputs.batch_name,
        assignment_id=int(inputs.assignment_id[pen.position]),
        container=inputs.container_name(int(inputs.assignment_container[pen.position])),
        date=inputs.describe_day(pen.day),
        harvested_fish=pen.fish,
        harvested_weight_g=pen.live_kg * 1000.0 / pen.fish if pen.live_kg > 0 else math.nan,
        estimated_fish=int(states.population[row]),
        estimated_weight_g=float(states.avg_weight_g[row]),
    )


def score_batch(
    loaded: LoadedBatch,
    closed: ClosedStays,
    rules: str = "reconciled",
    weight_model: str | None = None,
) -> list[PenScore]:
    """Every harvested pen of one batch, each held out on its own, with the history of
    ``closed`` cut at its harvest day (the pens a harvest closed before it); the weight
    by ``weight_model``, default the farm's setting."""
    weight_model = weight_model or loaded.weight_model
    inputs = loaded.inputs
    scores = []
    for pen in harvested_pens(inputs):
        harvest_day = loaded.start_date + dt.timedelta(days=pen.day)
        rates = closed.rates(loaded.species_id, loaded.geography_id, loaded.stage_ids, harvest_day)
        scores.append(score_pen(inputs, pen, rates, rules, weight_model))
    return scores


def farm_figures(
    batch_ids: list[int] | None = None, *, end: dt.date | None = None
) -> HarvestFigures:
    """The harvest figures of the harvested pens of ``batch_ids`` (default every batch),
    as computed to ``end`` (default today), with the history of the stored summaries.

    Each batch with a harvest is read once (a constant number of queries) and held out
    once per harvested pen, in memory: nothing is stored.
    """
    with_harvests = Harvest.objects.all()
    if batch_ids is not None:
        with_harvests = with_harvests.filter(batch_id__in=batch_ids)
    ids = sorted(set(with_harvests.values_list("batch_id", flat=True)))
    if not ids:
        return HarvestFigures([])
    closed = read_closed_stays()
    scores: list[PenScore] = []
    for batch_id in ids:
        scores += score_batch(load_batch(batch_id, end=end), closed)
    return HarvestFigures(scores)
