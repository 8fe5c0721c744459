"""A task that fails outside the engine still leaves a failed run for the operator."""

from __future__ import annotations

import datetime as dt

import pytest

from aquagrowth.distributed.pending import pending_store
from aquagrowth.distributed.tasks import MAX_RETRIES, recompute_batch_task
from aquagrowth.engine import runner
from aquagrowth.engine.locks import LOCK_NAMESPACE, batch_lock_key
from aquagrowth.engine.models import DailyState, RecomputeRun, RecomputeStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_batch_locked_too_long_is_retried_and_each_failure_is_stored(
    farm_batch, side_connection, settings
):
    batch, _, _ = farm_batch
    settings.AQUAGROWTH_BATCH_LOCK_TIMEOUT_S = 0.2
    # Another session (a stuck worker) holds the batch.
    side_connection.execute(
        "SELECT pg_advisory_lock(%s, %s)", (LOCK_NAMESPACE, batch_lock_key(batch.pk))
    )
    outcome = recompute_batch_task.apply(kwargs={"batch_id": batch.pk})
    assert outcome.failed()
    failed = RecomputeRun.objects.filter(batch=batch, status=RecomputeStatus.FAILED)
    assert failed.count() == MAX_RETRIES + 1, "one stored failure per attempt"
    assert all("lock timeout" in run.error for run in failed)
    assert sum("(retrying)" in run.error for run in failed) == MAX_RETRIES
    assert not DailyState.objects.filter(batch=batch).exists()

    side_connection.execute("SELECT pg_advisory_unlock_all()")
    assert recompute_batch_task.apply(kwargs={"batch_id": batch.pk}).get()["status"] == "ok"
    assert DailyState.objects.filter(batch=batch).count() > 100


def test_a_batch_deleted_before_its_task_ran_is_skipped(farm_batch):
    batch, _, _ = farm_batch
    batch_id = batch.pk
    batch.delete()
    assert recompute_batch_task.apply(kwargs={"batch_id": batch_id}).get()["status"] == "skipped"
    assert not RecomputeRun.objects.filter(batch_id=batch_id).exists()


def test_a_retry_recomputes_the_window_its_first_attempt_took(farm_batch, monkeypatch):
    """The pending day an attempt took (earlier than the task's own) stays in flight under
    the task id: the retry, sent with the task's first arguments, still recomputes from
    that day."""
    batch, _, _ = farm_batch
    day = dt.date(2024, 2, 1)
    pending_store().mark(batch.pk, day)
    real = runner.recompute_batch
    windows = []

    def lost_connection_once(batch_id, options):
        windows.append(options.since)
        if len(windows) == 1:
            error = "OperationalError: server closed the connection unexpectedly"
            return runner.BatchResult(batch_id=batch_id, error=error, transient=True)
        return real(batch_id, options)

    monkeypatch.setattr(runner, "recompute_batch", lost_connection_once)
    sent = {"batch_id": batch.pk, "since": "2024-03-01"}
    assert recompute_batch_task.apply(kwargs=sent).get()["status"] == "ok"
    assert windows == [day, day]
    failed, done = RecomputeRun.objects.filter(batch=batch).order_by("started_at")
    assert (failed.status, done.status) == (RecomputeStatus.FAILED, RecomputeStatus.OK)
    assert "(retrying)" in failed.error and done.since == day
