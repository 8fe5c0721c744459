"""One way to build a farm in a test: the records a farm keeps, each made by one function.

Every test farm (a hall of trays, a batch with its stays and transfers, a scenario, a
week of temperature readings) is built from these, through the ORM, so a change to a
record's shape is made here once. Defaults are the plainest valid record; a test names
only what it is about.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.utils import timezone

from aquagrowth.farm import daily_temperature
from aquagrowth.farm import models as m

SALMON_STAGES = (
    ("Egg&Alevin", 0.05, 0.5),
    ("Fry", 0.2, 6.0),
    ("Parr", 5.0, 60.0),
    ("Smolt", 50.0, 180.0),
    ("Post-Smolt", 150.0, 500.0),
    ("Adult", 400.0, 7000.0),
)
"""(name, lower and upper expected weight g) of Atlantic salmon's stages, in order."""


def salmon() -> m.Species:
    """Atlantic salmon with its six lifecycle stages."""
    species = m.Species.objects.create(name="Atlantic salmon", scientific_name="Salmo salar")
    for order, (name, low, high) in enumerate(SALMON_STAGES, start=1):
        m.LifecycleStage.objects.create(
            species=species, name=name, order=order, min_weight_g=low, max_weight_g=high
        )
    return species


def hall(
    station: str,
    name: str,
    containers: Iterable[tuple[str, str, float]],
    *,
    geography: str = "Faroe Islands",
    stage: m.LifecycleStage | None = None,
) -> list[m.Container]:
    """A freshwater hall of ``containers`` ((name, kind, volume m3) each) at a station."""
    geo, _ = m.Geography.objects.get_or_create(name=geography)
    site, _ = m.FreshwaterStation.objects.get_or_create(geography=geo, name=station)
    room = m.Hall.objects.create(station=site, name=name, stage=stage)
    return [
        m.Container.objects.create(name=label, kind=kind, volume_m3=volume, hall=room)
        for label, kind, volume in containers
    ]


def sea_area(
    name: str, pens: Iterable[str], *, geography: str = "Faroe Islands", volume_m3: float = 40_000
) -> list[m.Container]:
    """A sea area (a site) with a pen (ring) of each of ``pens``' names."""
    geo, _ = m.Geography.objects.get_or_create(name=geography)
    area, _ = m.SeaArea.objects.get_or_create(geography=geo, name=name)
    return [
        m.Container.objects.create(name=label, kind="pen", volume_m3=volume_m3, sea_area=area)
        for label in pens
    ]


def scenario(
    batch: m.Batch,
    stages: dict[str, m.LifecycleStage],
    per_stage: dict[str, tuple[float, float, float]],
    profile: Iterable[tuple[int, float]],
    *,
    name: str = "plan",
    harvest_weight_g: float = 5000,
) -> m.Scenario:
    """A scenario: ``per_stage`` maps a stage name to (TGC, FCR, mortality rate per day);
    ``profile`` lists (day number, temperature degC)."""
    plan = m.Scenario.objects.create(batch=batch, name=name, harvest_weight_g=harvest_weight_g)
    for stage, (tgc, fcr, rate) in per_stage.items():
        m.ScenarioStage.objects.create(
            scenario=plan, stage=stages[stage], tgc=tgc, fcr=fcr, mortality_rate_per_day=rate
        )
    for day_number, temp_c in profile:
        m.TemperatureProfilePoint.objects.create(
            scenario=plan, day_number=day_number, temp_c=temp_c
        )
    return plan


def stay(
    batch: m.Batch,
    container: m.Container,
    stage: m.LifecycleStage,
    first: dt.date,
    departure: dt.date | None = None,
    *,
    fish: int = 0,
    weight_g: float | None = None,
) -> m.Assignment:
    """A batch's stay in a container; an egg input opens with ``fish`` of ``weight_g``, a
    stay filled by transfers opens empty."""
    return m.Assignment.objects.create(
        batch=batch,
        container=container,
        stage=stage,
        assignment_date=first,
        departure_date=departure,
        population_count=fish,
        avg_weight_g=weight_g,
    )


def transfer(
    source: m.Assignment,
    dest: m.Assignment,
    day: dt.date,
    fish: int,
    *,
    weight_g: float | None = None,
    selection: str = m.SelectionMethod.AVERAGE,
) -> m.TransferAction:
    """A completed transfer of ``fish`` from ``source`` to ``dest``, weighed or not."""
    return m.TransferAction.objects.create(
        batch=source.batch,
        source_assignment=source,
        dest_assignment=dest,
        execution_date=day,
        transferred_count=fish,
        measured_avg_weight_g=weight_g,
        selection_method=selection,
    )


def mortality(stay: m.Assignment, day: dt.date, fish: int, *, cause: str = "") -> m.MortalityEvent:
    """A mortality record of ``fish`` dead fish of ``stay`` on ``day``."""
    return m.MortalityEvent.objects.create(
        batch=stay.batch, assignment=stay, event_date=day, count=fish, cause=cause
    )


def harvest(stay: m.Assignment, day: dt.date, fish: int, *, weight_g: float = 5000.0) -> m.Harvest:
    """A harvest of ``fish`` fish of ``weight_g`` each from ``stay`` on ``day``."""
    return m.Harvest.objects.create(
        batch=stay.batch,
        assignment=stay,
        harvest_date=day,
        count=fish,
        live_weight_kg=fish * weight_g / 1000.0,
    )


def feeding(stay: m.Assignment, days: Iterable[dt.date], kg: float = 1.0) -> None:
    """A feeding record of ``kg`` in ``stay``'s container on each of ``days``."""
    m.FeedingEvent.objects.bulk_create(
        m.FeedingEvent(batch=stay.batch, container=stay.container, feeding_date=day, amount_kg=kg)
        for day in days
    )


def temperature_parameter() -> m.EnvironmentalParameter:
    """The water temperature parameter, found by its stable code."""
    return m.EnvironmentalParameter.objects.get_or_create(
        code="temperature", defaults={"name": "Water temperature", "unit": "degC"}
    )[0]


def temperature_readings(
    containers: Iterable[m.Container],
    start: dt.date,
    days: Iterable[int],
    value: Callable[[int], float],
    *,
    hour: int = 6,
) -> None:
    """One reading per container on each of ``days`` after ``start`` (at ``hour`` UTC),
    of ``value(day)`` degC, written in bulk; the daily means follow (a bulk write sends
    no signals)."""
    parameter = temperature_parameter()
    readings = [
        m.EnvironmentalReading(
            container=container,
            parameter=parameter,
            reading_time=timezone.make_aware(
                dt.datetime.combine(start, dt.time(hour)) + dt.timedelta(days=day)
            ),
            value=value(day),
        )
        for container in containers
        for day in days
    ]
    m.EnvironmentalReading.objects.bulk_create(readings)
    daily_temperature.refresh()
