"""A request's import run can be undone like a file's (aquagrowth import --undo RUN)."""

from __future__ import annotations

import datetime as dt

from aquagrowth.farm import models as m
from aquagrowth.farm.csvio.undo import undo_run
from tests.ingest.conftest import NUMBER, SMOLT_TRAY, feeding, post


def test_a_request_is_undone_whole(api, farm):
    assert post(api, "feeding", [feeding(amount_kg=4.0)]).status_code == 201
    second = post(api, "feeding", [feeding(amount_kg=3.0), feeding(external_id="f-2")]).json()

    undo_run(second["import_run"], who_name="ops")

    assert list(m.FeedingEvent.objects.values_list("external_id", "amount_kg")) == [("f-1", 4.0)]


def test_a_departure_is_undone(api, farm):
    _, _, smolt = farm
    departure = {
        "batch": NUMBER,
        "container": SMOLT_TRAY,
        "assignment_date": "2024-03-01",
        "departure_date": "2024-07-01",
    }
    answer = post(api, "departures", [departure]).json()
    smolt.refresh_from_db()
    assert smolt.departure_date == dt.date(2024, 7, 1)

    undo_run(answer["import_run"], who_name="ops")

    smolt.refresh_from_db()
    assert smolt.departure_date == dt.date(2024, 6, 1)
