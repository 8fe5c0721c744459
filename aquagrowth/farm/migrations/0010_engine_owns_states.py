"""The engine takes over its tables (daily states, their fingerprints, recompute runs).

Only Django's picture of the models changes: the tables keep their names and rows
(``aquagrowth/engine/migrations/0001_initial.py`` declares them there), so no row moves.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("farm", "0009_daily_state_codes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="recomputerun",
                    name="batch",
                ),
                migrations.RemoveField(
                    model_name="statedigest",
                    name="assignment",
                ),
                migrations.DeleteModel(
                    name="DailyState",
                ),
                migrations.DeleteModel(
                    name="RecomputeRun",
                ),
                migrations.DeleteModel(
                    name="StateDigest",
                ),
            ],
        ),
    ]
