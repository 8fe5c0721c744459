"""Growth samples with their fish, new stays (assignments) and their departures."""

from __future__ import annotations

import datetime as dt

from aquagrowth.engine.models import DailyState, RecomputeRun
from aquagrowth.farm import models as m
from tests.ingest.conftest import NUMBER, PARR_TRAY, SMOLT_TRAY, feeding, post


def sample(external_id: str = "s-1", day: str = "2024-02-10", fish=None, **extra) -> dict:
    event = {
        "batch": NUMBER,
        "container": PARR_TRAY,
        "assignment_date": "2024-01-01",
        "sample_date": day,
        "sample_size": 3,
        "avg_weight_g": 21.0,
        "std_weight_g": 1.0,
        "source": "biolab",
        "external_id": external_id,
    }
    if fish is not None:
        event["fish"] = fish
    return {**event, **extra}


FISH = [
    {"fish_number": 1, "weight_g": 20.0, "length_cm": 11.5},
    {"fish_number": 2, "weight_g": 21.0, "length_cm": None},
    {"fish_number": 3, "weight_g": 22.0},
]


def test_a_sample_with_its_fish_is_stored_and_anchors_the_weight(api, farm, anchored_model):
    _, parr, _ = farm

    response = post(api, "samples", [sample(fish=FISH), sample("s-2", "2024-02-20")])

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["stored"], body["fish"]) == (2, {"stored": 3, "unchanged": 0})
    weighed = m.GrowthSample.objects.get(external_id="s-1")
    fish = weighed.fish.order_by("fish_number")
    assert [(f.fish_number, f.weight_g, f.length_cm) for f in fish] == [
        (1, 20.0, 11.5),
        (2, 21.0, None),
        (3, 22.0, None),
    ]
    assert DailyState.objects.get(assignment=parr, date=dt.date(2024, 2, 10)).avg_weight_g == 21.0


def test_a_sample_with_its_fish_sent_again_changes_nothing(api, farm):
    assert post(api, "samples", [sample(fish=FISH)]).status_code == 201

    again = post(api, "samples", [sample(fish=FISH)])

    assert again.status_code == 200, again.content
    body = again.json()
    assert (body["stored"], body["unchanged"], body["fish"]) == (
        0,
        1,
        {"stored": 0, "unchanged": 3},
    )
    assert m.FishObservation.objects.count() == 3


def test_a_bad_fish_is_named_within_its_sample(api, farm):
    fish = [*FISH[:2], {"fish_number": 3, "weight_g": 0}, {"fish_number": 4, "colour": "red"}]

    response = post(api, "samples", [sample("s-0", "2024-02-01"), sample(fish=fish)])

    assert response.status_code == 400
    assert response.json()["findings"] == [
        "[1].fish[3].colour: unknown field (fields: fish_number, weight_g, length_cm)",
        "[1].fish[2].weight_g: must be greater than 0, not 0",
    ]
    assert not m.GrowthSample.objects.exists()


def test_a_new_stay_and_its_departure(api, farm, operator):
    batch, _, _ = farm
    stay = {
        "batch": NUMBER,
        "container": "S01-A-03",
        "assignment_date": "2024-06-01",
        "stage": "Smolt",
        "population_count": 0,
        "avg_weight_g": None,
    }
    move = {
        "batch": NUMBER,
        "source_container": SMOLT_TRAY,
        "source_assignment_date": "2024-03-01",
        "dest_container": "S01-A-03",
        "dest_assignment_date": "2024-06-01",
        "execution_date": "2024-06-01",
        "transferred_count": 9000,
        "external_id": "t-1",
    }

    assert post(api, "assignments", [stay]).status_code == 201
    assert post(api, "assignments", [stay]).json()["unchanged"] == 1, "sent again: a no-op"
    assert post(api, "transfers", [move]).status_code == 201
    departure = {
        "batch": NUMBER,
        "container": "S01-A-03",
        "assignment_date": "2024-06-01",
        "departure_date": "2024-06-20",
    }
    response = post(api, "departures", [departure])

    assert response.status_code == 200, response.content
    body = response.json()
    new = m.Assignment.objects.get(batch=batch, container__name="S01-A-03")
    assert (body["updated"], body["unchanged"]) == (1, 0)
    assert body["updates"] == [
        f"[0]: updates assignment {new.pk}: departure_date (empty) -> 2024-06-20"
    ]
    assert new.departure_date == dt.date(2024, 6, 20)
    [change] = m.EventChange.objects.filter(model="farm.assignment", event_id=new.pk)
    assert (change.action, change.via, change.who, change.run_id) == (
        "update",
        "api",
        operator,
        body["import_run"],
    )
    assert (change.before["departure_date"], change.after["departure_date"]) == (None, "2024-06-20")
    assert body["recompute"]["batches"][0]["since"] == "2024-06-19", "the day before"
    assert RecomputeRun.objects.filter(trigger="event-api", since=dt.date(2024, 6, 19)).exists()
    again = post(api, "departures", [departure]).json()
    assert (again["updated"], again["unchanged"], again["import_run"]) == (0, 1, None)


def test_a_departure_never_leaves_events_outside_their_stay(api, farm):
    _, parr, _ = farm
    assert post(api, "feeding", [feeding(dt.date(2024, 2, 20))]).status_code == 201
    early = {
        "batch": NUMBER,
        "container": PARR_TRAY,
        "assignment_date": "2024-01-01",
        "departure_date": "2024-02-15",
    }
    unknown = {**early, "assignment_date": "2024-01-02", "departure_date": "2024-02-01"}
    backwards = {**early, "container": SMOLT_TRAY, "assignment_date": "2024-03-01",
                 "departure_date": "2024-02-01"}  # fmt: skip

    response = post(api, "departures", [early, unknown, backwards, {**early, "batch": None}])

    assert response.status_code == 400
    assert response.json()["findings"] == [
        "[3].batch: a value is required",
        "[1].assignment_date: batch FO-2024-01 has no stay in S01-A-01 arriving on 2024-01-02",
        "[2].departure_date: must be after assignment_date",
        "[0].departure_date: the stay has records on or after 2024-02-15 (the last: transfer "
        "out on 2024-02-29); correct or delete them first",
    ]
    parr.refresh_from_db()
    assert parr.departure_date == dt.date(2024, 3, 1)
    assert not m.EventChange.objects.exists()
