"""A batch small enough to recompute in a blink, with a transfer to test downstream days.

Parr in tray 1 from 2024-01-01, all moved on 2024-03-01 to tray 2 as smolt, which
departs on 2024-06-01: two assignments, 152 daily states.
"""

from __future__ import annotations

import datetime as dt

from aquagrowth.engine.models import DailyState
from aquagrowth.farm import models as m

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
    scenario = m.Scenario.objects.create(batch=batch, name="plan", harvest_weight_g=5000)
    for name in ("Parr", "Smolt"):
        m.ScenarioStage.objects.create(
            scenario=scenario, stage=stages[name], tgc=2.5, fcr=1.1, mortality_rate_per_day=0
        )
    m.TemperatureProfilePoint.objects.create(scenario=scenario, day_number=1, temp_c=8.0)
    m.TemperatureProfilePoint.objects.create(scenario=scenario, day_number=200, temp_c=12.0)
    parr = m.Assignment.objects.create(
        batch=batch,
        container=trays[0],
        stage=stages["Parr"],
        assignment_date=START,
        departure_date=TRANSFER_DAY,
        population_count=FISH,
        avg_weight_g=10.0,
    )
    smolt = m.Assignment.objects.create(
        batch=batch,
        container=trays[1],
        stage=stages["Smolt"],
        assignment_date=TRANSFER_DAY,
        departure_date=END,
    )
    m.TransferAction.objects.create(
        batch=batch,
        source_assignment=parr,
        dest_assignment=smolt,
        execution_date=TRANSFER_DAY,
        transferred_count=FISH,
    )
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
