"""A small farm built through the ORM: an egg input split into two fry tanks.

Big enough to exercise every kind of event, small enough for a test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from aquagrowth.farm import daily_temperature
from aquagrowth.farm import models as m

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
    scenario = m.Scenario.objects.create(batch=batch, name="plan", harvest_weight_g=5000)
    for name, tgc, rate in (("Egg&Alevin", 1.2, 0.001), ("Fry", 2.4, 0.0005)):
        m.ScenarioStage.objects.create(
            scenario=scenario, stage=stages[name], tgc=tgc, fcr=1.0, mortality_rate_per_day=rate
        )
    for day_number, temp in ((1, 8.0), (60, 12.0), (200, 13.0)):
        m.TemperatureProfilePoint.objects.create(
            scenario=scenario, day_number=day_number, temp_c=temp
        )
    move = START + dt.timedelta(days=days_egg)
    leave = move + dt.timedelta(days=days_fry)
    egg = m.Assignment.objects.create(
        batch=batch,
        container=containers[0],
        stage=stages["Egg&Alevin"],
        assignment_date=START,
        departure_date=move,
        population_count=20_000,
        avg_weight_g=0.1,
    )
    fry = [
        m.Assignment.objects.create(
            batch=batch,
            container=c,
            stage=stages["Fry"],
            assignment_date=move,
            departure_date=leave,
        )
        for c in containers[1:3]
    ]
    m.TransferAction.objects.create(
        batch=batch,
        source_assignment=egg,
        dest_assignment=fry[0],
        execution_date=move,
        transferred_count=9_000,
        measured_avg_weight_g=0.35,
    )
    m.TransferAction.objects.create(
        batch=batch,
        source_assignment=egg,
        dest_assignment=fry[1],
        execution_date=move,
        transferred_count=12_000,
    )
    temperature = m.EnvironmentalParameter.objects.get_or_create(
        code="temperature", defaults={"name": "Water temperature", "unit": "degC"}
    )[0]
    readings = []
    for c in containers[:3]:
        for day in range(0, days_egg + days_fry, 2):
            when = timezone.make_aware(
                dt.datetime.combine(START, dt.time(6)) + dt.timedelta(days=day)
            )
            readings.append(
                m.EnvironmentalReading(
                    container=c, parameter=temperature, reading_time=when, value=9.0 + (day % 7) / 3
                )
            )
        readings.append(
            m.EnvironmentalReading(
                container=c,
                parameter=temperature,
                reading_time=timezone.make_aware(
                    dt.datetime.combine(START, dt.time(12)) + dt.timedelta(days=10)
                ),
                value=99.9,
            )
        )
    m.EnvironmentalReading.objects.bulk_create(readings)
    daily_temperature.refresh()  # bulk_create sends no signals
    for a in [egg, *fry]:
        first = (a.assignment_date - START).days
        last = (a.departure_date - START).days
        m.MortalityEvent.objects.bulk_create(
            [
                m.MortalityEvent(
                    batch=batch,
                    assignment=a,
                    event_date=START + dt.timedelta(days=d),
                    count=3 + d % 5,
                )
                for d in range(first, last)
                if d % 3
            ]
        )
    for i, a in enumerate(fry):
        for week in range(1, 8):
            day = move + dt.timedelta(days=7 * week + i)
            m.GrowthSample.objects.create(
                batch=batch,
                assignment=a,
                sample_date=day,
                sample_size=30,
                avg_weight_g=0.35 * (1.1**week),
                std_weight_g=0.07,
            )
        m.FeedingEvent.objects.bulk_create(
            [
                m.FeedingEvent(
                    batch=batch,
                    container=a.container,
                    feeding_date=move + dt.timedelta(days=d),
                    amount_kg=0.2 + 0.01 * d,
                )
                for d in range(days_fry)
            ]
        )
    return batch


@pytest.fixture
def fry_containers(stages):
    geo = m.Geography.objects.create(name="Scotland")
    station = m.FreshwaterStation.objects.create(geography=geo, name="S02")
    hall = m.Hall.objects.create(station=station, name="B", stage=stages["Fry"])
    return [
        m.Container.objects.create(name=f"S02-B-{i:02d}", kind="tank", volume_m3=100, hall=hall)
        for i in range(1, 7)
    ]


@pytest.fixture
def small_batch(stages, fry_containers):
    return build_batch("SC-2024-01", stages, fry_containers)
