"""A batch cannot be in one container twice at once (e.g. in two stages).

PostgreSQL says so with an exclusion constraint over the stay's date range; SQLite,
which has none, with triggers that abort the same inserts and updates.
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE farm_assignment ADD CONSTRAINT assignment_no_overlap EXCLUDE USING gist (
    batch_id WITH =, container_id WITH =,
    daterange(assignment_date, departure_date) WITH &&
);
"""
POSTGRES_BACKWARD = "ALTER TABLE farm_assignment DROP CONSTRAINT assignment_no_overlap;"

SQLITE_OVERLAP = """
    SELECT RAISE(ABORT, 'assignment_no_overlap: the batch is already in this container then')
    WHERE EXISTS (
        SELECT 1 FROM farm_assignment a
        WHERE a.batch_id = NEW.batch_id AND a.container_id = NEW.container_id
          AND a.id IS NOT NEW.id
          AND a.assignment_date < COALESCE(NEW.departure_date, '9999-12-31')
          AND COALESCE(a.departure_date, '9999-12-31') > NEW.assignment_date
    );
"""
SQLITE_FORWARD = [
    f"CREATE TRIGGER assignment_no_overlap_insert BEFORE INSERT ON farm_assignment "
    f"BEGIN {SQLITE_OVERLAP} END;",
    f"CREATE TRIGGER assignment_no_overlap_update BEFORE UPDATE ON farm_assignment "
    f"BEGIN {SQLITE_OVERLAP} END;",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER assignment_no_overlap_insert;",
    "DROP TRIGGER assignment_no_overlap_update;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("farm", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
