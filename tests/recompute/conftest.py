"""A small farm built through the ORM: an egg input split into two fry tanks.

Big enough to exercise every kind of event, small enough for a test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from aquagrowth.farm import models as m
from tests import farm_builder

START = dt.date(2024, 1, 1)
TODAY = dt.date(2024, 6, 1)


def server_dsn() -> str:
    """The test database as a libpq connection string: for connections of a test's own
    (a second writer, a lock holder, an observer) beside Django's."""
    settings = connection.settings_dict
    return (
        f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} "
        f"user={settings['USER']} dbname={settings['NAME']}"
    )


def build_batch(number: str, stages, containers, *, days_egg: int = 40, days_fry: int = 60):
    """Egg tray -> two fry tanks on day ``days_egg`` (one transfer weighed)."""
    species = stages["Fry"].species
    batch = m.Batch.objects.create(number=number, species=species, start_date=START)
    per_stage = {"Egg&Alevin": (1.2, 1.0, 0.001), "Fry": (2.4, 1.0, 0.0005)}
    farm_builder.scenario(batch, stages, per_stage, [(1, 8.0), (60, 12.0), (200, 13.0)])
    move = START + dt.timedelta(days=days_egg)
    leave = move + dt.timedelta(days=days_fry)
    egg = farm_builder.stay(
        batch, containers[0], stages["Egg&Alevin"], START, move, fish=20_000, weight_g=0.1
    )
    fry = [farm_builder.stay(batch, c, stages["Fry"], move, leave) for c in containers[1:3]]
    farm_builder.transfer(egg, fry[0], move, 9_000, weight_g=0.35)
    farm_builder.transfer(egg, fry[1], move, 12_000)
    warm = containers[:3]
    farm_builder.temperature_readings(
        warm, START, range(0, days_egg + days_fry, 2), lambda day: 9.0 + (day % 7) / 3
    )
    # A sensor fault on day 10: read, then ignored by the engine.
    farm_builder.temperature_readings(warm, START, [10], lambda day: 99.9, hour=12)
    for a in [egg, *fry]:
        _mortality_every_day_but_the_third(batch, a)
    for i, a in enumerate(fry):
        for week in range(1, 8):
            m.GrowthSample.objects.create(
                batch=batch,
                assignment=a,
                sample_date=move + dt.timedelta(days=7 * week + i),
                sample_size=30,
                avg_weight_g=0.35 * (1.1**week),
                std_weight_g=0.07,
            )
        m.FeedingEvent.objects.bulk_create(
            m.FeedingEvent(
                batch=batch,
                container=a.container,
                feeding_date=move + dt.timedelta(days=d),
                amount_kg=0.2 + 0.01 * d,
            )
            for d in range(days_fry)
        )
    return batch


def _mortality_every_day_but_the_third(batch: m.Batch, stay: m.Assignment) -> None:
    first = (stay.assignment_date - START).days
    last = (stay.departure_date - START).days
    m.MortalityEvent.objects.bulk_create(
        m.MortalityEvent(
            batch=batch,
            assignment=stay,
            event_date=START + dt.timedelta(days=d),
            count=3 + d % 5,
        )
        for d in range(first, last)
        if d % 3
    )


@pytest.fixture
def fry_containers(stages):
    tanks = [(f"S02-B-{i:02d}", "tank", 100) for i in range(1, 7)]
    return farm_builder.hall("S02", "B", tanks, geography="Scotland", stage=stages["Fry"])


@pytest.fixture
def small_batch(stages, fry_containers):
    return build_batch("SC-2024-01", stages, fry_containers)
