"""A recompute killed half-way leaves the previous rows intact (PostgreSQL).

A real ``aquagrowth recompute`` process is stopped with SIGKILL while its transaction is
inside the replacement of the batch's rows: it has rewritten some of them and waits on
one row that this test holds locked. Nothing of the half-done work may be visible.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest
from django.db import connection

from aquagrowth.engine.models import DailyState
from aquagrowth.engine.runner import recompute_batch
from aquagrowth.farm import models as m
from tests.recompute.conftest import server_dsn
from tests.recompute.test_recompute import STATE_FIELDS, TODAY, stored

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL: SIGKILL of a separate writer process",
    ),
]


def test_killed_recompute_leaves_previous_rows(small_batch, tmp_path):
    assert recompute_batch(small_batch.id, today=TODAY).ok
    before = stored(small_batch)
    last = DailyState.objects.filter(batch=small_batch).order_by("-id").first()
    # Fish died on the batch's first day that nobody had recorded: every later row of
    # every stay changes, so the recompute must rewrite them, the held one too.
    first_deaths = m.MortalityEvent.objects.filter(batch=small_batch).order_by("event_date")[0]
    m.MortalityEvent.objects.filter(pk=first_deaths.pk).update(count=first_deaths.count + 500)

    with (
        psycopg.connect(server_dsn()) as blocker,
        psycopg.connect(server_dsn(), autocommit=True) as observer,
    ):
        blocker.execute("SELECT 1 FROM farm_dailystate WHERE id = %s FOR UPDATE", [last.id])
        env = {
            **os.environ,
            "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
                **{
                    k: (v or d)
                    for (k, v), d in zip(
                        (
                            (k, connection.settings_dict[k])
                            for k in ("USER", "HOST", "PORT", "NAME")
                        ),
                        ("postgres", "127.0.0.1", 5432, ""),
                        strict=True,
                    )
                }
            ),
        }
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aquagrowth.cli",
                "recompute",
                "--batch",
                small_batch.number,
                "--end",
                TODAY.isoformat(),
                "--no-progress",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "worker.log").open("w"),
        )
        try:
            deadline = time.monotonic() + 120
            waiting = 0
            while time.monotonic() < deadline and not waiting and worker.poll() is None:
                # A separate autocommit connection: within one transaction PostgreSQL
                # keeps showing the first snapshot of pg_stat_activity.
                waiting = observer.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE '%%farm_dailystate%%'"
                ).fetchone()[0]
                time.sleep(0.05)
            assert waiting, (
                "the recompute never reached the rows: "
                + (tmp_path / "worker.log").read_text()[-2000:]
            )
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
        finally:
            if worker.poll() is None:
                worker.kill()
        blocker.rollback()

    assert stored(small_batch) == before
    # The server has ended the killed transaction: the next recompute goes through.
    assert recompute_batch(small_batch.id, today=TODAY).ok
    day = STATE_FIELDS.index("date")
    after = {(row[0], row[day]): row for row in stored(small_batch)}
    assert len(after) == len(before)
    moved = [row for row in before if after[(row[0], row[day])] != row]
    assert len(moved) > len(before) // 2  # the deaths reached the later days of every stay
