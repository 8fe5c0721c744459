"""The engine's tables, taken over from the farm app with their names and rows.

``SeparateDatabaseAndState``: the tables exist already (farm migrations 0001-0009 made
them, with the assignment delete trigger of 0008 and the fillfactor of 0005), so only
Django's picture of their owner changes and no row moves. The models' content types move
with them, so that the permissions granted on them (to groups, to users) stay granted;
their names become ``engine.*_dailystate`` and so on.
"""

import django.db.models.deletion
from django.db import migrations, models

MOVED = ("dailystate", "statedigest", "recomputerun")


def _move_content_types(apps, schema_editor, source: str, target: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(
        schema_editor.connection.alias
    )
    for model in MOVED:
        if not content_types.filter(app_label=target, model=model).exists():
            content_types.filter(app_label=source, model=model).update(app_label=target)


def to_engine(apps, schema_editor):
    _move_content_types(apps, schema_editor, "farm", "engine")


def to_farm(apps, schema_editor):
    _move_content_types(apps, schema_editor, "engine", "farm")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("farm", "0010_engine_owns_states"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="StateDigest",
                    fields=[
                        (
                            "assignment",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="+",
                                serialize=False,
                                to="farm.assignment",
                            ),
                        ),
                        ("digest", models.CharField(max_length=64)),
                        ("rows", models.PositiveIntegerField()),
                    ],
                    options={
                        "db_table": "farm_statedigest",
                    },
                ),
                migrations.CreateModel(
                    name="DailyState",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "population",
                            models.PositiveIntegerField(help_text="Fish at the end of the day."),
                        ),
                        (
                            "avg_weight_g",
                            models.FloatField(
                                help_text="Average weight at the end of the day; null while the stay holds no fish of known weight yet.",
                                null=True,
                            ),
                        ),
                        ("biomass_kg", models.FloatField(help_text="Population x average weight.")),
                        (
                            "temp_c",
                            models.FloatField(help_text="Water temperature of the day.", null=True),
                        ),
                        (
                            "mortality_count",
                            models.PositiveIntegerField(help_text="Fish that died that day."),
                        ),
                        ("feed_kg", models.FloatField(help_text="Feed given that day.")),
                        (
                            "growth_kg",
                            models.FloatField(help_text="Biomass produced by growth that day."),
                        ),
                        (
                            "fcr",
                            models.FloatField(
                                help_text="Feed / growth over the trailing 7 days; null without feed or growth.",
                                null=True,
                            ),
                        ),
                        (
                            "tgc",
                            models.FloatField(
                                help_text="TGC in force that day (observed between anchors, else the scenario's).",
                                null=True,
                            ),
                        ),
                        (
                            "anchor_type",
                            models.PositiveSmallIntegerField(
                                choices=[
                                    (0, "None"),
                                    (1, "Growth sample"),
                                    (2, "Transfer"),
                                    (3, "Weighing"),
                                ],
                                help_text="What fixed this day's weight, if anything.",
                            ),
                        ),
                        (
                            "weight_source",
                            models.PositiveSmallIntegerField(
                                choices=[
                                    (0, "Measured"),
                                    (1, "Assimilated"),
                                    (2, "Scenario TGC"),
                                    (3, "Held"),
                                    (4, "Missing"),
                                ],
                                help_text="Where the day's weight comes from.",
                            ),
                        ),
                        (
                            "weight_confidence",
                            models.FloatField(help_text="Confidence of the weight, 0 to 1."),
                        ),
                        (
                            "temp_source",
                            models.PositiveSmallIntegerField(
                                choices=[
                                    (0, "Measured"),
                                    (1, "Interpolated"),
                                    (2, "Profile"),
                                    (3, "Container mean"),
                                    (4, "Missing"),
                                ],
                                help_text="Where the day's temperature comes from.",
                            ),
                        ),
                        (
                            "temp_confidence",
                            models.FloatField(help_text="Confidence of the temperature, 0 to 1."),
                        ),
                        (
                            "mortality_source",
                            models.PositiveSmallIntegerField(
                                choices=[(0, "Recorded"), (1, "Model"), (2, "Missing")],
                                help_text="Where the day's deaths come from.",
                            ),
                        ),
                        (
                            "mortality_confidence",
                            models.FloatField(help_text="Confidence of the deaths, 0 to 1."),
                        ),
                        (
                            "feed_source",
                            models.PositiveSmallIntegerField(
                                choices=[(0, "Recorded"), (1, "None")],
                                help_text="Where the day's feed comes from.",
                            ),
                        ),
                        (
                            "feed_confidence",
                            models.FloatField(help_text="Confidence of the feed, 0 to 1."),
                        ),
                        (
                            "flags",
                            models.PositiveSmallIntegerField(
                                choices=[
                                    (0, "None"),
                                    (1, "Above stage max"),
                                    (2, "Negative TGC"),
                                    (3, "Above stage max, negative TGC"),
                                ],
                                help_text="Comma-separated findings of the day, e.g. negative_tgc; empty: none.",
                                default=0,
                            ),
                        ),
                        ("date", models.DateField()),
                        (
                            "day_number",
                            models.PositiveIntegerField(help_text="date - batch start + 1"),
                        ),
                        ("computed_at", models.DateTimeField()),
                        (
                            "assignment",
                            models.ForeignKey(
                                db_constraint=False,
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="daily_states",
                                to="farm.assignment",
                            ),
                        ),
                        (
                            "batch",
                            models.ForeignKey(
                                db_constraint=False,
                                db_index=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                to="farm.batch",
                            ),
                        ),
                        (
                            "container",
                            models.ForeignKey(
                                db_constraint=False,
                                db_index=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                to="farm.container",
                            ),
                        ),
                        (
                            "stage",
                            models.ForeignKey(
                                db_constraint=False,
                                db_index=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                to="farm.lifecyclestage",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "farm_dailystate",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("assignment", "date"), name="state_unique_day"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("population__gte", 0)),
                                name="state_population_nonneg",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="RecomputeRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "trigger",
                            models.CharField(
                                help_text="cli, celery, event, api or beat", max_length=16
                            ),
                        ),
                        ("task_id", models.CharField(blank=True, max_length=64)),
                        (
                            "since",
                            models.DateField(
                                blank=True,
                                help_text="First day recomputed, if a window.",
                                null=True,
                            ),
                        ),
                        ("started_at", models.DateTimeField()),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("seconds", models.FloatField(blank=True, null=True)),
                        ("assignments", models.PositiveIntegerField(default=0)),
                        ("rows", models.PositiveIntegerField(default=0)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("running", "Running"),
                                    ("ok", "OK"),
                                    ("failed", "Failed"),
                                ],
                                max_length=8,
                            ),
                        ),
                        ("error", models.TextField(blank=True)),
                        (
                            "report",
                            models.TextField(
                                blank=True, help_text="Bad-input findings of the engine."
                            ),
                        ),
                        (
                            "batch",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="recomputes",
                                to="farm.batch",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "farm_recomputerun",
                        "ordering": ["-started_at"],
                        "indexes": [
                            models.Index(
                                fields=["batch", "started_at"], name="recompute_batch_started"
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(to_engine, to_farm),
    ]
