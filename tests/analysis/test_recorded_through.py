"""How far the records reach, per batch and per stay, in the API (the engine computes
the stays' dates at each recompute; a batch's is the earliest of its open stays')."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aquagrowth.analysis.serializers import (
    GrowthBatchSerializer,
    GrowthDataSerializer,
    GrowthStaySerializer,
)
from aquagrowth.engine.runner import recompute_batch
from aquagrowth.farm import models as m
from aquagrowth.farm.signals import bulk_load
from tests import farm_builder

START = dt.date(2024, 1, 1)
MOVE = dt.date(2024, 2, 1)
TODAY = dt.date(2024, 3, 20)
FEED_A, FEED_B = dt.date(2024, 3, 10), dt.date(2024, 3, 5)
STREAMS = {"feed", "mortality", "samples", "temperature", "counts"}


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def build(number: str, stages, containers, *, departure: dt.date | None = None) -> m.Batch:
    """Eggs in a tray, moved on 1 February into two fry tanks (open unless
    ``departure``) whose feeding records end on 10 and 5 March."""
    with bulk_load():
        batch = m.Batch.objects.create(
            number=number, species=stages["Fry"].species, start_date=START
        )
        per_stage = {"Egg&Alevin": (1.2, 1.0, 0.001), "Fry": (2.4, 1.0, 0.0005)}
        farm_builder.scenario(batch, stages, per_stage, [(1, 8.0), (200, 12.0)])
        tray, tank_a, tank_b = containers
        eggs = farm_builder.stay(
            batch, tray, stages["Egg&Alevin"], START, MOVE, fish=10_000, weight_g=0.2
        )
        fry_a = farm_builder.stay(batch, tank_a, stages["Fry"], MOVE, departure)
        fry_b = farm_builder.stay(batch, tank_b, stages["Fry"], MOVE, departure)
        farm_builder.transfer(eggs, fry_a, MOVE, 5_000)
        farm_builder.transfer(eggs, fry_b, MOVE, 4_900)
        farm_builder.feeding(fry_a, days(MOVE, FEED_A))
        farm_builder.feeding(fry_b, days(MOVE, FEED_B))
        farm_builder.mortality(eggs, dt.date(2024, 1, 20), 30)
        farm_builder.mortality(fry_a, dt.date(2024, 3, 15), 12)
    assert recompute_batch(batch.id, today=TODAY).ok
    return batch


@pytest.fixture
def tanks(stages) -> list[m.Container]:
    names = [("H1-01", "tray", 5), ("H1-02", "tank", 50), ("H1-03", "tank", 50)]
    return farm_builder.hall("S01", "H1", names, stage=stages["Fry"])


@pytest.fixture
def batch(stages, tanks) -> m.Batch:
    return build("FO-2024-07", stages, tanks)


def test_a_batch_is_recorded_through_the_earliest_of_its_open_stays(api, batch):
    body = api.get(f"/api/v1/batches/{batch.id}/").json()
    assert body["recorded_through"] == {
        "feed": FEED_B.isoformat(),  # tank B's feed ends first
        "mortality": "2024-03-15",  # only tank A has a record: B's absence is no date
        "samples": None,
        "temperature": None,
        "counts": None,
    }
    (listed,) = api.get("/api/v1/batches/").json()["results"]
    assert listed["recorded_through"] == body["recorded_through"]


def test_each_stay_and_the_batch_in_the_growth_data(api, batch):
    data = api.get(f"/api/v1/batches/{batch.id}/growth/").json()
    assert data["batch"]["recorded_through"]["feed"] == FEED_B.isoformat()
    through = {a["container"]: a["recorded_through"] for a in data["assignments"]}
    assert {name: dates["feed"] for name, dates in through.items()} == {
        "H1-01": None,  # eggs are not fed
        "H1-02": FEED_A.isoformat(),
        "H1-03": FEED_B.isoformat(),
    }
    assert through["H1-01"]["mortality"] == "2024-01-20"
    # The tray departed with its counted transfers: they measured it on its last day.
    assert through["H1-01"]["counts"] == (MOVE - dt.timedelta(days=1)).isoformat()
    assert all(set(dates) == STREAMS for dates in through.values())


def test_a_batch_with_no_open_stay_takes_the_latest(api, stages, tanks):
    done = build("FO-2024-08", stages, tanks, departure=dt.date(2024, 3, 12))
    body = api.get(f"/api/v1/batches/{done.id}/").json()
    assert body["recorded_through"]["feed"] == FEED_A.isoformat()
    assert body["recorded_through"]["mortality"] == "2024-01-20"  # A's record was after


def test_never_computed_has_no_dates(api, species, stages, tanks):
    fresh = m.Batch.objects.create(number="FO-2025-01", species=species, start_date=START)
    farm_builder.stay(fresh, tanks[1], stages["Fry"], START, fish=100, weight_g=1.0)
    body = api.get(f"/api/v1/batches/{fresh.id}/").json()
    assert body["recorded_through"] == dict.fromkeys(STREAMS)


def test_the_batch_list_costs_the_same_queries_for_one_batch_or_three(api, stages, tanks, species):
    build("FO-2024-09", stages, tanks)
    with CaptureQueriesContext(connection) as one:
        assert len(api.get("/api/v1/batches/").json()["results"]) == 1
    for number in ("FO-2024-10", "FO-2024-11"):
        build(number, stages, tanks)
    with CaptureQueriesContext(connection) as three:
        assert len(api.get("/api/v1/batches/").json()["results"]) == 3
    assert len(three.captured_queries) == len(one.captured_queries)


def test_the_growth_data_answer_has_the_shape_its_schema_declares(api, batch):
    data = api.get(f"/api/v1/batches/{batch.id}/growth/").json()
    assert set(data) == set(GrowthDataSerializer().fields)
    assert set(data["batch"]) == set(GrowthBatchSerializer().fields)
    assert all(set(a) == set(GrowthStaySerializer().fields) for a in data["assignments"])
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    through = components["RecordedThrough"]["properties"]
    assert set(through) == STREAMS
    assert all(field["format"] == "date" and field["nullable"] for field in through.values())
    for component in ("Batch", "GrowthBatch", "GrowthStay"):
        assert "recorded_through" in components[component]["properties"]
