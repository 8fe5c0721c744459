"""With the broker down the events are stored and the answer names the failed run."""

from __future__ import annotations

import datetime as dt

import pytest

from aquagrowth.distributed.runs import NOT_QUEUED, unqueued_since
from aquagrowth.engine.models import RecomputeRun, RecomputeStatus
from aquagrowth.farm import models as m
from tests.ingest.conftest import feeding, post, url

pytestmark = pytest.mark.django_db(transaction=True)


def test_events_are_stored_and_the_failed_run_named(broker_down, api, farm):
    batch, _, _ = farm

    response = post(api, "feeding", [feeding(dt.date(2024, 2, 3))])

    assert response.status_code == 201, response.content
    [queued] = response.json()["recompute"]["batches"]
    assert response.json()["recompute"]["queued"] is False
    run = RecomputeRun.objects.get(pk=queued["failed_run"])
    assert (run.batch, run.status, run.trigger, run.since) == (
        batch,
        RecomputeStatus.FAILED,
        "event-api",
        dt.date(2024, 2, 3),
    )
    assert run.error.startswith(NOT_QUEUED) and "127.0.0.1" in queued["reason"]
    assert m.FeedingEvent.objects.count() == 1, "the events stay stored"
    assert unqueued_since(batch.pk) == (True, dt.date(2024, 2, 3)), "the next run takes them"


def test_a_delete_is_done_and_its_failed_run_named(broker_down, api, farm):
    assert post(api, "feeding", [feeding()]).status_code == 201

    response = api.delete(url("feeding") + "?source=feedsys-north&external_id=f-1")

    assert response.status_code == 200
    [queued] = response.json()["recompute"]["batches"]
    assert not queued["queued"] and RecomputeRun.objects.filter(pk=queued["failed_run"]).exists()
    assert not m.FeedingEvent.objects.exists()
