"""Runs left "running" by a dead process are marked failed; live ones are left alone.

On PostgreSQL a run is stale when its batch's lock is free (a live recompute holds it);
on SQLite when it started more than ``AQUAGROWTH_STALE_RUN_S`` ago. The sweep runs
before every ``recompute`` and from beat.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from aquagrowth.distributed.tasks import sweep_stale_runs
from aquagrowth.engine.locks import LOCK_NAMESPACE, batch_lock_key
from aquagrowth.engine.models import RecomputeRun, RecomputeStatus
from aquagrowth.engine.runner import recompute_batch
from aquagrowth.farm import models as m
from tests.distributed.processes import alive

pytestmark = pytest.mark.django_db(transaction=True)


def running(batch: m.Batch, minutes_ago: float) -> RecomputeRun:
    started = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return RecomputeRun.objects.create(
        batch=batch, trigger="cli", started_at=started, status=RecomputeStatus.RUNNING
    )


def status(run: RecomputeRun) -> str:
    run.refresh_from_db()
    return run.status


@pytest.fixture
def another_batch(species) -> m.Batch:
    return m.Batch.objects.create(number="FO-2024-09", species=species, start_date=dt.date.today())


def test_postgresql_marks_the_runs_whose_batch_lock_is_free(batch, another_batch, side_connection):
    dead, live = running(batch, 1), running(another_batch, 1)
    # Another process is recomputing the second batch right now: it holds the lock.
    key = (LOCK_NAMESPACE, batch_lock_key(another_batch.pk))
    side_connection.execute("SELECT pg_advisory_lock(%s, %s)", key)

    assert sweep_stale_runs.apply().get() == 1

    assert status(dead) == RecomputeStatus.FAILED
    dead.refresh_from_db()
    assert "died" in dead.error and "lock was free" in dead.error and dead.finished_at
    assert status(live) == RecomputeStatus.RUNNING, "a live recompute is left alone"
    side_connection.execute("SELECT pg_advisory_unlock(%s, %s)", key)
    assert recompute_batch(batch.pk).ok, "the sweep let go of the lock it took"


def test_sqlite_marks_the_runs_older_than_the_limit(batch, another_batch, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("on PostgreSQL the lock decides, not the age")
    monkeypatch.setattr(settings, "AQUAGROWTH_STALE_RUN_S", 600)
    old, recent = running(batch, 11), running(another_batch, 9)

    assert sweep_stale_runs.apply().get() == 1

    assert status(old) == RecomputeStatus.FAILED
    old.refresh_from_db()
    assert "600 s" in old.error and "died" in old.error
    assert status(recent) == RecomputeStatus.RUNNING


def test_beat_sweeps_every_ten_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-stale-runs"]
    assert entry["task"] == sweep_stale_runs.name
    assert entry["schedule"].minute == set(range(0, 60, 10))


WATCHED_CHILD = """
import os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aquagrowth.settings")
django.setup()
from aquagrowth.engine import runner
parent = os.getpid()
child = os.fork()
if child == 0:
    sys.platform = "darwin"  # no prctl: the fallback must do
    runner._die_with_parent(parent)
    time.sleep(60)
    os._exit(0)
print(child, flush=True)
time.sleep(60)
"""


def test_without_prctl_a_pool_process_polls_its_parent_and_dies_with_it(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", WATCHED_CHILD], stdout=subprocess.PIPE)
    child = int(parent.stdout.readline())
    try:
        time.sleep(0.3)
        assert alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and alive(child):
            time.sleep(0.05)
        assert not alive(child), "the child outlived its parent"
    finally:
        if alive(child):
            os.kill(child, signal.SIGKILL)
