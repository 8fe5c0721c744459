"""A hand-made sea site: one batch in two pens of sea area "North" from 2025-05-01, a
plan of TGC 3.0 at a constant 10 degC without mortality, every record kept to 2025-05-31.
"""

from __future__ import annotations

import datetime as dt

import pytest

from aquagrowth.engine.runner import recompute_batches
from aquagrowth.farm import models as m
from aquagrowth.sites.models import Licence, LicenceGroup
from tests import farm_builder

START = dt.date(2025, 5, 1)
RECORDS_END = dt.date(2025, 5, 31)
PEN_FISH = (100_000, 50_000)
PEN_WEIGHT_G = (1000.0, 2000.0)
TGC = 3.0
TEMP_C = 10.0


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def recompute(batch: m.Batch, today: dt.date = RECORDS_END):
    """The local path of ``aquagrowth recompute``, which evaluates the alerts after it."""
    (result,) = recompute_batches([batch.pk], end=today, today=today)
    assert result.ok, result.error
    return result


@pytest.fixture
def sea_farm(stages):
    pens = farm_builder.sea_area("North", ["N-R1", "N-R2"])
    batch = m.Batch.objects.create(number="B1", species=stages["Adult"].species, start_date=START)
    farm_builder.scenario(
        batch,
        stages,
        {"Adult": (TGC, 1.1, 0.0)},
        [(1, TEMP_C), (2000, TEMP_C)],
        harvest_weight_g=100_000,
    )
    stays = [
        farm_builder.stay(batch, pen, stages["Adult"], START, fish=fish, weight_g=weight)
        for pen, fish, weight in zip(pens, PEN_FISH, PEN_WEIGHT_G, strict=True)
    ]
    for stay in stays:
        farm_builder.feeding(stay, days(START, RECORDS_END), kg=100.0)
        for day in days(START, RECORDS_END):
            farm_builder.mortality(stay, day, 10, cause="natural")
    farm_builder.temperature_readings(pens, START, range(31), lambda day: TEMP_C, hour=12)
    recompute(batch)
    return {"batch": batch, "pens": pens, "stays": stays, "area": pens[0].sea_area}


def cap_group(area: m.SeaArea, tonnes: float, name: str = "North licences") -> LicenceGroup:
    group = LicenceGroup.objects.create(name=name)
    group.sea_areas.add(area)
    Licence.objects.create(number=f"{name}-1", group=group, max_biomass_t=tonnes)
    return group
