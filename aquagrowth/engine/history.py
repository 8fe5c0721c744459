"""What the farm's history teaches: the unrecorded loss measured on harvested pens.

A harvest counts a pen's fish exactly, so a stay a harvest closed has its unexplained
loss measured, not assumed (``StaySummary``). Summed over the stays of a stage and a
geography, loss over fish-days is the best estimate of the hidden losses of the pens
still at sea: the core applies it to open stretches as an expected unrecorded loss
(docs/engine.md, "Open stretches").

The rule lives in :meth:`ClosedStays.rates`, whoever gathered the stays: the loader reads
them from the stored summaries, the harvest hold-out (``engine/holdout.py``) cuts one
table at each harvest day, and the real-farm bench builds it from summaries computed in
memory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import numpy as np
from django.db.models import Max, Sum

from aquagrowth.engine.core.inputs import FloatArray, IntArray
from aquagrowth.engine.core.outputs import NO_DAY, STAY_CLOSES, StaySummaries
from aquagrowth.engine.models import StaySummary
from aquagrowth.engine.scenario import StageTable
from aquagrowth.farm.models import Assignment, Batch, Harvest

HARVEST = STAY_CLOSES.index("harvest")
NO_GEOGRAPHY = -1
"""The geography id of a batch that names none (its stays learn from each other only)."""


@dataclass(frozen=True)
class ClosedStays:
    """Stays a harvest closed, one entry each: what the history learns from.

    species_id, geography_id : of the stay's batch (``NO_GEOGRAPHY`` when it has none)
    stage_id : the stay's lifecycle stage
    closed_on : the day the harvest closed it (datetime64[D])
    lost : its unexplained fish (a gain is negative)
    fish_days : the sum of its fish present at each day's end
    """

    species_id: IntArray
    geography_id: IntArray
    stage_id: IntArray
    closed_on: np.ndarray
    lost: IntArray
    fish_days: FloatArray

    @classmethod
    def of_rows(cls, rows: list[tuple]) -> ClosedStays:
        """From (species, geography or None, stage, closed on, lost, fish-days) tuples."""
        if not rows:
            return cls.none()
        species, geography, stage, closed_on, lost, fish_days = zip(*rows, strict=True)
        return cls(
            np.asarray(species, np.int64),
            np.array([NO_GEOGRAPHY if g is None else g for g in geography], np.int64),
            np.asarray(stage, np.int64),
            np.asarray(closed_on, "datetime64[D]"),
            np.asarray(lost, np.int64),
            np.asarray(fish_days, np.float64),
        )

    @classmethod
    def none(cls) -> ClosedStays:
        """No stay closed yet (a new farm)."""
        ints = np.zeros(0, np.int64)
        return cls(ints, ints, ints, np.zeros(0, "datetime64[D]"), ints, np.zeros(0))

    @classmethod
    def concat(cls, parts: list[ClosedStays]) -> ClosedStays:
        """The stays of all ``parts`` in one table."""
        if not parts:
            return cls.none()
        return cls(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(ClosedStays))
        )

    def rates(
        self, species_id: int, geography_id: int | None, stage_ids: IntArray, before: dt.date
    ) -> FloatArray:
        """Per stage position (``stage_ids``: the species' stages' database ids in order),
        the unrecorded loss per fish-day of the stays of one species and geography that a
        harvest closed before ``before`` (0 where none did; a net gain counts as no loss)."""
        geography = NO_GEOGRAPHY if geography_id is None else geography_id
        ours = (
            (self.species_id == species_id)
            & (self.geography_id == geography)
            & (self.closed_on < np.datetime64(before, "D"))
        )
        position = {int(s): i for i, s in enumerate(stage_ids)}
        stage = np.array([position.get(int(s), -1) for s in self.stage_id[ours]], np.int64)
        known = stage >= 0
        n = len(stage_ids)
        lost = np.bincount(stage[known], weights=self.lost[ours][known], minlength=n)
        fish_days = np.bincount(stage[known], weights=self.fish_days[ours][known], minlength=n)
        rates = np.zeros(n)
        taught = fish_days > 0
        rates[taught] = np.maximum(lost[taught], 0.0) / fish_days[taught]
        return rates


def read_closed_stays(batch: Batch | None = None, before: dt.date | None = None) -> ClosedStays:
    """The stored stays a harvest closed: of ``batch``'s species and geography before
    ``before`` when given (summed per stage: what the rates need), else the whole farm's
    one by one (the hold-out cuts it per harvest day). One query."""
    closed = StaySummary.objects.filter(closed_by=HARVEST)
    if before is not None:
        closed = closed.filter(closed_on__lt=before)
    if batch is not None:
        # One batch's loader: the sums per stage are all the rates need, so the
        # database adds them up (one row per stage, not one per harvested pen).
        closed = closed.filter(
            assignment__batch__species_id=batch.species_id,
            assignment__batch__geography_id=batch.geography_id,
        )
        totals = closed.values("assignment__stage_id").annotate(
            last=Max("closed_on"), lost=Sum("unexplained_fish"), days=Sum("fish_days")
        )
        key = (batch.species_id, batch.geography_id)
        return ClosedStays.of_rows(
            [(*key, t["assignment__stage_id"], t["last"], t["lost"], t["days"]) for t in totals]
        )
    return ClosedStays.of_rows(
        list(
            closed.values_list(
                "assignment__batch__species_id",
                "assignment__batch__geography_id",
                "assignment__stage_id",
                "closed_on",
                "unexplained_fish",
                "fish_days",
            )
        )
    )


def learned_loss_rates(batch: Batch, stages: StageTable, before: dt.date) -> np.ndarray:
    """Per stage position, the unrecorded loss per fish-day of the stays of the batch's
    species and geography that a harvest closed before ``before``. One query."""
    closed = read_closed_stays(batch, before)
    return closed.rates(batch.species_id, batch.geography_id, stages.id, before)


def closed_in_memory(
    summaries: StaySummaries,
    stage_ids: IntArray,
    start: dt.date,
    species_id: int,
    geography_id: int | None,
) -> ClosedStays:
    """The stays of one batch's computation that a harvest closed, as the store would
    keep them: for a history learned without storing anything (the real-farm bench).

    ``stage_ids`` are the database ids of the batch's assignments' stages, by position.
    """
    closed = (summaries.closed_by == HARVEST) & (summaries.closed_day != NO_DAY)
    n = int(closed.sum())
    geography = NO_GEOGRAPHY if geography_id is None else geography_id
    return ClosedStays(
        np.full(n, species_id, np.int64),
        np.full(n, geography, np.int64),
        np.asarray(stage_ids, np.int64)[closed],
        np.datetime64(start, "D") + summaries.closed_day[closed],
        summaries.unexplained_fish[closed].astype(np.int64),
        summaries.fish_days[closed].astype(np.float64),
    )


def teaching_order(batch_ids: list[int]) -> tuple[list[int], list[int]]:
    """The batches of one run in two phases, so that a farm's first computation gives the
    numbers its second would (and a parallel run the numbers of a serial one).

    The history is read from the stored summaries of stays a harvest closed, and such a
    stay's summary never depends on the history (its last stretch is closed by the
    harvest's count). So the batches with a harvest go first; the second phase holds the
    others and, again, those of the first with a stay still open, which the first phase
    computed before all of the history it reads was stored. Two queries.
    """
    wanted = set(batch_ids)
    harvested = set(Harvest.objects.filter(batch_id__in=wanted).values_list("batch_id", flat=True))
    still_open = set(
        Assignment.objects.filter(batch_id__in=harvested, departure_date__isnull=True).values_list(
            "batch_id", flat=True
        )
    )
    first = [b for b in batch_ids if b in harvested]
    then = [b for b in batch_ids if b not in harvested or b in still_open]
    return first, then
