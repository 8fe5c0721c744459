"""A task that fails outside the engine still leaves a failed run for the operator."""

from __future__ import annotations

import pytest

from aquagrowth.distributed.locks import LOCK_NAMESPACE, batch_lock_key
from aquagrowth.distributed.tasks import MAX_RETRIES, recompute_batch_task
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
