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
from aquagrowth.farm.models import Batch

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
