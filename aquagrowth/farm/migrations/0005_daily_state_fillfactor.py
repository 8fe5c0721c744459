"""Keep free space in the daily states' pages on PostgreSQL.

A recompute updates each row in place; with room left on its page the new version
stays there (a heap-only update) and no index is touched, which is most of the cost of
rewriting a farm's million rows.
"""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE farm_dailystate SET (fillfactor = 60)")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE farm_dailystate RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("farm", "0004_composite_indexes_only")]
    operations = [migrations.RunPython(forward, backward)]
