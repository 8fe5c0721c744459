"""DELETE /api/v1/events/<kind>/?source=S&external_id=E: gone, recorded, recomputed."""

from __future__ import annotations

import datetime as dt

from aquagrowth.engine.models import DailyState, RecomputeRun
from aquagrowth.farm import models as m
from tests import farm_builder
from tests.access import person
from tests.ingest.conftest import NUMBER, PARR_TRAY, feeding, post, url


def delete(client, kind: str, query: str):
    return client.delete(f"{url(kind)}?{query}")


def test_an_event_deleted_by_its_identity_is_recorded_and_its_batch_recomputed(api, farm, operator):
    batch, parr, _ = farm
    assert post(api, "feeding", [feeding(dt.date(2024, 2, 5), 3.0)]).status_code == 201
    event = m.FeedingEvent.objects.get()
    assert DailyState.objects.get(assignment=parr, date=dt.date(2024, 2, 5)).feed_kg == 3.0

    response = delete(api, "feeding", "source=feedsys-north&external_id=f-1")

    assert response.status_code == 200, response.content
    body = response.json()
    [change] = m.EventChange.objects.filter(action="delete")
    assert body["deleted"] == [
        {"id": event.pk, "source": "feedsys-north", "external_id": "f-1", "change": change.pk}
    ]
    assert body["recompute"]["batches"][0]["since"] == "2024-02-05"
    assert not m.FeedingEvent.objects.exists()
    assert (change.model, change.event_id, change.via, change.who) == (
        "farm.feedingevent",
        event.pk,
        "api",
        operator,
    )
    assert change.before["amount_kg"] == 3.0 and change.after is None
    assert RecomputeRun.objects.filter(batch=batch, since=dt.date(2024, 2, 5)).count() == 2
    assert not DailyState.objects.get(assignment=parr, date=dt.date(2024, 2, 5)).feed_kg


def test_deleting_what_is_not_there_is_404(api, farm):
    assert delete(api, "feeding", "source=feedsys-north&external_id=nope").status_code == 404
    assert delete(api, "feeding", "external_id=nope").status_code == 404
    assert delete(api, "feeding", "source=feedsys-north").status_code == 400
    assert not m.EventChange.objects.exists()


def test_stays_are_not_deleted_through_the_api(api, farm):
    assert api.delete(url("assignments") + "?batch=FO-2024-01").status_code == 405
    assert api.delete(url("departures")).status_code == 405


def test_a_reading_is_deleted_by_its_container_parameter_and_time(api, farm):
    readings = [
        {"container": PARR_TRAY, "parameter": "temperature",
         "reading_time": f"2024-02-0{day}T06:00:00Z", "value": 9.5}
        for day in (1, 2)
    ]  # fmt: skip
    farm_builder.temperature_parameter()
    assert post(api, "readings", readings).status_code == 201
    assert post(api, "readings", readings).json()["unchanged"] == 2

    response = delete(
        api, "readings", "container=S01-A-01&parameter=temperature&reading_time=2024-02-02T06:00Z"
    )

    assert response.status_code == 200, response.content
    assert response.json()["deleted"][0]["reading_time"] == "2024-02-02T06:00:00+00:00"
    assert m.EnvironmentalReading.objects.count() == 1
    [since] = [b["since"] for b in response.json()["recompute"]["batches"]]
    assert since == "2024-01-26", "a reading's interpolation reach before it"
    assert delete(api, "readings", "container=S01-A-01").status_code == 400


def test_an_event_of_another_site_is_not_deleted(as_user, api, farm):
    assert post(api, "feeding", [feeding()]).status_code == 201
    elsewhere = person("pensys", "operator", sea_areas=["Vestmanna"])
    viewer = person("biologist", "viewer", stations=["S01"])
    query = "source=feedsys-north&external_id=f-1"

    assert delete(as_user(elsewhere), "feeding", query).status_code == 404, "batch not seen"
    assert delete(as_user(viewer), "feeding", query).status_code == 403
    assert m.FeedingEvent.objects.count() == 1


def test_an_event_of_a_seen_batch_at_another_site_is_forbidden(as_user, api, farm, stages):
    batch, _, smolt = farm
    [pen] = farm_builder.sea_area("Vestmanna", ["VM-01"])
    farm_builder.stay(batch, pen, stages["Smolt"], smolt.departure_date)
    assert post(api, "feeding", [feeding()]).status_code == 201
    at_sea = person("pensys", "operator", sea_areas=["Vestmanna"])

    response = delete(as_user(at_sea), "feeding", "source=feedsys-north&external_id=f-1")

    assert response.status_code == 403
    assert m.FeedingEvent.objects.filter(batch__number=NUMBER).count() == 1
