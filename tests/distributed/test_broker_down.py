"""A broker that hangs or refuses never hangs a save or the API, and nothing is lost.

Each test sends to a broker that fails as a real one does (``tests.distributed.brokers``:
a server that accepts and never answers, a port nothing listens on), with Redis and
with RabbitMQ URLs. What a user sees: the save returns at once and its event is stored,
the API answers 503 with the reason, the failure is a failed RecomputeRun, and the
batch's next recompute (here run in-process, as without a broker) takes the days that
were not queued.
"""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from aquagrowth.distributed.pending import CLAIM_TTL_S
from aquagrowth.distributed.runs import NOT_QUEUED, batches_not_queued, unqueued_since
from aquagrowth.distributed.tasks import recompute_recent
from aquagrowth.engine.models import DailyState, RecomputeRun, RecomputeStatus
from aquagrowth.farm import models as m
from aquagrowth.farm.signals import bulk_load
from tests.distributed.brokers import broker_at
from tests.distributed.conftest import REDIS_URL, require_redis

pytestmark = pytest.mark.django_db(transaction=True)

SAVE_BOUND_S = 1.0
"""The issue's bound: a save never waits longer than this on the broker."""


def sample(batch: m.Batch, assignment: m.Assignment, day: dt.date) -> m.GrowthSample:
    return m.GrowthSample.objects.create(
        batch=batch, assignment=assignment, sample_date=day, sample_size=40, avg_weight_g=30.0
    )


def timed(action) -> tuple[object, float]:
    started = time.monotonic()
    value = action()
    return value, time.monotonic() - started


def test_a_save_returns_within_a_second_and_its_recompute_is_a_failed_run(broker_down, farm_batch):
    batch, parr, _ = farm_batch
    day = dt.date(2024, 2, 1)

    saved, seconds = timed(lambda: sample(batch, parr, day))

    print(f"save with the broker {broker_down} down: {seconds:.3f} s")
    assert seconds < SAVE_BOUND_S
    assert m.GrowthSample.objects.filter(pk=saved.pk).exists(), "the event is stored"
    [run] = RecomputeRun.objects.filter(batch=batch)
    assert (run.status, run.trigger, run.since) == (RecomputeStatus.FAILED, "event", day)
    assert run.error.startswith(NOT_QUEUED)
    assert "127.0.0.1" in run.error, "the reason names the broker"
    assert unqueued_since(batch.pk) == (True, day)


def test_the_api_answers_503_with_the_reason_and_records_a_failed_run(
    broker_down, farm_batch, client
):
    batch, _, _ = farm_batch
    client.force_login(User.objects.create_user("ops", password="x", is_staff=True))
    # A server already serving: the view's code loaded (a bad request, nothing sent).
    assert client.post("/api/v1/recompute/", {}, content_type="application/json").status_code == 400

    response, seconds = timed(
        lambda: client.post(
            "/api/v1/recompute/",
            {"batch": batch.pk, "start": "2024-02-10"},
            content_type="application/json",
        )
    )

    print(f"POST /api/v1/recompute/ with the broker {broker_down} down: {seconds:.3f} s")
    assert response.status_code == 503, response.content
    assert seconds < SAVE_BOUND_S
    assert response["Retry-After"]
    detail = response.json()["detail"]
    assert "could not be queued" in detail and "127.0.0.1" in detail
    [run] = RecomputeRun.objects.filter(batch=batch)
    assert (run.status, run.trigger, run.since) == (
        RecomputeStatus.FAILED,
        "api",
        dt.date(2024, 2, 10),
    )


def test_the_next_recompute_takes_the_days_that_were_not_queued(
    dead_broker, farm_batch, anchored_model
):
    batch, parr, _ = farm_batch
    early, late = dt.date(2024, 1, 20), dt.date(2024, 4, 1)
    with broker_at(dead_broker):
        sample(batch, parr, early)
    # The broker is back (here: tasks run in this process, as without a broker).
    sample(batch, parr, late)

    failed, done = RecomputeRun.objects.filter(batch=batch).order_by("started_at", "id")
    assert failed.status == RecomputeStatus.FAILED
    assert (done.status, done.since) == (RecomputeStatus.OK, early), "widened to the early day"
    states = DailyState.objects.filter(assignment=parr)
    assert states.get(date=early).avg_weight_g == pytest.approx(30.0)
    assert unqueued_since(batch.pk) == (False, None), "the note is covered"


def test_the_nightly_run_takes_every_batch_with_days_not_queued(dead_broker, farm_batch):
    batch, parr, _ = farm_batch
    with bulk_load():
        batch.status = m.BatchStatus.CLOSED
        batch.save()
    early = dt.date(2024, 1, 10)
    with broker_at(dead_broker):
        sample(batch, parr, early)
    assert batches_not_queued() == [batch.pk]

    assert recompute_recent() == 1, "the closed batch is taken for its note"
    done = RecomputeRun.objects.filter(batch=batch, status=RecomputeStatus.OK).get()
    assert (done.trigger, done.since) == ("beat", early)
    assert batches_not_queued() == []


def test_the_nightly_run_notes_each_batch_it_cannot_queue_and_goes_on(broker_down, farm_batch):
    batch, _, _ = farm_batch

    _, seconds = timed(recompute_recent)

    assert seconds < SAVE_BOUND_S
    [run] = RecomputeRun.objects.filter(batch=batch)
    assert (run.status, run.trigger) == (RecomputeStatus.FAILED, "beat")
    assert run.error.startswith(NOT_QUEUED)


def test_a_farm_recompute_on_a_dead_broker_fails_at_once_naming_it(broker_down, farm_batch):
    batch, _, _ = farm_batch
    with pytest.raises(CommandError, match=r"not queued: .*127\.0\.0\.1"):
        call_command("recompute", "--via", "celery", "--no-progress", stdout=io.StringIO())
    [run] = RecomputeRun.objects.filter(batch=batch)
    assert (run.status, run.trigger) == (RecomputeStatus.FAILED, "celery")


def test_a_failed_send_leaves_no_pending_mark_so_the_next_event_is_sent(
    dead_broker, farm_batch, settings
):
    """The pending days live in a Redis that works while the broker fails: the mark the
    failed send made is dropped, and the first event after the broker is back sends its
    task (instead of waiting hours for the mark to expire)."""
    client = require_redis()
    settings.AQUAGROWTH_PENDING_URL = REDIS_URL
    batch, parr, _ = farm_batch
    with broker_at(dead_broker):
        _, seconds = timed(lambda: sample(batch, parr, dt.date(2024, 2, 1)))
    assert seconds < SAVE_BOUND_S
    assert client.keys("*:pending:*") == []

    with broker_at(REDIS_URL):  # back (no worker: the task waits in the queue)
        sample(batch, parr, dt.date(2024, 3, 1))
    assert client.llen("celery") == 1, "the next event's task was sent"
    [mark] = client.keys("*:pending:*")
    assert client.ttl(mark) > CLAIM_TTL_S, "its mark lives until the task takes it"
