"""The daily states' code columns: small integers whose meaning never drifts.

The engine writes its own codes (positions in the core's name tuples) and the API shows
the names; a code, once stored, must keep its meaning, and the migration that turned a
farm's stored names into codes must keep every row's meaning, both ways.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from aquagrowth.engine.core import outputs
from aquagrowth.engine.models import DailyState

STORED_MEANING = {
    "anchor_type": {"none": 0, "growth_sample": 1, "transfer": 2, "weighing": 3},
    "weight_source": {"measured": 0, "assimilated": 1, "scenario_tgc": 2, "held": 3, "missing": 4},
    "temp_source": {
        "measured": 0,
        "interpolated": 1,
        "profile": 2,
        "container_mean": 3,
        "missing": 4,
    },
    "mortality_source": {"recorded": 0, "model": 1, "missing": 2, "recorded_late": 3},
    "feed_source": {"recorded": 0, "none": 1, "unknown": 2},
    "flags": {"": 0, "above_stage_max": 1, "negative_tgc": 2, "above_stage_max,negative_tgc": 3},
    "population_source": {"book": 0, "reconciled": 1, "estimated": 2},
    "estimated": {
        "": 0,
        "population": 1,
        "weight": 2,
        "feed": 4,
        "temperature": 8,
        "population,weight,feed,temperature": 15,
    },
}
"""What each stored code means, as written into farms' tables: a code may be added, never
renumbered (the rows already stored would change meaning)."""
CODES = {c.name: c.codes for c in outputs.STATE_COLUMNS if c.kind == "code"}


def test_stored_codes_keep_their_meaning():
    assert set(CODES) == set(STORED_MEANING)
    for column, meaning in STORED_MEANING.items():
        names = CODES[column]
        assert {name: names.index(name) for name in meaning} == meaning, column
        # The table's choices are the engine's codes, labelled for the admin.
        choices = DailyState._meta.get_field(column).choices
        assert [value for value, _ in choices] == list(range(len(names))), column


BEFORE, AFTER = ("farm", "0008_daily_state_one_index"), ("farm", "0009_daily_state_codes")
STORED = {
    "anchor_type": "transfer",
    "weight_source": "scenario_tgc",
    "temp_source": "container_mean",
    "mortality_source": "model",
    "feed_source": "none",
    "flags": "above_stage_max,negative_tgc",
}


def _migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def _migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _stored_codes() -> dict[str, object]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(STORED)} FROM farm_dailystate")
        return dict(zip(STORED, cursor.fetchone(), strict=True))


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_stored_names_into_codes_and_back():
    _migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO farm_dailystate (assignment_id, batch_id, container_id, stage_id, "
                "date, day_number, population, biomass_kg, mortality_count, feed_kg, "
                "growth_kg, weight_confidence, temp_confidence, mortality_confidence, "
                f"feed_confidence, computed_at, {', '.join(STORED)}) VALUES (1, 1, 1, 1, "
                "'2024-01-01', 1, 10, 0.01, 0, 0, 0, 1, 1, 1, 1, '2024-01-01 00:00:00+00', "
                f"{', '.join(['%s'] * len(STORED))})",
                list(STORED.values()),
            )
        _migrate(AFTER)
        assert _stored_codes() == {
            column: STORED_MEANING[column][name] for column, name in STORED.items()
        }
        _migrate(BEFORE)
        assert _stored_codes() == STORED
    finally:
        _migrate_to_latest()
