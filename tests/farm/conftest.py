"""A small but complete farm built through the ORM, and a reading of every table by
natural keys, for the CSV import and export tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Model

from aquagrowth.engine.models import DailyState, RecomputeRun, StateDigest
from aquagrowth.farm import models as m
from tests import farm_builder

UTC = dt.UTC
DAYS = dt.date(2024, 1, 1), dt.date(2024, 3, 31), dt.date(2024, 4, 1)
"""The egg input, the move to the fry tank, and the trays' departure."""


@pytest.fixture
def farm(stages) -> dict[str, Model]:
    """Two batches: one from egg input in two trays through a transfer into a fry tank,
    with every kind of event; one in a sea pen. Every model of the format has rows."""
    salmon = stages["Fry"].species
    faroe = m.Geography.objects.create(name="Faroe Islands")
    m.Geography.objects.create(name="Scotland")
    station = m.FreshwaterStation.objects.create(geography=faroe, name="S01")
    hall_a = m.Hall.objects.create(station=station, name="A", stage=stages["Egg&Alevin"])
    hall_b = m.Hall.objects.create(station=station, name="B")
    sea = m.SeaArea.objects.create(geography=faroe, name="Vestmanna")
    tray1 = m.Container.objects.create(name="S01-A-01", kind="tray", volume_m3=10, hall=hall_a)
    tray2 = m.Container.objects.create(name="S01-A-02", kind="tray", volume_m3=10.5, hall=hall_a)
    tank = m.Container.objects.create(name="S01-B-01", kind="tank", volume_m3=100, hall=hall_b)
    pen = m.Container.objects.create(name="VM-01", kind="pen", volume_m3=50000, sea_area=sea)
    temperature = m.EnvironmentalParameter.objects.create(
        code="temperature", name="Water temperature", unit="degC"
    )
    oxygen = m.EnvironmentalParameter.objects.create(code="oxygen", name="Oxygen", unit="mg/L")
    probe = m.Sensor.objects.create(container=tray1, parameter=temperature, serial="T-A01")
    m.Sensor.objects.create(container=tank, parameter=oxygen, serial="O-B01")

    batch = m.Batch.objects.create(
        number="FO-2024-01", species=salmon, geography=faroe, start_date=dt.date(2024, 1, 1)
    )
    egg, start, moved, left = stages["Egg&Alevin"], *DAYS
    a1 = farm_builder.stay(batch, tray1, egg, start, left, fish=100_000, weight_g=0.1)
    a2 = farm_builder.stay(batch, tray2, egg, start, left, fish=90_000, weight_g=0.12)
    b1 = farm_builder.stay(batch, tank, stages["Fry"], moved)
    farm_builder.transfer(a1, b1, moved, 98_000, weight_g=0.45)
    farm_builder.transfer(a2, b1, moved, 88_000, selection=m.SelectionMethod.LARGEST)
    m.FeedingEvent.objects.create(
        batch=batch,
        container=tank,
        feeding_date=dt.date(2024, 4, 2),
        feeding_time=dt.time(8, 0),
        amount_kg=1.5,
        feed_type="Fry 0.5 mm",
    )
    m.FeedingEvent.objects.create(
        batch=batch, container=tank, feeding_date=dt.date(2024, 4, 2), amount_kg=1.25
    )
    m.MortalityEvent.objects.create(
        batch=batch, assignment=a1, event_date=dt.date(2024, 1, 10), count=120, cause="fungus"
    )
    m.MortalityEvent.objects.create(
        batch=batch, assignment=b1, event_date=dt.date(2024, 4, 5), count=30
    )
    weighed = m.GrowthSample.objects.create(
        batch=batch,
        assignment=b1,
        sample_date=dt.date(2024, 4, 15),
        sample_size=30,
        avg_weight_g=0.6,
        std_weight_g=0.12,
        avg_length_cm=3.1,
    )
    m.GrowthSample.objects.create(
        batch=batch,
        assignment=b1,
        sample_date=dt.date(2024, 4, 22),
        sample_size=12,
        avg_weight_g=0.1 + 0.2,  # a float that needs all its digits to read back exactly
    )
    m.FishObservation.objects.create(sample=weighed, fish_number=1, weight_g=0.55, length_cm=3.0)
    m.FishObservation.objects.create(sample=weighed, fish_number=2, weight_g=0.71)
    m.Weighing.objects.create(
        batch=batch,
        assignment=b1,
        weighing_date=dt.date(2024, 5, 1),
        reason="vaccination",
        fish_weighed=50,
        avg_weight_g=1.2,
    )
    m.Harvest.objects.create(
        batch=batch,
        assignment=b1,
        harvest_date=dt.date(2024, 6, 1),
        count=10,
        live_weight_kg=0.02,
    )
    m.PopulationCount.objects.create(
        batch=batch, assignment=a1, count_date=start, count=100_000, method=m.CountMethod.STOCKING
    )
    m.PopulationCount.objects.create(
        batch=batch,
        assignment=b1,
        count_date=dt.date(2024, 5, 20),
        count=185_500,
        method=m.CountMethod.COUNTER,
        precision_pct=0.1 + 0.7,  # a float that needs all its digits to read back exactly
        note="graded, counted by the pump",
    )
    m.EnvironmentalReading.objects.create(
        container=tray1,
        parameter=temperature,
        sensor=probe,
        reading_time=dt.datetime(2024, 1, 1, 6, 0, tzinfo=UTC),
        value=8.5,
    )
    m.EnvironmentalReading.objects.create(
        container=tank,
        parameter=temperature,
        reading_time=dt.datetime(2024, 4, 2, 6, 30, 15, tzinfo=UTC),
        value=99.9,
    )
    plan = m.Scenario.objects.create(batch=batch, name="Plan 2024", harvest_weight_g=5000)
    alternative = m.Scenario.objects.create(batch=batch, name="Warm", harvest_weight_g=5500)
    m.Scenario.objects.filter(pk=plan.pk).update(created_at=dt.datetime(2024, 1, 1, tzinfo=UTC))
    m.Scenario.objects.filter(pk=alternative.pk).update(
        created_at=dt.datetime(2024, 2, 1, 12, tzinfo=UTC)
    )
    batch.pinned_scenario = plan
    batch.save()
    m.ScenarioStage.objects.create(
        scenario=plan, stage=stages["Egg&Alevin"], tgc=2.0, fcr=0.8, mortality_rate_per_day=0.0015
    )
    m.ScenarioStage.objects.create(
        scenario=plan, stage=stages["Fry"], tgc=2.5, fcr=1.0, mortality_rate_per_day=0.0005
    )
    m.TemperatureProfilePoint.objects.create(scenario=plan, day_number=1, temp_c=8.0)
    m.TemperatureProfilePoint.objects.create(scenario=plan, day_number=90, temp_c=12.0)

    sea_batch = m.Batch.objects.create(
        number="FO-2023-07",
        species=salmon,
        start_date=dt.date(2023, 7, 1),
        status=m.BatchStatus.HARVESTED,
    )
    in_pen = farm_builder.stay(
        sea_batch,
        pen,
        stages["Adult"],
        dt.date(2024, 2, 1),
        dt.date(2024, 6, 2),
        fish=5000,
        weight_g=500,
    )
    m.Harvest.objects.create(
        batch=sea_batch,
        assignment=in_pen,
        harvest_date=dt.date(2024, 6, 1),
        count=4900,
        live_weight_kg=24_500.0,
    )
    m.PopulationCount.objects.create(
        batch=sea_batch,
        assignment=in_pen,
        count_date=dt.date(2024, 4, 15),
        count=4950,
        method=m.CountMethod.ESTIMATE,
        precision_pct=3.0,
        note="camera",
    )
    m.PopulationCount.objects.create(
        batch=sea_batch,
        assignment=in_pen,
        count_date=dt.date(2024, 5, 10),
        count=4930,
        method=m.CountMethod.TREATMENT,
        note="delousing",
    )
    m.EnvironmentalReading.objects.create(
        container=pen,
        parameter=temperature,
        reading_time=dt.datetime(2024, 3, 1, 0, 0, tzinfo=UTC),
        value=7.25,
    )
    m.EnvironmentalReading.objects.create(
        container=pen,
        parameter=temperature,
        reading_time=dt.datetime(2025, 1, 1, 0, 0, tzinfo=UTC),
        value=6.0,
    )
    return {"batch": batch, "sea_batch": sea_batch, "tank": b1}


def farm_content() -> dict[str, list[tuple]]:
    """Every table of the format, as sorted rows of natural keys and values (no ids)."""
    stay = (
        "assignment__batch__number",
        "assignment__container__name",
        "assignment__assignment_date",
    )
    tables = {
        m.Species: ("name", "scientific_name"),
        m.LifecycleStage: ("species__name", "name", "order", "min_weight_g", "max_weight_g"),
        m.Geography: ("name",),
        m.FreshwaterStation: ("geography__name", "name"),
        m.Hall: ("station__geography__name", "station__name", "name", "stage__name"),
        m.SeaArea: ("geography__name", "name"),
        m.Container: (
            "name",
            "kind",
            "volume_m3",
            "hall__name",
            "hall__station__name",
            "sea_area__name",
        ),
        m.EnvironmentalParameter: ("code", "name", "unit"),
        m.Sensor: ("serial", "container__name", "parameter__code"),
        m.Batch: (
            "number",
            "species__name",
            "geography__name",
            "start_date",
            "status",
            "pinned_scenario__name",
        ),
        m.Assignment: (
            "batch__number",
            "container__name",
            "assignment_date",
            "departure_date",
            "stage__name",
            "population_count",
            "avg_weight_g",
        ),
        m.Scenario: ("batch__number", "name", "harvest_weight_g", "created_at"),
        m.ScenarioStage: (
            "scenario__batch__number",
            "scenario__name",
            "stage__name",
            "tgc",
            "fcr",
            "mortality_rate_per_day",
        ),
        m.TemperatureProfilePoint: (
            "scenario__batch__number",
            "scenario__name",
            "day_number",
            "temp_c",
        ),
        m.TransferAction: (
            "batch__number",
            "source_assignment__container__name",
            "source_assignment__assignment_date",
            "dest_assignment__container__name",
            "dest_assignment__assignment_date",
            "execution_date",
            "transferred_count",
            "measured_avg_weight_g",
            "selection_method",
            "status",
        ),
        m.FeedingEvent: (
            "batch__number",
            "container__name",
            "feeding_date",
            "feeding_time",
            "amount_kg",
            "feed_type",
        ),
        m.MortalityEvent: ("batch__number", *stay, "event_date", "count", "cause"),
        m.GrowthSample: (
            "batch__number",
            *stay,
            "sample_date",
            "sample_size",
            "avg_weight_g",
            "std_weight_g",
            "avg_length_cm",
        ),
        m.Weighing: (
            "batch__number",
            *stay,
            "weighing_date",
            "reason",
            "fish_weighed",
            "avg_weight_g",
        ),
        m.Harvest: ("batch__number", *stay, "harvest_date", "count", "live_weight_kg"),
        m.PopulationCount: (
            "batch__number",
            *stay,
            "count_date",
            "count",
            "method",
            "precision_pct",
            "note",
        ),
        m.FishObservation: (
            "sample__batch__number",
            "sample__assignment__container__name",
            "sample__sample_date",
            "fish_number",
            "weight_g",
            "length_cm",
        ),
        m.EnvironmentalReading: (
            "container__name",
            "parameter__code",
            "sensor__serial",
            "reading_time",
            "value",
        ),
    }
    return {
        model.__name__: sorted(model.objects.values_list(*fields), key=repr)
        for model, fields in tables.items()
    }


def table_counts() -> dict[str, int]:
    """Row count of every farm table, derived ones included."""
    from django.apps import apps

    return {
        model.__name__: model.objects.count() for model in apps.get_app_config("farm").get_models()
    }


def wipe_farm() -> None:
    """Delete every farm record, children first, in plain SQL: the ORM's cascading delete
    fetches every event to send its signals, which takes seconds for a generated farm."""
    from aquagrowth.generator.models import TrueDailyState

    m.Batch.objects.update(pinned_scenario=None)
    children_first = (
        DailyState,
        StateDigest,
        m.ContainerDayTemperature,
        TrueDailyState,
        RecomputeRun,
        m.FishObservation,
        m.EnvironmentalReading,
        m.FeedingEvent,
        m.MortalityEvent,
        m.GrowthSample,
        m.Weighing,
        m.Harvest,
        m.PopulationCount,
        m.TransferAction,
        m.TemperatureProfilePoint,
        m.ScenarioStage,
        m.Scenario,
        m.Assignment,
        m.Batch,
        m.Sensor,
        m.Container,
        m.Hall,
        m.SeaArea,
        m.FreshwaterStation,
        m.Geography,
        m.EnvironmentalParameter,
        m.LifecycleStage,
        m.Species,
    )
    with connection.cursor() as cursor:
        for model in children_first:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def write_csv(folder: Path, files: dict[str, str]) -> Path:
    """Write ``{"containers": "name,kind\\n..."}`` as containers.csv etc. into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text.lstrip("\n"), encoding="utf-8")
    return folder
