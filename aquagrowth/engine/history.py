"""What the farm's history teaches: the unrecorded loss measured on harvested pens.

A harvest counts a pen's fish exactly, so a stay a harvest closed has its unexplained
loss measured, not assumed (``StaySummary``). Summed over the stays of a stage and a
geography, loss over fish-days is the best estimate of the hidden losses of the pens
still at sea: the core applies it to open stretches as an expected unrecorded loss
(docs/engine.md, "Open stretches").
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db.models import Sum

from aquagrowth.engine.core.outputs import STAY_CLOSES
from aquagrowth.engine.models import StaySummary
from aquagrowth.engine.scenario import StageTable
from aquagrowth.farm.models import Assignment, Batch, Harvest

HARVEST = STAY_CLOSES.index("harvest")


def learned_loss_rates(batch: Batch, stages: StageTable, before: dt.date) -> np.ndarray:
    """Per stage position, the unrecorded loss per fish-day of the stays of the batch's
    species and geography that a harvest closed before ``before`` (0 where none did; a
    net gain counts as no loss). One query."""
    closed = StaySummary.objects.filter(
        closed_by=HARVEST,
        closed_on__lt=before,
        assignment__batch__species_id=batch.species_id,
    )
    if batch.geography_id is None:
        closed = closed.filter(assignment__batch__geography__isnull=True)
    else:
        closed = closed.filter(assignment__batch__geography_id=batch.geography_id)
    totals = closed.values("assignment__stage_id").annotate(
        lost=Sum("unexplained_fish"), fish_days=Sum("fish_days")
    )
    rates = np.zeros(len(stages.id))
    position = stages.positions()
    for row in totals:
        stage = position.get(row["assignment__stage_id"])
        if stage is not None and row["fish_days"]:
            rates[stage] = max(float(row["lost"]), 0.0) / float(row["fish_days"])
    return rates


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
