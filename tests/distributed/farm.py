"""A batch small enough to recompute in a blink, with a transfer to test downstream days.

Parr in tray 1 from 2024-01-01, all moved on 2024-03-01 to tray 2 as smolt, which
departs on 2024-06-01: two assignments, 152 daily states.
"""

from __future__ import annotations

import datetime as dt

from aquagrowth.engine.models import DailyState
from aquagrowth.farm import models as m
from tests import farm_builder

START = dt.date(2024, 1, 1)
TRANSFER_DAY = dt.date(2024, 3, 1)
END = dt.date(2024, 6, 1)
FISH = 10_000


def build_transfer_batch(
    species: m.Species,
    stages: dict[str, m.LifecycleStage],
    trays: list[m.Container],
    number: str = "FO-2024-01",
) -> tuple[m.Batch, m.Assignment, m.Assignment]:
    """The batch, its parr assignment and the smolt assignment downstream of it."""
    batch = m.Batch.objects.create(number=number, species=species, start_date=START)
    per_stage = {"Parr": (2.5, 1.1, 0), "Smolt": (2.5, 1.1, 0)}
    farm_builder.scenario(batch, stages, per_stage, [(1, 8.0), (200, 12.0)])
    parr = farm_builder.stay(
        batch, trays[0], stages["Parr"], START, TRANSFER_DAY, fish=FISH, weight_g=10.0
    )
    smolt = farm_builder.stay(batch, trays[1], stages["Smolt"], TRANSFER_DAY, END)
    farm_builder.transfer(parr, smolt, TRANSFER_DAY, FISH)
    return batch, parr, smolt


def state_rows(batch_id: int) -> list[tuple]:
    """A batch's daily states without their computation time, in a stable order."""
    fields = [
        f.attname for f in DailyState._meta.concrete_fields if f.name not in ("id", "computed_at")
    ]
    return list(
        DailyState.objects.filter(batch_id=batch_id)
        .order_by("assignment_id", "date")
        .values_list(*fields)
    )
