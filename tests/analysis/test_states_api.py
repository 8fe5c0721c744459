"""The daily states list: filters and pages."""

from __future__ import annotations

import datetime as dt

from aquagrowth.engine.models import DailyState
from tests.analysis.conftest import build_batch

URL = "/api/v1/daily-states/"


def test_anonymous_is_refused(client, growth_batch):
    assert client.get(URL).status_code in (401, 403)


def test_filter_by_batch(api, growth_batch, species, stages, containers):
    other = build_batch("FO-2024-02", dt.date(2024, 5, 1), species, stages, containers)
    body = api.get(URL, {"batch": growth_batch.id}).json()
    assert body["count"] == DailyState.objects.filter(batch=growth_batch).count() == 60
    assert {row["batch"] for row in body["results"]} == {growth_batch.id}
    assert api.get(URL, {"batch": other.id}).json()["count"] == 60


def test_filter_by_assignment_container_and_dates(api, growth_batch):
    tray = growth_batch.assignments.get(container__name="S01-A-01")
    body = api.get(URL, {"assignment": tray.id}).json()
    assert body["count"] == 20
    assert {row["assignment"] for row in body["results"]} == {tray.id}
    body = api.get(
        URL, {"container": tray.container_id, "start": "2024-01-05", "end": "2024-01-08"}
    ).json()
    assert [row["date"] for row in body["results"]] == [
        "2024-01-05",
        "2024-01-06",
        "2024-01-07",
        "2024-01-08",
    ]
    first = body["results"][0]
    assert first["population"] == 1000 - 5
    assert first["weight_source"] == "scenario_tgc"
    assert first["temp_source"] == "measured"


def test_pages(api, growth_batch):
    first = api.get(URL, {"batch": growth_batch.id, "page_size": 25}).json()
    assert first["count"] == 60
    assert len(first["results"]) == 25
    assert first["next"] and first["previous"] is None
    last = api.get(URL, {"batch": growth_batch.id, "page_size": 25, "page": 3}).json()
    assert len(last["results"]) == 10
    assert last["next"] is None
    seen = {r["id"] for r in first["results"]} | {r["id"] for r in last["results"]}
    assert len(seen) == 35


def test_bad_filter_is_400(api, growth_batch):
    assert api.get(URL, {"start": "2024-02-01", "end": "2024-01-01"}).status_code == 400
    assert api.get(URL, {"batch": "x"}).status_code == 400


def test_one_state(api, growth_batch):
    state = DailyState.objects.filter(batch=growth_batch).first()
    body = api.get(f"{URL}{state.id}/").json()
    assert body["date"] == state.date.isoformat()
    assert body["avg_weight_g"] == state.avg_weight_g
