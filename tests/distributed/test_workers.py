"""Real Celery workers (subprocesses) on PostgreSQL and Redis.

Each test starts ``celery -A aquagrowth worker -P prefork -c 1`` processes against the
test database and a Redis database of their own, and watches what a user would: the
daily states and the RecomputeRun rows.
"""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from aquagrowth.distributed.dispatch import recompute_farm_via_celery
from aquagrowth.distributed.pending import RedisPendingStore
from aquagrowth.distributed.tasks import send_recompute
from aquagrowth.engine.locks import LOCK_NAMESPACE, batch_lock_key
from aquagrowth.engine.models import DailyState, RecomputeRun, RecomputeStatus
from aquagrowth.engine.runner import RecomputeOptions, recompute_batch
from aquagrowth.farm import models as m
from aquagrowth.farm.signals import bulk_load
from tests.distributed.brokers import broker_at
from tests.distributed.conftest import REDIS_URL, wait_until
from tests.distributed.farm import END, START, TRANSFER_DAY, state_rows

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def weights(assignment: m.Assignment) -> dict[dt.date, float]:
    return dict(
        DailyState.objects.filter(assignment=assignment).values_list("date", "avg_weight_g")
    )


def first_difference(got: list[tuple], expected: list[tuple]) -> str:
    """Where two sets of state rows part, for a readable failure."""
    if len(got) != len(expected):
        return f"{len(got)} rows instead of {len(expected)}"
    for row, (a, b) in enumerate(zip(got, expected, strict=True)):
        if a != b:
            return f"row {row}: " + ", ".join(
                f"column {i}: {x!r} != {y!r}"
                for i, (x, y) in enumerate(zip(a, b, strict=True))
                if x != y
            )
    return "equal"


def advisory_waiters(side_connection, batch_id: int) -> int:
    """Sessions waiting for the batch's lock (workers blocked inside the task)."""
    return side_connection.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND classid::bigint = %s AND objid::bigint = %s",
        (LOCK_NAMESPACE, batch_lock_key(batch_id) & 0xFFFF_FFFF),
    ).fetchone()[0]


def test_a_saved_growth_sample_reaches_its_assignment_and_downstream_within_seconds(
    anchored_model, start_worker, farm_batch
):
    batch, parr, smolt = farm_batch
    recompute_batch(batch.pk)
    parr_before, smolt_before = weights(parr), weights(smolt)
    start_worker("w1")

    day = dt.date(2024, 2, 1)
    measured_g = parr_before[day] * 1.4
    saved = time.monotonic()
    m.GrowthSample.objects.create(
        batch=batch, assignment=parr, sample_date=day, sample_size=40, avg_weight_g=measured_g
    )
    wait_until(
        lambda: weights(parr)[day] == pytest.approx(measured_g), 20, "the sample day's weight"
    )
    seconds = time.monotonic() - saved
    parr_after, smolt_after = weights(parr), weights(smolt)
    print(f"sample to states: {seconds:.2f} s")

    assert seconds < 10
    # Before the sample, back to the opening weight (no anchor in between), the curve is
    # re-fitted to arrive at the sample; after it the fish stay heavier.
    assert all(parr_after[d] > parr_before[d] for d in parr_before)
    # Downstream: the smolt received heavier fish, every day of its stay.
    assert all(smolt_after[d] > smolt_before[d] for d in smolt_before)
    run = RecomputeRun.objects.get(batch=batch, trigger="event")
    assert (run.since, run.status) == (day, RecomputeStatus.OK)


def test_a_burst_of_1000_events_costs_a_handful_of_recomputes_and_loses_none(
    start_worker, farm_batch, settings
):
    batch, parr, smolt = farm_batch
    # One-by-one saves take 4-9 s on a busy two-core machine; a wider window than the
    # default 2 s keeps the count of recomputes independent of that machine's load.
    settings.AQUAGROWTH_COALESCE_SECONDS = 4
    start_worker("w1")
    days = (END - START).days
    expected_feed_kg = 0.0
    saved = time.monotonic()
    for i in range(1000):
        day = START + dt.timedelta(days=i * days // 1000)
        container = parr.container if day < TRANSFER_DAY else smolt.container
        amount_kg = 1.0 + (i % 7) / 10
        expected_feed_kg += amount_kg
        m.FeedingEvent.objects.create(
            batch=batch, container=container, feeding_date=day, amount_kg=amount_kg
        )
    burst_s = time.monotonic() - saved

    def stored_feed_kg() -> float:
        # Days whose meals have not been recomputed yet are feed unknown (NULL), not 0 kg.
        states = DailyState.objects.filter(batch=batch)
        return states.aggregate(fed=Sum("feed_kg"))["fed"] or 0.0

    wait_until(
        lambda: stored_feed_kg() == pytest.approx(expected_feed_kg), 60, "all feed in the states"
    )
    store = RedisPendingStore(REDIS_URL)
    wait_until(lambda: not store.client.keys("*pending*"), 20, "no batch left pending")
    wait_until(
        lambda: not RecomputeRun.objects.filter(status=RecomputeStatus.RUNNING).exists(),
        20,
        "no recompute still running",
    )
    statuses = list(RecomputeRun.objects.filter(batch=batch).values_list("status", flat=True))
    print(f"1000 events saved in {burst_s:.2f} s -> {len(statuses)} recomputes")
    assert 1 <= len(statuses) <= 5
    assert set(statuses) == {RecomputeStatus.OK}


def test_two_workers_given_one_batch_at_once_store_the_rows_of_one_recompute(
    start_worker, farm_batch, side_connection
):
    batch, _, _ = farm_batch
    recompute_batch(batch.pk)
    expected = state_rows(batch.pk)
    DailyState.objects.filter(batch=batch).delete()
    RecomputeRun.objects.all().delete()
    start_worker("w1")
    start_worker("w2")

    # Hold the batch so that both tasks are inside their workers before either may start.
    key = (LOCK_NAMESPACE, batch_lock_key(batch.pk))
    side_connection.execute("SELECT pg_advisory_lock(%s, %s)", key)
    options = RecomputeOptions(trigger="celery")
    sent = [send_recompute(batch.pk, options, keep_result=True) for _ in range(2)]
    task_ids = [result.id for result in sent]
    wait_until(lambda: advisory_waiters(side_connection, batch.pk) == 2, 30, "both waiting")
    side_connection.execute("SELECT pg_advisory_unlock(%s, %s)", key)

    outcomes = [result.get(timeout=60) for result in sent]
    assert [o["status"] for o in outcomes] == ["ok", "ok"]
    got = state_rows(batch.pk)
    assert got == expected, first_difference(got, expected)
    first, second = RecomputeRun.objects.filter(batch=batch).order_by("started_at")
    assert {first.task_id, second.task_id} == set(task_ids)
    assert first.finished_at <= second.started_at, "the two runs did not overlap"


def test_a_farm_recompute_on_the_workers_stops_at_the_end_day_asked(start_worker, farm_batch):
    batch, _, _ = farm_batch
    start_worker("w1")
    end = TRANSFER_DAY + dt.timedelta(days=10)

    outcomes = recompute_farm_via_celery([batch.pk], RecomputeOptions(end=end), progress=False)

    assert [o.status for o in outcomes] == ["ok"]
    last = DailyState.objects.filter(batch=batch).order_by("-date").values_list("date", flat=True)
    assert last.first() == end
    assert outcomes[0].rows == DailyState.objects.filter(batch=batch).count()


def test_the_recompute_command_on_the_workers_honours_force(start_worker, farm_batch):
    batch, _, _ = farm_batch
    recompute_batch(batch.pk)
    rows = DailyState.objects.filter(batch=batch).count()
    start_worker("w1")

    def recompute_via_celery(*flags: str) -> str:
        out = io.StringIO()
        call_command("recompute", "--via", "celery", "--no-progress", *flags, stdout=out)
        return out.getvalue()

    # Nothing changed since the last recompute: only --force rewrites the rows.
    assert f"{rows:,} daily states (0 rows written)" in recompute_via_celery()
    assert f"{rows:,} daily states ({rows:,} rows written)" in recompute_via_celery("--force")
    triggers = RecomputeRun.objects.filter(batch=batch).values_list("trigger", "status")
    assert list(triggers.order_by("started_at"))[1:] == [("celery", RecomputeStatus.OK)] * 2


def test_a_worker_killed_mid_batch_leaves_the_old_rows_and_another_worker_redoes_it(
    start_worker, farm_batch, side_connection
):
    batch, parr, _ = farm_batch
    recompute_batch(batch.pk)
    old_rows = state_rows(batch.pk)
    with bulk_load():
        m.GrowthSample.objects.create(
            batch=batch,
            assignment=parr,
            sample_date=dt.date(2024, 2, 1),
            sample_size=40,
            avg_weight_g=60.0,
        )

    # A reader holds one of the batch's rows: the worker's replacing transaction (COPY
    # into staging, then update in place) blocks there, half-way, until the test lets go.
    side_connection.execute("BEGIN")
    side_connection.execute(
        "SELECT id FROM farm_dailystate WHERE assignment_id = %s AND date = %s FOR UPDATE",
        (parr.pk, dt.date(2024, 2, 15)),
    )
    doomed = start_worker("doomed")
    sent = send_recompute(batch.pk, RecomputeOptions(trigger="celery"), keep_result=True)
    task_id = sent.id

    def blocked_writer() -> bool:
        # Asked outside the side transaction, whose view of pg_stat_activity is frozen.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query LIKE '%%farm_dailystate%%'"
            )
            return cursor.fetchone()[0] > 0

    wait_until(blocked_writer, 30, "the worker inside its replacing transaction")
    doomed.kill()
    assert state_rows(batch.pk) == old_rows, "the killed run changed stored rows"
    assert DailyState.objects.filter(batch=batch).count() == len(old_rows)

    side_connection.execute("COMMIT")
    start_worker("rescuer")
    outcome = sent.get(timeout=90)
    assert outcome["status"] == "ok"
    redone = state_rows(batch.pk)
    assert redone != old_rows, "the redone run stored the new sample"
    recompute_batch(batch.pk)
    assert state_rows(batch.pk) == redone, "the redone run equals a plain recompute"
    attempts = dict(RecomputeRun.objects.filter(task_id=task_id).values_list("status", "error"))
    assert attempts.keys() == {RecomputeStatus.OK, RecomputeStatus.FAILED}
    assert "redelivered" in attempts[RecomputeStatus.FAILED]


def test_after_a_frozen_broker_the_next_event_recomputes_the_days_it_missed(
    anchored_model, start_worker, farm_batch, frozen_server
):
    """The issue's case: a broker that hangs. The save returns at once, its recompute is a
    failed run; once the broker answers again the next event's task recomputes from the
    earlier, missed day too."""
    batch, parr, _ = farm_batch
    recompute_batch(batch.pk)
    missed, later = dt.date(2024, 1, 20), dt.date(2024, 4, 1)
    with broker_at(f"redis://127.0.0.1:{frozen_server.port}/0"):
        saved = time.monotonic()
        m.GrowthSample.objects.create(
            batch=batch, assignment=parr, sample_date=missed, sample_size=40, avg_weight_g=33.0
        )
        seconds = time.monotonic() - saved
    assert seconds < 1.0
    assert frozen_server.connections >= 1, "the save did try the frozen broker"
    failed = RecomputeRun.objects.get(batch=batch, status=RecomputeStatus.FAILED)
    assert (failed.trigger, failed.since) == ("event", missed)

    start_worker("w1")
    m.GrowthSample.objects.create(
        batch=batch, assignment=parr, sample_date=later, sample_size=40, avg_weight_g=90.0
    )
    wait_until(
        lambda: weights(parr)[missed] == pytest.approx(33.0), 30, "the missed day recomputed"
    )
    done = RecomputeRun.objects.get(batch=batch, trigger="event", status=RecomputeStatus.OK)
    assert done.since == missed
