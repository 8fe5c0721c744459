"""A small batch built through the ORM, with daily states written directly.

Two trays of eggs (1000 and 500 fish) move on 2024-01-21 into one fry tank. The states
follow simple closed forms (one fish dies a day per tray, weight +0.01 g a day, feed
0.1 kg a day) so tests can compute every sum by hand.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from aquagrowth.engine.core.smoother import Z90
from aquagrowth.engine.models import (
    AnchorType,
    DailyState,
    FeedSource,
    MortalitySource,
    PopulationSource,
    TempSource,
    WeightSource,
)
from aquagrowth.farm import models as m
from aquagrowth.farm.signals import bulk_load
from tests import access, farm_builder
from tests.analysis.browser_tools import DESKTOP, PHONE, signed_in

START = dt.date(2024, 1, 1)
TRANSFER = dt.date(2024, 1, 21)
LAST = dt.date(2024, 2, 9)


def day_number(date: dt.date, start: dt.date = START) -> int:
    return (date - start).days + 1


def dates(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def state(assignment: m.Assignment, date: dt.date, population: int, weight_g: float, **extra):
    """A daily state row with the closed-form columns filled in."""
    values = {
        "temp_c": 8.0,
        "mortality_count": 1,
        "feed_kg": 0.1,
        "growth_kg": population * 0.01 / 1000.0,
        "fcr": None,
        "tgc": 2.5,
        "anchor_type": AnchorType.NONE,
        "weight_source": WeightSource.SCENARIO_TGC,
        "weight_confidence": 0.5,
        "temp_source": TempSource.PROFILE,
        "temp_confidence": 0.5,
        "mortality_source": MortalitySource.RECORDED,
        "mortality_confidence": 1.0,
        "feed_source": FeedSource.RECORDED,
        "feed_confidence": 1.0,
        "population_source": PopulationSource.BOOK,
        "population_variance": 0.0,
        "population_confidence": 1.0,
        "unexplained_fish": 0,
    }
    values.update(extra)
    return DailyState(
        assignment=assignment,
        batch_id=assignment.batch_id,
        container_id=assignment.container_id,
        stage_id=assignment.stage_id,
        date=date,
        day_number=day_number(date, assignment.batch.start_date),
        population=population,
        avg_weight_g=weight_g,
        biomass_kg=population * weight_g / 1000.0,
        computed_at=timezone.now(),
        **values,
    )


@pytest.fixture
def containers(species, stages) -> list[m.Container]:
    tanks = [("S01-A-01", "tray", 10), ("S01-A-02", "tray", 10), ("S01-B-01", "tank", 10)]
    return farm_builder.hall("S01", "A", tanks, stage=stages["Egg&Alevin"])


def build_batch(number: str, start: dt.date, species, stages, containers, with_scenario=True):
    """Eggs in two trays, moved into one tank 20 days after ``start``; states for 40 days.

    The states are written here, so the events' recompute triggers are switched off.
    """
    with bulk_load():
        return _build_batch(number, start, species, stages, containers, with_scenario)


def _build_batch(number, start, species, stages, containers, with_scenario):
    shift = start - START
    transfer, last = TRANSFER + shift, LAST + shift
    batch = m.Batch.objects.create(number=number, species=species, start_date=start)
    egg = stages["Egg&Alevin"]
    tray1 = farm_builder.stay(batch, containers[0], egg, start, transfer, fish=1000, weight_g=0.2)
    tray2 = farm_builder.stay(batch, containers[1], egg, start, transfer, fish=500, weight_g=0.2)
    tank = farm_builder.stay(batch, containers[2], stages["Fry"], transfer)
    rows = []
    for tray, opening in ((tray1, 1000), (tray2, 500)):
        for date in dates(start, transfer - dt.timedelta(days=1)):
            d = (date - start).days + 1
            rows.append(
                state(
                    tray,
                    date,
                    opening - d,
                    0.2 + 0.01 * d,
                    temp_source=TempSource.MEASURED,
                    temp_c=9.0,
                )
            )
        farm_builder.transfer(tray, tank, transfer, opening - 20)
    for date in dates(transfer, last):
        d = (date - transfer).days + 1
        rows.append(
            state(tank, date, 1460 - 2 * d, 0.4 + 0.02 * d, growth_kg=0.03, feed_kg=0.05 * d)
        )
    # One sample on tray 1: the day's state is an anchor.
    sample_day = start + dt.timedelta(days=9)
    m.GrowthSample.objects.create(
        batch=batch,
        assignment=tray1,
        sample_date=sample_day,
        sample_size=30,
        avg_weight_g=0.31,
        std_weight_g=0.04,
        avg_length_cm=1.5,
    )
    m.GrowthSample.objects.create(
        batch=batch,
        assignment=tank,
        sample_date=last,
        sample_size=20,
        avg_weight_g=1.2,
        std_weight_g=0.2,
    )
    for row in rows:
        if row.assignment_id == tray1.id and row.date == sample_day:
            row.anchor_type = AnchorType.GROWTH_SAMPLE
            row.weight_source = WeightSource.MEASURED
    DailyState.objects.bulk_create(rows)
    if with_scenario:
        per_stage = {
            stage: (2.0 + 0.1 * i, 1.0 + 0.05 * i, 0.001) for i, stage in enumerate(stages)
        }
        profile = [(1, 8.0), (101, 12.0), (400, 10.0)]
        farm_builder.scenario(batch, stages, per_stage, profile, name="Plan A")
    return batch


@pytest.fixture
def growth_batch(species, stages, containers) -> m.Batch:
    return build_batch("FO-2024-01", START, species, stages, containers)


@pytest.fixture
def user(db) -> User:
    """A viewer of station S01, where the batches of these tests live."""
    return access.person("biologist", "viewer", stations=["S01"])


@pytest.fixture
def manager(db) -> User:
    """A manager of station S01."""
    return access.person("planner", "manager", stations=["S01"])


@pytest.fixture
def api(client, user):
    client.force_login(user)
    return client


# The page tests' browser is the ``browser`` fixture of tests/conftest.py.


@pytest.fixture
def page(browser, live_server, user):
    tab = signed_in(browser, live_server, "biologist", DESKTOP)
    yield tab
    assert tab.errors == []
    tab.context.close()


@pytest.fixture
def phone(browser, live_server, user):
    tab = signed_in(browser, live_server, "biologist", PHONE)
    yield tab
    assert tab.errors == []
    tab.context.close()


def store_bands(batch, sd_weight_share: float = 0.02, sd_count_share: float = 0.01) -> None:
    """The smoothed model's bands written on every state: sd(u) for a weight SD of
    ``sd_weight_share``, the count's SD ``sd_count_share`` (the engine's formulas)."""
    rows = list(DailyState.objects.filter(batch=batch))
    for row in rows:
        u = row.avg_weight_g ** (1 / 3)
        sd_u = u * sd_weight_share / 3
        row.weight_low_g, row.weight_high_g = (u - Z90 * sd_u) ** 3, (u + Z90 * sd_u) ** 3
        var_w = (3 * u * u) ** 2 * sd_u**2
        var_n = (row.population * sd_count_share) ** 2
        var_b = (row.avg_weight_g**2 * var_n + row.population**2 * var_w + var_n * var_w) / 1e6
        row.biomass_low_kg = max(row.biomass_kg - Z90 * var_b**0.5, 0.0)
        row.biomass_high_kg = row.biomass_kg + Z90 * var_b**0.5
    DailyState.objects.bulk_update(
        rows, ["weight_low_g", "weight_high_g", "biomass_low_kg", "biomass_high_kg"]
    )
