"""The daily states' code columns become small integers (names -> engine codes).

Stored rows are converted in place, not dropped: each name becomes its position in the
engine's list of that column's names, as they stood when this migration was written
(frozen here, so that the migration means the same whatever the code later holds).
"""

from django.db import migrations, models

NAMES = {
    "anchor_type": ("none", "growth_sample", "transfer", "weighing"),
    "weight_source": ("measured", "assimilated", "scenario_tgc", "held", "missing"),
    "temp_source": ("measured", "interpolated", "profile", "container_mean", "missing"),
    "mortality_source": ("recorded", "model", "missing"),
    "feed_source": ("recorded", "none"),
    "flags": ("", "above_stage_max", "negative_tgc", "above_stage_max,negative_tgc"),
}


def _case(column: str, pairs) -> str:
    whens = " ".join(f"WHEN {old} THEN {new}" for old, new in pairs)
    return f"CASE {column} {whens} END"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# SQLite rebuilds the table for each AlterField below and then cannot rename the new
# table into place while a trigger names the old one: 0008's trigger on the assignments is
# dropped for the rebuild and made again after it.
SQLITE_TRIGGER = """CREATE TRIGGER assignment_drops_states AFTER DELETE ON farm_assignment
BEGIN
    DELETE FROM farm_dailystate WHERE assignment_id = OLD.id;
END"""


def _sqlite_trigger(schema_editor, present: bool) -> None:
    if schema_editor.connection.vendor == "sqlite":
        statement = SQLITE_TRIGGER if present else "DROP TRIGGER assignment_drops_states"
        schema_editor.execute(statement, params=None)


def drop_trigger(apps, schema_editor):
    _sqlite_trigger(schema_editor, present=False)


def make_trigger(apps, schema_editor):
    _sqlite_trigger(schema_editor, present=True)


def to_codes(apps, schema_editor):
    drop_trigger(apps, schema_editor)
    cases = {
        column: _case(column, [(_quoted(name), code) for code, name in enumerate(names)])
        for column, names in NAMES.items()
    }
    if schema_editor.connection.vendor == "postgresql":
        # One rewrite of the table; the AlterFields below then find the type already set.
        schema_editor.execute(
            "ALTER TABLE farm_dailystate "
            + ", ".join(
                f"ALTER COLUMN {column} TYPE smallint USING {case}"
                for column, case in cases.items()
            )
        )
    else:
        # SQLite keeps the integers; rebuilding the table (AlterField) types the column.
        schema_editor.execute(
            "UPDATE farm_dailystate SET "
            + ", ".join(f"{column} = {case}" for column, case in cases.items())
        )


def to_names(apps, schema_editor):
    make_trigger(apps, schema_editor)
    # After the AlterFields are reversed, the columns are text holding the codes' digits.
    schema_editor.execute(
        "UPDATE farm_dailystate SET "
        + ", ".join(
            f"{column} = "
            + _case(column, [(_quoted(str(code)), _quoted(name)) for code, name in enumerate(names)])
            for column, names in NAMES.items()
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("farm", "0008_daily_state_one_index"),
    ]

    operations = [
        migrations.RunPython(to_codes, to_names),
        migrations.AlterField(
            model_name='dailystate',
            name='anchor_type',
            field=models.PositiveSmallIntegerField(choices=[(0, 'None'), (1, 'Growth sample'), (2, 'Transfer with measured weight'), (3, 'Weighing (treatment or harvest)')]),
        ),
        migrations.AlterField(
            model_name='dailystate',
            name='feed_source',
            field=models.PositiveSmallIntegerField(choices=[(0, 'Recorded'), (1, 'None')]),
        ),
        migrations.AlterField(
            model_name='dailystate',
            name='flags',
            field=models.PositiveSmallIntegerField(choices=[(0, 'None'), (1, "Above the stage's maximum weight"), (2, 'Negative TGC'), (3, "Above the stage's maximum weight, negative TGC")], default=0, help_text='Findings of the day (negative TGC, above max).'),
        ),
        migrations.AlterField(
            model_name='dailystate',
            name='mortality_source',
            field=models.PositiveSmallIntegerField(choices=[(0, 'Recorded'), (1, 'Model'), (2, 'Missing')]),
        ),
        migrations.AlterField(
            model_name='dailystate',
            name='temp_source',
            field=models.PositiveSmallIntegerField(choices=[(0, 'Measured'), (1, 'Interpolated'), (2, 'Profile'), (3, 'Container mean'), (4, 'Missing')]),
        ),
        migrations.AlterField(
            model_name='dailystate',
            name='weight_source',
            field=models.PositiveSmallIntegerField(choices=[(0, 'Measured'), (1, 'Assimilated'), (2, 'Scenario TGC'), (3, 'Held'), (4, 'Missing')]),
        ),
        migrations.RunPython(make_trigger, drop_trigger),
    ]
