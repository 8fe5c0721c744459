"""The engine's reads depend on composite indexes; a migration must never drop one.

The replaced system lost its performance indexes to a later auto-generated migration.
This test reads the indexes that the migrated database really has.
"""

from __future__ import annotations

from django.db import connection

REQUIRED = {
    "farm_assignment": [
        ("batch_id", "assignment_date", "departure_date"),
        ("container_id", "assignment_date"),
    ],
    "farm_feedingevent": [("batch_id", "feeding_date"), ("container_id", "feeding_date")],
    "farm_mortalityevent": [("assignment_id", "event_date"), ("batch_id", "event_date")],
    "farm_growthsample": [("assignment_id", "sample_date"), ("batch_id", "sample_date")],
    "farm_weighing": [("assignment_id", "weighing_date"), ("batch_id", "weighing_date")],
    "farm_transferaction": [
        ("source_assignment_id", "execution_date", "status"),
        ("dest_assignment_id", "execution_date", "status"),
        ("batch_id", "execution_date"),
    ],
    "farm_harvest": [("assignment_id", "harvest_date"), ("batch_id", "harvest_date")],
    "farm_environmentalreading": [("container_id", "parameter_id", "reading_time")],
    # One index only: batches and containers are read through their assignments.
    "farm_dailystate": [("assignment_id", "date")],
    "generator_truedailystate": [("assignment_id", "date"), ("batch_id", "date")],
}


def test_every_engine_read_has_its_composite_index(db):
    with connection.cursor() as cursor:
        missing = []
        for table, wanted in REQUIRED.items():
            constraints = connection.introspection.get_constraints(cursor, table)
            have = {
                tuple(c["columns"][: len(w)])
                for c in constraints.values()
                if c["index"] or c["unique"]
                for w in wanted
            }
            missing += [(table, w) for w in wanted if w not in have]
    assert not missing, f"indexes missing after migrations: {missing}"
