"""The daily states' code columns: small integers whose meaning never drifts.

The engine writes its own codes (positions in the core's name tuples) and the API shows
the names; the model's choices must say the same, and the migration that turned a farm's
stored names into codes must keep every row's meaning, both ways.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from aquagrowth.engine.core import outputs
from aquagrowth.farm import models as m

CODE_COLUMNS = {
    "anchor_type": (m.AnchorType, outputs.ANCHOR_TYPES),
    "weight_source": (m.WeightSource, outputs.WEIGHT_SOURCES),
    "temp_source": (m.TempSource, outputs.TEMP_SOURCES),
    "mortality_source": (m.MortalitySource, outputs.MORTALITY_SOURCES),
    "feed_source": (m.FeedSource, outputs.FEED_SOURCES),
    "flags": (m.StateFlags, outputs.FLAGS),
}


def test_model_codes_are_the_engine_codes():
    # The members' names for the two flag values that are not one name.
    spelled = {"": "none", "above_stage_max,negative_tgc": "both"}
    for column, (choices, names) in CODE_COLUMNS.items():
        assert m.DailyState._meta.get_field(column).choices == choices.choices
        # Code i is the engine's name i: same count, same order, same meaning.
        assert {member.value: member.name.lower() for member in choices} == {
            code: spelled.get(name, name) for code, name in enumerate(names)
        }, column


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
            column: CODE_COLUMNS[column][1].index(name) for column, name in STORED.items()
        }
        _migrate(BEFORE)
        assert _stored_codes() == STORED
    finally:
        _migrate(max(MigrationExecutor(connection).loader.graph.leaf_nodes("farm")))
