"""Shared fixtures: a small farm built through the ORM, valid on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.db import connection
from hypothesis import settings

from aquagrowth.farm import models as m

# CI explores the same examples on every run, so that a red build always reproduces;
# developers' runs explore new ones (and keep any failure in .hypothesis/).
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

STAGES = [
    ("Egg&Alevin", 0.05, 0.5),
    ("Fry", 0.2, 6.0),
    ("Parr", 5.0, 60.0),
    ("Smolt", 50.0, 180.0),
    ("Post-Smolt", 150.0, 500.0),
    ("Adult", 400.0, 7000.0),
]


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def species(db) -> m.Species:
    salmon = m.Species.objects.create(name="Atlantic salmon", scientific_name="Salmo salar")
    for order, (name, lo, hi) in enumerate(STAGES, start=1):
        m.LifecycleStage.objects.create(
            species=salmon, name=name, order=order, min_weight_g=lo, max_weight_g=hi
        )
    return salmon


@pytest.fixture
def stages(species) -> dict[str, m.LifecycleStage]:
    return {s.name: s for s in species.stages.all()}


@pytest.fixture
def hall_containers(species, stages) -> list[m.Container]:
    geo = m.Geography.objects.create(name="Faroe Islands")
    station = m.FreshwaterStation.objects.create(geography=geo, name="S01")
    hall = m.Hall.objects.create(station=station, name="A", stage=stages["Egg&Alevin"])
    return [
        m.Container.objects.create(name=f"S01-A-{i:02d}", kind="tray", volume_m3=10, hall=hall)
        for i in range(1, 4)
    ]


@pytest.fixture
def batch(species) -> m.Batch:
    return m.Batch.objects.create(
        number="FO-2024-01", species=species, start_date=dt.date(2024, 1, 1)
    )
