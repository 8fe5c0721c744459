"""The engine took its tables over from the farm app: a stored farm upgrades in place.

Only Django's picture of the tables' owner changed (``SeparateDatabaseAndState``): the
rows stay where they are (same physical place, same values), the assignment delete
trigger and the daily states' fillfactor stay, and the permissions groups were granted
on the tables stay granted under the tables' new owner.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from aquagrowth.engine.models import DailyState, RecomputeRun, StateDigest
from aquagrowth.farm import models as m

BEFORE = [("farm", "0009_daily_state_codes"), ("engine", None)]
AFTER = [("farm", "0010_engine_owns_states"), ("engine", "0001_initial")]
"""The move alone: later migrations change the tables for other reasons."""
TABLES = ("farm_dailystate", "farm_statedigest", "farm_recomputerun")


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _rows_in_place(table: str) -> list[tuple]:
    """Every row with where it physically lies (PostgreSQL's ctid, SQLite's rowid)."""
    place = "ctid::text" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {place}, * FROM {table} ORDER BY 1")
        return cursor.fetchall()


def _store_a_farm_at_the_old_owner(batch, container, stage) -> m.Assignment:
    stay = m.Assignment.objects.create(
        batch=batch, container=container, stage=stage, assignment_date=dt.date(2024, 1, 1)
    )
    with connection.cursor() as cursor:
        for day in (1, 2):
            cursor.execute(
                "INSERT INTO farm_dailystate (assignment_id, batch_id, container_id, stage_id, "
                "date, day_number, population, avg_weight_g, biomass_kg, mortality_count, "
                "feed_kg, growth_kg, anchor_type, weight_source, weight_confidence, "
                "temp_source, temp_confidence, mortality_source, mortality_confidence, "
                "feed_source, feed_confidence, flags, computed_at) VALUES "
                "(%s, %s, %s, %s, %s, %s, 1000, 0.2, 0.2, 0, 0, 0, 0, 2, 0.9, 2, 0.5, 1, 0.4, "
                "1, 0.5, 0, %s)",
                [
                    stay.id,
                    batch.id,
                    container.id,
                    stage.id,
                    dt.date(2024, 1, day),
                    day,
                    dt.datetime(2024, 1, 3, tzinfo=dt.UTC),
                ],
            )
        cursor.execute(
            "INSERT INTO farm_statedigest (assignment_id, digest, rows) VALUES (%s, 'abc', 2)",
            [stay.id],
        )
        cursor.execute(
            "INSERT INTO farm_recomputerun (batch_id, trigger, task_id, started_at, "
            "assignments, rows, status, error, report) VALUES "
            "(%s, 'cli', '', %s, 1, 2, 'ok', '', '')",
            [batch.id, dt.datetime(2024, 1, 3, tzinfo=dt.UTC)],
        )
    return stay


@pytest.mark.django_db(transaction=True)
def test_a_stored_farm_upgrades_with_no_row_moved(batch, hall_containers, stages):
    _migrate(BEFORE)
    try:
        stay = _store_a_farm_at_the_old_owner(batch, hall_containers[0], stages["Egg&Alevin"])
        old_type, _ = ContentType.objects.get_or_create(app_label="farm", model="dailystate")
        viewing, _ = Permission.objects.get_or_create(
            content_type=old_type, codename="view_dailystate", defaults={"name": "Can view"}
        )
        readers = Group.objects.create(name="readers")
        readers.permissions.add(viewing)
        before = {table: _rows_in_place(table) for table in TABLES}

        _migrate(AFTER)

        assert {table: _rows_in_place(table) for table in TABLES} == before
        assert DailyState.objects.filter(assignment=stay).count() == 2
        assert StateDigest.objects.get(assignment=stay).rows == 2
        assert RecomputeRun.objects.get(batch=batch).rows == 2
        reader = User.objects.create(username="reader")
        reader.groups.add(readers)
        assert reader.has_perm("engine.view_dailystate"), "the group's grant moved along"
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'farm_dailystate'")
                assert cursor.fetchone()[0] == ["fillfactor=60"]
        # The trigger still takes an assignment's states with it, even by plain SQL.
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM farm_statedigest WHERE assignment_id = %s", [stay.id])
            cursor.execute("DELETE FROM farm_assignment WHERE id = %s", [stay.id])
        assert not DailyState.objects.filter(assignment_id=stay.id).exists()
    finally:
        _migrate_to_latest()
