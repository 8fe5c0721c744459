"""The actual daily state: one row per assignment and day (state at the END of the day).

``batch``, ``container`` and ``stage`` repeat the assignment's for fast reads; they carry
no database foreign key of their own (the assignment's key already guarantees them), so
that bulk writes of a farm's states check one key per row, not four.
"""

from django.db import models


class AnchorType(models.TextChoices):
    GROWTH_SAMPLE = "growth_sample", "Growth sample"
    TRANSFER = "transfer", "Transfer with measured weight"
    WEIGHING = "weighing", "Weighing (treatment or harvest)"
    NONE = "none", "None"


class DailyState(models.Model):
    # No single-column indexes: the composite ones below serve every read, and each
    # extra index would be written for every one of a farm's million rows.
    assignment = models.ForeignKey(
        "farm.Assignment", on_delete=models.CASCADE, related_name="daily_states", db_index=False
    )
    batch = models.ForeignKey(
        "farm.Batch", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False
    )
    container = models.ForeignKey(
        "farm.Container", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False
    )
    stage = models.ForeignKey(
        "farm.LifecycleStage", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False
    )
    date = models.DateField()
    day_number = models.PositiveIntegerField(help_text="date - batch start + 1")
    population = models.PositiveIntegerField()
    avg_weight_g = models.FloatField(
        null=True, help_text="Null while an assignment holds no fish of known weight yet."
    )
    biomass_kg = models.FloatField()
    temp_c = models.FloatField(null=True)
    mortality_count = models.PositiveIntegerField()
    feed_kg = models.FloatField()
    growth_kg = models.FloatField(help_text="Biomass produced by growth this day (kg).")
    fcr = models.FloatField(null=True, help_text="Feed / growth over the trailing 7 days.")
    tgc = models.FloatField(null=True, help_text="TGC in force this day (observed or scenario).")
    anchor_type = models.CharField(max_length=16, choices=AnchorType.choices)
    weight_source = models.CharField(max_length=16)
    weight_confidence = models.FloatField()
    temp_source = models.CharField(max_length=16)
    temp_confidence = models.FloatField()
    mortality_source = models.CharField(max_length=16)
    mortality_confidence = models.FloatField()
    feed_source = models.CharField(max_length=16)
    feed_confidence = models.FloatField()
    flags = models.CharField(
        max_length=100, blank=True, help_text="Comma-separated findings, e.g. negative_tgc."
    )
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "date"], name="state_unique_day"),
            models.CheckConstraint(
                condition=models.Q(population__gte=0), name="state_population_nonneg"
            ),
        ]
        indexes = [
            models.Index(fields=["batch", "date"], name="state_batch_date"),
            models.Index(fields=["container", "date"], name="state_container_date"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.date}"


class StateDigest(models.Model):
    """A fingerprint of the daily states last stored for one assignment.

    A recompute whose result for an assignment has the same fingerprint writes nothing
    for it: a nightly recompute of a farm where little changed costs its reads, not a
    million row writes. ``recompute --force`` ignores the fingerprints.
    """

    assignment = models.OneToOneField(
        "farm.Assignment", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    digest = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.rows} rows"
