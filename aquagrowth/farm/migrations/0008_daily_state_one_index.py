"""The daily states keep one index and no per-row key check (see ``models/states.py``).

What the dropped foreign key guaranteed is kept otherwise: the store checks and locks a
batch's assignments once per write, and the trigger below deletes an assignment's
states with the assignment, whoever deletes it (the ORM, which also cascades, or plain
SQL) and even while a recompute of its batch is writing them.
"""

import django.db.models.deletion
from django.db import migrations, models

# One statement per string: the driver runs each on its own.
TRIGGER = {
    "postgresql": [
        """CREATE FUNCTION farm_assignment_drop_states() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM farm_dailystate WHERE assignment_id = OLD.id;
            RETURN NULL;
        END
        $$""",
        """CREATE TRIGGER assignment_drops_states AFTER DELETE ON farm_assignment
        FOR EACH ROW EXECUTE FUNCTION farm_assignment_drop_states()""",
    ],
    "sqlite": [
        """CREATE TRIGGER assignment_drops_states AFTER DELETE ON farm_assignment
        BEGIN
            DELETE FROM farm_dailystate WHERE assignment_id = OLD.id;
        END""",
    ],
}
DROP = {
    "postgresql": [
        "DROP TRIGGER assignment_drops_states ON farm_assignment",
        "DROP FUNCTION farm_assignment_drop_states()",
    ],
    "sqlite": ["DROP TRIGGER assignment_drops_states"],
}


def add_trigger(apps, schema_editor):
    for statement in TRIGGER[schema_editor.connection.vendor]:
        schema_editor.execute(statement, params=None)


def drop_trigger(apps, schema_editor):
    for statement in DROP[schema_editor.connection.vendor]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("farm", "0007_state_digest"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="dailystate", name="state_batch_date"),
        migrations.RemoveIndex(model_name="dailystate", name="state_container_date"),
        migrations.AlterField(
            model_name="dailystate",
            name="assignment",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="daily_states",
                to="farm.assignment",
            ),
        ),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
