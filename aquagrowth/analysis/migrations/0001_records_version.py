"""The records-version counter and the triggers that bump it (see ``RecordsVersion``).

PostgreSQL: one statement-level trigger per operation, reading its transition tables, so
a bulk insert of 10,000 records costs one upsert per batch it touches, not one per row.
SQLite (development and tests) has only row-level triggers.
"""

from django.db import migrations, models

TABLES = {"mortality": "farm_mortalityevent", "harvest": "farm_harvest"}
VERSION = "analysis_recordsversion"
FUNCTION = "analysis_bump_records_version"

BUMP_PG = (
    f"INSERT INTO {VERSION} (batch_id, version) SELECT DISTINCT batch_id, 1 FROM ({{rows}}) r "
    f"ON CONFLICT (batch_id) DO UPDATE SET version = {VERSION}.version + 1;"
)

FUNCTION_PG = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {BUMP_PG.format(rows="SELECT batch_id FROM new_rows")}
  ELSIF TG_OP = 'DELETE' THEN
    {BUMP_PG.format(rows="SELECT batch_id FROM old_rows")}
  ELSE
    {BUMP_PG.format(rows="SELECT batch_id FROM new_rows UNION SELECT batch_id FROM old_rows")}
  END IF;
  RETURN NULL;
END $$;
"""

PG_EVENTS = {
    "ins": ("INSERT", "NEW TABLE AS new_rows"),
    "upd": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    "del": ("DELETE", "OLD TABLE AS old_rows"),
}

BUMP_SQLITE = (
    f"INSERT INTO {VERSION} (batch_id, version) VALUES ({{row}}.batch_id, 1) "
    "ON CONFLICT(batch_id) DO UPDATE SET version = version + 1;"
)
SQLITE_EVENTS = {
    "ins": ("INSERT", ("NEW",)),
    "upd": ("UPDATE", ("OLD", "NEW")),
    "del": ("DELETE", ("OLD",)),
}


def _names():
    for kind, table in TABLES.items():
        for suffix in PG_EVENTS:
            yield f"analysis_{kind}_{suffix}", table, suffix


def create_triggers(apps, schema_editor):
    run = schema_editor.execute
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        run(FUNCTION_PG)
    for name, table, suffix in _names():
        if postgres:
            event, referencing = PG_EVENTS[suffix]
            run(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
        else:
            event, rows = SQLITE_EVENTS[suffix]
            body = " ".join(BUMP_SQLITE.format(row=row) for row in rows)
            run(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW BEGIN {body} END")


def drop_triggers(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, table, _ in _names():
        on = f" ON {table}" if postgres else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
    if postgres:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    initial = True

    dependencies = [("farm", "0014_weight_model_smoothed")]

    operations = [
        migrations.CreateModel(
            name="RecordsVersion",
            fields=[
                ("batch_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("version", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
