"""Killing ``recompute --workers 2`` by the parent's PID leaves no worker behind, and
the runs it left ``running`` are marked failed.

A real ``aquagrowth recompute --workers 2`` runs against the test database while this
test holds the table its workers must write (on SQLite the database's write lock), so
that both pool workers are alive and busy when the parent is killed with SIGKILL: no
chance to clean up. Within 5 s neither may be alive (Linux: /proc).
"""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from aquagrowth.engine.models import RecomputeRun, RecomputeStatus
from aquagrowth.farm.signals import bulk_load
from tests import farm_builder
from tests.distributed.conftest import database_url, wait_until
from tests.distributed.farm import build_transfer_batch
from tests.distributed.processes import alive, children

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)"),
]


@contextmanager
def writers_held() -> Iterator[None]:
    """Hold what a recompute writes, so that the workers wait, alive, inside their runs:
    on PostgreSQL the daily states' table (each worker has stored its run ``running``
    and computed its batch), on SQLite the database's one writer."""
    if connection.vendor == "postgresql":
        with psycopg.connect(database_url()) as holder:
            holder.execute("LOCK TABLE farm_dailystate IN SHARE MODE")
            yield
            holder.rollback()
        return
    holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def running_runs() -> int:
    return RecomputeRun.objects.filter(status=RecomputeStatus.RUNNING).count()


def command_database_url() -> str:
    if connection.vendor == "postgresql":
        return database_url()
    return f"sqlite:///{connection.settings_dict['NAME']}"


@pytest.fixture
def two_batches(species, stages, hall_containers):
    trays = farm_builder.hall(
        "S01", "B", [(f"S01-B-{i:02d}", "tray", 10) for i in range(1, 3)], stage=stages["Parr"]
    )
    with bulk_load():
        build_transfer_batch(species, stages, hall_containers, number="FO-2024-01")
        build_transfer_batch(species, stages, trays, number="FO-2024-02")


def kill_recompute_in_the_middle(log: Path) -> tuple[list[int], list[int]]:
    """Start ``recompute --workers 2``, SIGKILL its parent once both workers are busy;
    the workers' pids, and those still alive 5 s later."""
    env = {**os.environ, "DATABASE_URL": command_database_url()}
    command = [sys.executable, "-m", "aquagrowth.cli", "recompute", "--workers", "2"]
    with writers_held(), log.open("w") as out:
        parent = subprocess.Popen(
            [*command, "--no-progress"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
        workers: list[int] = []
        try:
            workers = wait_until(lambda: len(children(parent.pid)) == 2 and children(parent.pid),
                                 60, "two pool workers")  # fmt: skip
            if connection.vendor == "postgresql":
                wait_until(lambda: running_runs() == 2, 60, "both runs stored as running")
            time.sleep(0.5)  # both waiting to write
            assert all(alive(pid) for pid in workers), log.read_text()[-2000:]
            parent.send_signal(signal.SIGKILL)
            parent.wait(10)
            killed = time.monotonic()
            while any(alive(pid) for pid in workers) and time.monotonic() - killed < 5:
                time.sleep(0.05)
            print(f"workers gone {time.monotonic() - killed:.2f} s after their parent")
            return workers, [pid for pid in workers if alive(pid)]
        finally:
            for pid in workers:  # a failed test must not leave them writing
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)
            if parent.poll() is None:
                parent.kill()


def test_pool_workers_die_with_their_parent_killed_by_sigkill(two_batches, tmp_path):
    workers, survivors = kill_recompute_in_the_middle(tmp_path / "recompute.log")
    assert len(workers) == 2
    assert survivors == [], f"pool workers {survivors} outlived their parent by 5 s"


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="runs stored before the kill")
def test_the_runs_of_a_killed_recompute_are_marked_failed_by_the_next_one(two_batches, tmp_path):
    kill_recompute_in_the_middle(tmp_path / "recompute.log")
    assert running_runs() == 2, "the killed workers' runs, left running"

    out = io.StringIO()
    call_command("recompute", "--no-progress", stdout=out, stderr=out)

    assert running_runs() == 0
    killed = RecomputeRun.objects.filter(status=RecomputeStatus.FAILED)
    assert killed.count() == 2
    assert all("died" in run.error and run.finished_at for run in killed)
    assert RecomputeRun.objects.filter(status=RecomputeStatus.OK).count() == 2
