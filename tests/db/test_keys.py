"""A bulk load's foreign keys on PostgreSQL: checked once per referenced record, still checked.

The import's loader (``TableLoader``) skips the per-row key triggers only when every
record its rows name exists (``aquagrowth.db.keys``); these tests hold it to storing
the rows, leaving the triggers on for what follows, and refusing a row that names a
record that does not exist, as the triggers would.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from aquagrowth.farm import models as m
from aquagrowth.farm.csvio.loading import TableLoader

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's key triggers and COPY"
)


def _feedings(batch_id: int, container_id: int, count: int) -> dict[str, list]:
    return {
        "batch_id": [batch_id] * count,
        "container_id": [container_id] * count,
        "feeding_date": [dt.date(2024, 1, 2) + dt.timedelta(days=i % 30) for i in range(count)],
        "feeding_time": [None] * count,
        "amount_kg": [0.5 + i / 1000 for i in range(count)],
        "feed_type": ["pellet"] * count,
        "source": [""] * count,
        "external_id": [""] * count,
    }


def _replication_role() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        return cursor.fetchone()[0]


def test_rows_naming_stored_records_are_stored_and_the_triggers_stay_on(batch, hall_containers):
    run = m.ImportRun.objects.create(via=m.Via.CSV, origin="test")
    loader = TableLoader(m.FeedingEvent, {"import_run_id": run.pk})
    assert loader.keys is not None  # the test database's role may skip the triggers
    loader.add(list(range(2, 202)), _feedings(batch.pk, hall_containers[0].pk, 200))
    loader.flush()
    assert m.FeedingEvent.objects.filter(import_run=run).count() == 200
    assert _replication_role() == "origin"
    # The referenced side is untouched: the batch the new rows name cannot go.
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM farm_batch WHERE id = %s", [batch.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_row_naming_a_missing_record_is_refused_by_its_key(batch, hall_containers):
    run = m.ImportRun.objects.create(via=m.Via.CSV, origin="test")
    loader = TableLoader(m.FeedingEvent, {"import_run_id": run.pk})
    missing = m.Batch.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    columns = _feedings(batch.pk, hall_containers[0].pk, 10)
    columns["batch_id"][7] = missing
    loader.add(list(range(2, 12)), columns)
    with pytest.raises(IntegrityError), transaction.atomic():
        loader.flush()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert _replication_role() == "origin"


def test_a_streamed_load_stores_every_block_and_lets_other_statements_run_between(
    batch, hall_containers
):
    # Into a table empty at the start, each block goes to a COPY left open while the next
    # one is read; a statement in between (here a query) ends that COPY first instead
    # of waiting on the connection forever.
    run = m.ImportRun.objects.create(via=m.Via.CSV, origin="test")
    loader = TableLoader(m.FeedingEvent, {"import_run_id": run.pk}, streaming=True)
    loader.add(list(range(2, 102)), _feedings(batch.pk, hall_containers[0].pk, 100))
    assert m.Batch.objects.filter(pk=batch.pk).exists()
    loader.add(list(range(102, 152)), _feedings(batch.pk, hall_containers[1].pk, 50))
    loader.flush()
    assert loader.stored == 150
    assert m.FeedingEvent.objects.filter(import_run=run).count() == 150
    assert m.FeedingEvent.objects.filter(import_run=run, container=hall_containers[1]).count() == 50
    assert _replication_role() == "origin"


def test_a_streamed_row_naming_a_missing_record_is_refused_by_its_key(batch, hall_containers):
    run = m.ImportRun.objects.create(via=m.Via.CSV, origin="test")
    loader = TableLoader(m.FeedingEvent, {"import_run_id": run.pk}, streaming=True)
    missing = m.Batch.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    columns = _feedings(batch.pk, hall_containers[0].pk, 10)
    columns["batch_id"][7] = missing
    # The COPY opens at the first block: the rows belong to the transaction it began in.
    with pytest.raises(IntegrityError), transaction.atomic():
        loader.add(list(range(2, 12)), columns)
        loader.flush()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert _replication_role() == "origin"
