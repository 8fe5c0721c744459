"""The real farm's fields (docs/engine.md, "Population" and "What the records reach").

Daily states gain what their population rests on (source, variance, confidence), the
fish lost without a record, and the metrics estimated past their records; feed may be
unknown (null). Rows stored before get the values of a farm whose records were
complete (book, no variance, no unexplained fish, nothing estimated) until their batch
is recomputed; their fingerprints no longer match, so the next recompute rewrites them.
Stays get their summary table.

SQLite rebuilds the daily-state table for each added NOT NULL column and cannot rename
the rebuilt table into place while farm 0008's trigger on the assignments names it: the
trigger is dropped for the rebuilds and made again after them (as farm 0009 does).
"""

import django.db.models.deletion
from django.db import migrations, models

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


POPULATION_SOURCE = [(0, "Book"), (1, "Reconciled"), (2, "Estimated")]
ESTIMATED = [
    (0, "None"),
    (1, "Population"),
    (2, "Weight"),
    (3, "Population, weight"),
    (4, "Feed"),
    (5, "Population, feed"),
    (6, "Weight, feed"),
    (7, "Population, weight, feed"),
    (8, "Temperature"),
    (9, "Population, temperature"),
    (10, "Weight, temperature"),
    (11, "Population, weight, temperature"),
    (12, "Feed, temperature"),
    (13, "Population, feed, temperature"),
    (14, "Weight, feed, temperature"),
    (15, "Population, weight, feed, temperature"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("engine", "0001_initial"),
        ("farm", "0011_population_count"),
    ]

    operations = [
        migrations.RunPython(drop_trigger, make_trigger),
        migrations.AlterField(
            model_name="dailystate",
            name="feed_kg",
            field=models.FloatField(
                help_text="Feed given that day; null where feed is unknown (no record in a fed stretch).",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="dailystate",
            name="feed_source",
            field=models.PositiveSmallIntegerField(
                choices=[(0, "Recorded"), (1, "None"), (2, "Unknown")],
                help_text="Where the day's feed comes from.",
            ),
        ),
        migrations.AlterField(
            model_name="dailystate",
            name="mortality_source",
            field=models.PositiveSmallIntegerField(
                choices=[(0, "Recorded"), (1, "Model"), (2, "Missing"), (3, "Recorded late")],
                help_text="Where the day's deaths come from.",
            ),
        ),
        migrations.AddField(
            model_name="dailystate",
            name="population_source",
            field=models.PositiveSmallIntegerField(
                choices=POPULATION_SOURCE,
                default=0,
                help_text="What the day's population rests on.",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="dailystate",
            name="population_variance",
            field=models.FloatField(default=0.0, help_text="Variance of the population estimate."),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="dailystate",
            name="population_confidence",
            field=models.FloatField(default=1.0, help_text="Confidence of the population, 0 to 1."),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="dailystate",
            name="unexplained_fish",
            field=models.IntegerField(
                default=0,
                help_text="Fish lost that day without a record (expected, or reconciled to a "
                "count); a gain is negative.",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="dailystate",
            name="estimated",
            field=models.PositiveSmallIntegerField(
                choices=ESTIMATED,
                default=0,
                help_text="Metrics estimated past their records that day, comma-separated; "
                "empty: none.",
            ),
        ),
        migrations.RunPython(make_trigger, drop_trigger),
        migrations.CreateModel(
            name="StaySummary",
            fields=[
                (
                    "assignment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="summary",
                        serialize=False,
                        to="farm.assignment",
                    ),
                ),
                (
                    "feed_through",
                    models.DateField(help_text="Last day with a feeding record.", null=True),
                ),
                (
                    "mortality_through",
                    models.DateField(help_text="Last day with a mortality record.", null=True),
                ),
                (
                    "samples_through",
                    models.DateField(
                        help_text="Last day with a growth sample or weighing.", null=True
                    ),
                ),
                (
                    "temperature_through",
                    models.DateField(
                        help_text="Last day with a measured temperature in the container.",
                        null=True,
                    ),
                ),
                (
                    "counts_through",
                    models.DateField(
                        help_text="Last day the population was measured (a count, a counted move).",
                        null=True,
                    ),
                ),
                (
                    "stocked_fish",
                    models.PositiveIntegerField(help_text="Fish put in (egg input or placed)."),
                ),
                (
                    "fish_days",
                    models.FloatField(help_text="Sum of the fish present at each day's end."),
                ),
                (
                    "unexplained_fish",
                    models.IntegerField(
                        help_text="Fish lost without a record over the stay (a gain is negative)."
                    ),
                ),
                (
                    "closed_by",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (0, "Open"),
                            (1, "Count"),
                            (2, "Transfer"),
                            (3, "Harvest"),
                            (4, "Departure"),
                        ],
                        help_text="How the stay's last stretch closed.",
                    ),
                ),
                (
                    "closed_on",
                    models.DateField(help_text="The day of that measurement.", null=True),
                ),
            ],
        ),
    ]
