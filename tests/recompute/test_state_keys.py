"""Daily states never outlive their assignment, without a per-row foreign key.

The table has no database key to the assignment (its check cost as much as the rest of
a farm's insert). What the key guaranteed is kept otherwise: the store checks and locks
the batch's assignments once per write, and a trigger deletes an assignment's states
with it. These tests delete assignments by the ORM, by plain SQL, and in the middle of a
recompute (PostgreSQL, two real connections), and look for orphaned rows.
"""

from __future__ import annotations

import os
import threading
import time

import psycopg
import pytest
from django.db import connection

from aquagrowth.engine import runner, store
from aquagrowth.engine.models import DailyState
from aquagrowth.engine.runner import compute_batch, recompute_batch
from aquagrowth.farm import models as m
from tests.recompute.conftest import server_dsn
from tests.recompute.test_recompute import TODAY, stored

postgres_only = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL: two connections writing at once",
)


def orphans() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM farm_dailystate s "
            "WHERE NOT EXISTS (SELECT 1 FROM farm_assignment a WHERE a.id = s.assignment_id)"
        )
        return cursor.fetchone()[0]


def last_assignment(batch) -> m.Assignment:
    return batch.assignments.order_by("assignment_date", "id").last()


def delete_by_sql(cursor, assignment_id: int) -> None:
    """Delete an assignment as a script would: the records naming it by hand, then the row
    itself. Nothing here names the daily states (they have no key to be found by)."""
    for relation in m.Assignment._meta.get_fields(include_hidden=True):
        referring = relation.auto_created and not relation.concrete
        if referring and relation.related_model is not DailyState:
            table, column = relation.related_model._meta.db_table, relation.field.column
            cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [assignment_id])
    cursor.execute("DELETE FROM farm_assignment WHERE id = %s", [assignment_id])


@pytest.mark.django_db
def test_states_go_with_an_assignment_deleted_by_the_orm_or_by_plain_sql(small_batch):
    assert recompute_batch(small_batch.id, today=TODAY).ok
    egg, first_fry, second_fry = small_batch.assignments.order_by("assignment_date", "id")
    assert DailyState.objects.filter(assignment=first_fry).exists()
    first_fry.delete()
    assert not DailyState.objects.filter(assignment_id=first_fry.id).exists()

    kept = DailyState.objects.filter(assignment=egg).count()
    assert DailyState.objects.filter(assignment=second_fry).exists()
    with connection.cursor() as cursor:
        # Plain SQL, not the ORM: only the trigger can remove the states here.
        delete_by_sql(cursor, second_fry.id)
    assert not DailyState.objects.filter(assignment_id=second_fry.id).exists()
    assert DailyState.objects.filter(assignment=egg).count() == kept
    assert orphans() == 0


@pytest.mark.django_db
def test_an_assignment_deleted_while_its_batch_computes_stores_nothing(small_batch):
    assert recompute_batch(small_batch.id, today=TODAY).ok
    before = stored(small_batch)
    gone = last_assignment(small_batch)
    computed = compute_batch(small_batch.id, today=TODAY)
    gone_id, gone_rows = gone.id, DailyState.objects.filter(assignment=gone).count()
    gone.delete()

    with pytest.raises(store.AssignmentsGone, match=rf"assignments {gone_id} of batch"):
        store.store_batch(small_batch.id, computed.columns, computed.window, computed.starts)
    # Nothing was written for the batch: its other rows are the ones stored before.
    assert len(stored(small_batch)) == len(before) - gone_rows
    assert orphans() == 0


@pytest.mark.django_db
def test_the_runner_names_the_deleted_assignment_and_a_retry_succeeds(small_batch, monkeypatch):
    gone = last_assignment(small_batch)

    def compute_then_lose_an_assignment(*args, **kwargs):
        computed = compute_batch(*args, **kwargs)
        m.Assignment.objects.filter(pk=gone.pk).delete()
        return computed

    monkeypatch.setattr(runner, "compute_batch", compute_then_lose_an_assignment)
    result = recompute_batch(small_batch.id, today=TODAY)
    assert not result.ok and result.transient
    assert f"assignments {gone.id} of batch" in result.error
    assert not DailyState.objects.filter(batch=small_batch).exists()

    monkeypatch.undo()
    retried = recompute_batch(small_batch.id, today=TODAY)
    assert retried.ok, retried.error
    assert retried.assignments == 2 and orphans() == 0


def _waits_for_lock(
    observer, query_part: str = "", pid: int | None = None, seconds: float = 30
) -> bool:
    """Whether a backend (``pid``, or one running a query naming ``query_part``) comes to
    wait on a lock within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        # Autocommit: within one transaction pg_stat_activity keeps its first snapshot.
        if observer.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND (pid = %s OR (%s <> '' AND query LIKE %s))",
            [pid, query_part, f"%{query_part}%"],
        ).fetchone()[0]:
            return True
        time.sleep(0.05)
    return False


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_delete_committed_during_the_store_is_refused_not_orphaned(small_batch):
    """The assignment is deleted (not yet committed) when the store checks it: the store
    waits, then finds it gone and writes nothing."""
    assert recompute_batch(small_batch.id, today=TODAY).ok
    gone = last_assignment(small_batch)
    computed = compute_batch(small_batch.id, today=TODAY)
    with (
        psycopg.connect(server_dsn()) as deleter,
        psycopg.connect(server_dsn(), autocommit=True) as observer,
    ):
        delete_by_sql(deleter.cursor(), gone.id)
        seen: dict = {}

        def commit_once_the_store_waits() -> None:
            seen["store waited"] = _waits_for_lock(observer, "FROM farm_assignment", seconds=5)
            deleter.commit()

        commit = threading.Thread(target=commit_once_the_store_waits)
        commit.start()
        with pytest.raises(store.AssignmentsGone, match=str(gone.id)):
            store.store_batch(
                small_batch.id, computed.columns, computed.window, computed.starts, force=True
            )
        commit.join()
    assert seen["store waited"]
    assert orphans() == 0
    assert recompute_batch(small_batch.id, today=TODAY).ok
    assert orphans() == 0


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_delete_during_a_recompute_waits_and_takes_the_new_rows_with_it(small_batch):
    """The store has checked the assignment and is writing when the delete comes: the
    delete waits for the store's commit, then its trigger removes the rows just written."""
    assert recompute_batch(small_batch.id, today=TODAY).ok
    gone = last_assignment(small_batch)
    last_row = DailyState.objects.filter(assignment=gone).order_by("-date").first()
    # Deaths on the first day change every later row: the recompute must rewrite them.
    first_deaths = m.MortalityEvent.objects.filter(batch=small_batch).order_by("event_date")[0]
    m.MortalityEvent.objects.filter(pk=first_deaths.pk).update(count=first_deaths.count + 500)
    outcome: dict = {}
    with (
        psycopg.connect(server_dsn()) as blocker,
        psycopg.connect(server_dsn()) as deleter,
        psycopg.connect(server_dsn(), autocommit=True) as observer,
    ):
        # Hold one of the batch's rows: the recompute stops on it, inside its
        # transaction, after its key check.
        blocker.execute("SELECT 1 FROM farm_dailystate WHERE id = %s FOR UPDATE", [last_row.id])
        writer = threading.Thread(
            target=lambda: outcome.update(result=recompute_batch(small_batch.id, today=TODAY))
        )
        writer.start()
        assert _waits_for_lock(observer, "farm_dailystate")

        def delete() -> None:
            delete_by_sql(deleter.cursor(), gone.id)
            deleter.commit()

        remover = threading.Thread(target=delete)
        remover.start()
        assert _waits_for_lock(observer, pid=deleter.info.backend_pid)  # on the store
        blocker.rollback()
        writer.join(60)
        remover.join(60)
    assert outcome["result"].ok, outcome["result"].error
    assert not m.Assignment.objects.filter(pk=gone.pk).exists()
    assert orphans() == 0
