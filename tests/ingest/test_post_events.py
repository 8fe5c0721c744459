"""POST /api/v1/events/<kind>/: the CSV import's checks, all or nothing, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum

from aquagrowth.engine.models import DailyState, RecomputeRun
from aquagrowth.farm import models as m
from aquagrowth.ingest.payload import MAX_EVENTS
from tests import farm_builder
from tests.ingest.conftest import NUMBER, PARR_TRAY, days, feeding, post


def feed_of(batch: m.Batch) -> float:
    """The batch's feed as its daily states say (what a user sees)."""
    return DailyState.objects.filter(batch=batch).aggregate(total=Sum("feed_kg"))["total"] or 0.0


def test_feeding_is_stored_and_its_batch_recomputed(api, farm):
    batch, parr, _ = farm
    events = [feeding(day, 2.0, f"f-{i}") for i, day in enumerate(days(dt.date(2024, 2, 1), 5))]

    response = post(api, "feeding", events)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["stored"], body["updated"], body["unchanged"]) == (5, 0, 0)
    assert body["import_run"] and body["updates"] == []
    assert body["recompute"] == {
        "queued": True,
        "batches": [{"batch": batch.pk, "number": NUMBER, "since": "2024-02-01", "queued": True}],
    }
    stored = m.FeedingEvent.objects.filter(batch=batch, source="feedsys-north")
    assert stored.count() == 5
    assert {e.import_run_id for e in stored} == {body["import_run"]}
    [run] = RecomputeRun.objects.filter(batch=batch)
    assert (run.trigger, run.since, run.status) == ("event-api", dt.date(2024, 2, 1), "ok")
    assert DailyState.objects.get(assignment=parr, date=dt.date(2024, 2, 3)).feed_kg == 2.0


def test_sending_the_same_events_again_changes_nothing(api, farm):
    batch, _, _ = farm
    events = [feeding(day, 1.5, f"f-{i}") for i, day in enumerate(days(dt.date(2024, 2, 1), 3))]
    assert post(api, "feeding", events).status_code == 201
    feed = feed_of(batch)

    again = post(api, "feeding", events)

    assert again.status_code == 200, again.content
    body = again.json()
    assert (body["stored"], body["updated"], body["unchanged"]) == (0, 0, 3)
    assert body["import_run"] is None, "nothing changed: no run"
    assert m.FeedingEvent.objects.filter(batch=batch).count() == 3
    assert feed_of(batch) == pytest.approx(feed)


def test_a_changed_event_with_the_same_identity_is_an_update_with_its_change(api, farm, operator):
    batch, _, _ = farm
    assert post(api, "feeding", [feeding(amount_kg=4.1)]).status_code == 201
    event = m.FeedingEvent.objects.get(external_id="f-1")

    response = post(api, "feeding", [feeding(amount_kg=3.95)])

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["stored"], body["updated"]) == (0, 1)
    assert body["updates"] == [f"[0]: updates feeding {event.pk}: amount_kg 4.1 -> 3.95"]
    event.refresh_from_db()
    assert event.amount_kg == 3.95
    [change] = m.EventChange.objects.filter(event_id=event.pk)
    assert (change.action, change.via, change.who, change.run_id) == (
        "update",
        "api",
        operator,
        body["import_run"],
    )
    assert (change.before["amount_kg"], change.after["amount_kg"]) == (4.1, 3.95)
    assert m.FeedingEvent.objects.filter(batch=batch).count() == 1


def test_a_bad_event_is_named_by_index_and_nothing_is_stored(api, farm):
    events = [feeding(day, 1.0, f"f-{i}") for i, day in enumerate(days(dt.date(2024, 2, 1), 5))]
    events[3]["amount_kg"] = -2

    response = post(api, "feeding", events)

    assert response.status_code == 400
    assert response.json() == {
        "findings": ["[3].amount_kg: must be at least 0, not -2"],
        "total": 1,
    }
    assert not m.FeedingEvent.objects.exists()
    assert not m.ImportRun.objects.exists()


def test_findings_of_shape_and_of_the_import_come_together(api, farm):
    events = [
        feeding(external_id="a"),
        "not an event",
        feeding(external_id="b", amount_kg=[1]),
        feeding(external_id="c", colour="red"),
        feeding(external_id="d", container="NOWHERE"),
        {},
        feeding(external_id="e", day=dt.date(2024, 3, 5)),
    ]

    response = post(api, "feeding", events)

    assert response.status_code == 400
    assert response.json()["findings"] == [
        "[1]: an event must be an object of fields",
        "[2].amount_kg: a list is not a value; give a number, text or null",
        "[3].colour: unknown field (fields: batch, container, feeding_date, feeding_time, "
        "amount_kg, feed_type, source, external_id)",
        "[5]: an empty event: no field has a value",
        "[4].container: no container 'NOWHERE' in the files or the database",
        "[6].feeding_date: batch FO-2024-01 is not in S01-A-01 on 2024-03-05",
    ]
    assert not m.FeedingEvent.objects.exists()


def test_json_values_are_read_as_csv_cells(api, farm):
    _, parr, _ = farm
    counts = [
        {"batch": NUMBER, "container": PARR_TRAY, "assignment_date": "2024-01-01",
         "event_date": "2024-01-05", "count": 3.0, "external_id": "m-1"},
        {"batch": NUMBER, "container": PARR_TRAY, "assignment_date": "2024-01-01",
         "event_date": "2024-01-06", "count": True, "external_id": "m-2"},
    ]  # fmt: skip

    response = post(api, "mortality", counts)

    assert response.json()["findings"] == [
        "[0].count: '3.0' is not a whole number",
        "[1].count: 'yes' is not a whole number",
    ]
    counts[0]["count"], counts[1]["count"] = 3, 2
    counts[1]["cause"] = "=HYPERLINK()"  # text is kept as sent
    assert post(api, "mortality", counts).status_code == 201
    assert m.MortalityEvent.objects.get(external_id="m-2").cause == "=HYPERLINK()"
    assert (
        sum(m.MortalityEvent.objects.filter(assignment=parr).values_list("count", flat=True)) == 5
    )


def test_more_than_the_limit_is_refused_naming_it(api, farm):
    events = [feeding(external_id=f"f-{i}") for i in range(MAX_EVENTS + 1)]
    response = post(api, "feeding", events)
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"{MAX_EVENTS + 1} events: at most {MAX_EVENTS} per request; send them in parts."
    }
    assert not m.FeedingEvent.objects.exists()


@pytest.mark.parametrize("body", [{"batch": NUMBER}, "feeding", 42, None])
def test_a_body_that_is_no_list_is_refused(api, farm, body):
    response = post(api, "feeding", body)
    assert response.status_code == 400
    assert "list of events" in response.json()["detail"]


def test_a_body_that_is_no_json_is_refused(api, farm):
    response = api.post("/api/v1/events/feeding/", "[{", content_type="application/json")
    assert response.status_code == 400


def test_an_unknown_kind_is_404(api, farm):
    assert post(api, "lice", [feeding()]).status_code == 404


def test_repeats_without_identity_are_reported_skipped_or_allowed(api, farm):
    batch, _, _ = farm
    plain = feeding(external_id=None, source=None)
    assert post(api, "feeding", [plain]).status_code == 201
    stored = m.FeedingEvent.objects.get()

    reported = post(api, "feeding", [plain])
    skipped = post(api, "feeding", [plain], "?repeats=skip")
    allowed = post(api, "feeding", [plain], "?repeats=allow")

    assert reported.status_code == 400
    assert reported.json()["findings"] == [
        f"[0]: the same event is already stored (feeding {stored.pk}); ?repeats=skip leaves "
        "such events out, ?repeats=allow stores them as new events"
    ]
    assert (skipped.status_code, skipped.json()["repeats_skipped"]) == (200, 1)
    assert (allowed.status_code, allowed.json()["stored"]) == (201, 1)
    assert m.FeedingEvent.objects.filter(batch=batch).count() == 2
    assert post(api, "feeding", [plain], "?repeats=maybe").status_code == 400


STAY = {"batch": NUMBER, "container": PARR_TRAY, "assignment_date": "2024-01-01"}
ONE_OF_EACH = {
    "feeding": feeding(),
    "mortality": {**STAY, "event_date": "2024-01-05", "count": 12, "cause": "fungus"},
    "samples": {**STAY, "sample_date": "2024-02-01", "sample_size": 30, "avg_weight_g": 18.5},
    "weighings": {
        **STAY,
        "weighing_date": "2024-02-02",
        "reason": "vaccination",
        "fish_weighed": 50,
        "avg_weight_g": 19.0,
    },
    "harvests": {**STAY, "harvest_date": "2024-02-28", "count": 10, "live_weight_kg": 0.25},
    "population_counts": {
        **STAY,
        "count_date": "2024-02-10",
        "count": 9950,
        "method": "counter",
        "precision_pct": 1.5,
        "note": "graded",
    },
    "readings": {
        "container": PARR_TRAY,
        "parameter": "temperature",
        "reading_time": "2024-02-01T06:00:00Z",
        "value": 8.25,
    },
}


@pytest.mark.parametrize("kind", list(ONE_OF_EACH))
def test_every_kind_is_stored_once_however_often_it_is_sent(api, farm, operator, kind):
    farm_builder.temperature_parameter()
    event = dict(ONE_OF_EACH[kind])
    if kind != "readings":
        event.update(source="farmsys", external_id=f"{kind}-1")

    first = post(api, kind, [event])
    again = post(api, kind, [event])

    assert first.status_code == 201, first.content
    assert (again.status_code, again.json()["unchanged"], again.json()["stored"]) == (200, 1, 0)
    run = m.ImportRun.objects.get(pk=first.json()["import_run"])
    assert (run.via, run.who, run.counts[kind]["stored"]) == ("api", operator, 1)
    assert run.origin.startswith(f"api {kind}: 1 events")
    assert first.json()["recompute"]["queued"]
