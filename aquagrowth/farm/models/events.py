"""What a farm records: feeding, mortality, samples, weighings, transfers, harvests.

Foreign keys carry no single-column index of their own where a composite index starts
with the same column: tens of millions of rows would pay for each redundant index.

Dates are UTC calendar days. Every table has composite indexes for the engine's bulk
reads (by assignment or container and date, and by batch and date); ``tests`` fail if a
migration ever drops one.
"""

from django.db import models

from aquagrowth.farm.models.provenance import Identified, identity_constraint


class FeedingEvent(Identified):
    batch = models.ForeignKey("farm.Batch", on_delete=models.CASCADE, db_index=False)
    container = models.ForeignKey("farm.Container", on_delete=models.PROTECT, db_index=False)
    feeding_date = models.DateField()
    feeding_time = models.TimeField(null=True, blank=True)
    amount_kg = models.FloatField()
    feed_type = models.CharField(max_length=50, blank=True)

    class Meta:
        constraints = [
            identity_constraint("feeding"),
            models.CheckConstraint(
                condition=models.Q(amount_kg__gte=0), name="feeding_amount_nonneg"
            ),
        ]
        indexes = [
            models.Index(fields=["batch", "feeding_date"], name="feeding_batch_date"),
            models.Index(fields=["container", "feeding_date"], name="feeding_container_date"),
        ]


class MortalityEvent(Identified):
    batch = models.ForeignKey("farm.Batch", on_delete=models.CASCADE, db_index=False)
    assignment = models.ForeignKey("farm.Assignment", on_delete=models.CASCADE, db_index=False)
    event_date = models.DateField()
    count = models.PositiveIntegerField()
    cause = models.CharField(max_length=50, blank=True)

    class Meta:
        constraints = [
            identity_constraint("mortality"),
            models.CheckConstraint(condition=models.Q(count__gte=0), name="mortality_count_nonneg"),
        ]
        indexes = [
            models.Index(fields=["assignment", "event_date"], name="mortality_assign_date"),
            models.Index(fields=["batch", "event_date"], name="mortality_batch_date"),
        ]


class GrowthSample(Identified):
    """Fish weighed from one container on one day: an anchor of the weight curve."""

    batch = models.ForeignKey("farm.Batch", on_delete=models.CASCADE, db_index=False)
    assignment = models.ForeignKey("farm.Assignment", on_delete=models.CASCADE, db_index=False)
    sample_date = models.DateField()
    sample_size = models.PositiveIntegerField(help_text="Number of fish weighed.")
    avg_weight_g = models.FloatField()
    std_weight_g = models.FloatField(null=True, blank=True)
    avg_length_cm = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            identity_constraint("sample"),
            models.CheckConstraint(condition=models.Q(sample_size__gt=0), name="sample_size_pos"),
            models.CheckConstraint(
                condition=models.Q(avg_weight_g__gt=0), name="sample_weight_pos"
            ),
            models.CheckConstraint(
                condition=models.Q(std_weight_g__isnull=True) | models.Q(std_weight_g__gte=0),
                name="sample_std_nonneg",
            ),
        ]
        indexes = [
            models.Index(fields=["assignment", "sample_date"], name="sample_assign_date"),
            models.Index(fields=["batch", "sample_date"], name="sample_batch_date"),
        ]


class FishObservation(models.Model):
    """One fish of a growth sample (optional detail)."""

    sample = models.ForeignKey(GrowthSample, on_delete=models.CASCADE, related_name="fish")
    fish_number = models.PositiveIntegerField()
    weight_g = models.FloatField()
    length_cm = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sample", "fish_number"], name="fish_unique_number"),
            models.CheckConstraint(condition=models.Q(weight_g__gt=0), name="fish_weight_pos"),
        ]


class Weighing(Identified):
    """Fish weighed during a treatment (delousing, vaccination): an anchor like a sample."""

    batch = models.ForeignKey("farm.Batch", on_delete=models.CASCADE, db_index=False)
    assignment = models.ForeignKey("farm.Assignment", on_delete=models.CASCADE, db_index=False)
    weighing_date = models.DateField()
    reason = models.CharField(max_length=50, blank=True)
    fish_weighed = models.PositiveIntegerField()
    avg_weight_g = models.FloatField()

    class Meta:
        constraints = [
            identity_constraint("weighing"),
            models.CheckConstraint(
                condition=models.Q(fish_weighed__gt=0), name="weighing_count_pos"
            ),
            models.CheckConstraint(
                condition=models.Q(avg_weight_g__gt=0), name="weighing_weight_pos"
            ),
        ]
        indexes = [
            models.Index(fields=["assignment", "weighing_date"], name="weighing_assign_date"),
            models.Index(fields=["batch", "weighing_date"], name="weighing_batch_date"),
        ]


class SelectionMethod(models.TextChoices):
    AVERAGE = "AVERAGE", "Average (a representative share)"
    LARGEST = "LARGEST", "Largest fish"
    SMALLEST = "SMALLEST", "Smallest fish"


class TransferStatus(models.TextChoices):
    PLANNED = "PLANNED", "Planned"
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    COMPLETED = "COMPLETED", "Completed"
    CANCELLED = "CANCELLED", "Cancelled"


class TransferAction(Identified):
    """Fish moved from one assignment to another on one day (start of that day).

    ``measured_avg_weight_g`` is the weight of the fish MOVED, when they were weighed.
    Only completed actions change the daily states.
    """

    batch = models.ForeignKey("farm.Batch", on_delete=models.CASCADE, db_index=False)
    source_assignment = models.ForeignKey(
        "farm.Assignment", on_delete=models.CASCADE, related_name="transfers_out", db_index=False
    )
    dest_assignment = models.ForeignKey(
        "farm.Assignment", on_delete=models.CASCADE, related_name="transfers_in", db_index=False
    )
    execution_date = models.DateField()
    transferred_count = models.PositiveIntegerField()
    measured_avg_weight_g = models.FloatField(null=True, blank=True)
    selection_method = models.CharField(
        max_length=8, choices=SelectionMethod.choices, default=SelectionMethod.AVERAGE
    )
    status = models.CharField(
        max_length=12, choices=TransferStatus.choices, default=TransferStatus.COMPLETED
    )

    class Meta:
        constraints = [
            identity_constraint("transfer"),
            models.CheckConstraint(
                condition=models.Q(transferred_count__gte=0), name="transfer_count_nonneg"
            ),
            models.CheckConstraint(
                condition=models.Q(measured_avg_weight_g__isnull=True)
                | models.Q(measured_avg_weight_g__gt=0),
                name="transfer_weight_pos",
            ),
            models.CheckConstraint(
                condition=~models.Q(source_assignment=models.F("dest_assignment")),
                name="transfer_not_to_itself",
            ),
        ]
        indexes = [
            models.Index(
                fields=["source_assignment", "execution_date", "status"],
                name="transfer_source_date",
            ),
            models.Index(
                fields=["dest_assignment", "execution_date", "status"], name="transfer_dest_date"
            ),
            models.Index(fields=["batch", "execution_date"], name="transfer_batch_date"),
        ]


class Harvest(Identified):
    """Fish harvested from an assignment; live kg / fish is an anchor of the weight."""

    batch = models.ForeignKey("farm.Batch", on_delete=models.CASCADE, db_index=False)
    assignment = models.ForeignKey("farm.Assignment", on_delete=models.CASCADE, db_index=False)
    harvest_date = models.DateField()
    count = models.PositiveIntegerField()
    live_weight_kg = models.FloatField()

    class Meta:
        constraints = [
            identity_constraint("harvest"),
            models.CheckConstraint(condition=models.Q(count__gte=0), name="harvest_count_nonneg"),
            models.CheckConstraint(
                condition=models.Q(live_weight_kg__gte=0), name="harvest_weight_nonneg"
            ),
        ]
        indexes = [
            models.Index(fields=["assignment", "harvest_date"], name="harvest_assign_date"),
            models.Index(fields=["batch", "harvest_date"], name="harvest_batch_date"),
        ]


class CountMethod(models.TextChoices):
    """How fish were counted; each method has its own precision (docs/engine.md)."""

    STOCKING = "stocking", "Stocking count (eggs or fry put in)"
    COUNTER = "counter", "Fish counter"
    TREATMENT = "treatment", "Counter at a treatment (every fish pumped through)"
    HARVEST = "harvest", "Harvest count (slaughterhouse)"
    ESTIMATE = "estimate", "Estimate (by eye or camera)"


class PopulationCount(Identified):
    """The fish of a container stay counted at the END of a day: a measurement of the
    population, as a growth sample is of the mean weight.

    The engine weighs it against the book (stocked, moved, recorded dead) by its
    precision: the method's, unless ``precision_pct`` gives the counter's own (one
    standard deviation, in % of the count). Two counts of one stay on one day are bad
    input that the engine reports, so the table does not refuse them.
    """

    batch = models.ForeignKey("farm.Batch", on_delete=models.CASCADE, db_index=False)
    assignment = models.ForeignKey("farm.Assignment", on_delete=models.CASCADE, db_index=False)
    count_date = models.DateField()
    count = models.PositiveIntegerField(help_text="Fish counted.")
    method = models.CharField(max_length=10, choices=CountMethod.choices)
    precision_pct = models.FloatField(
        null=True,
        blank=True,
        help_text="One standard deviation of the count, in % of it; empty: the method's.",
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            identity_constraint("count"),
            models.CheckConstraint(condition=models.Q(count__gte=0), name="count_nonneg"),
            models.CheckConstraint(
                condition=models.Q(precision_pct__isnull=True) | models.Q(precision_pct__gte=0),
                name="count_precision_nonneg",
            ),
        ]
        indexes = [
            models.Index(fields=["assignment", "count_date"], name="count_assign_date"),
            models.Index(fields=["batch", "count_date"], name="count_batch_date"),
        ]

    def __str__(self) -> str:
        return f"{self.count} fish counted ({self.method}) on {self.count_date}"


EVENT_DAY_FIELDS: dict[type[models.Model], str] = {
    FeedingEvent: "feeding_date",
    MortalityEvent: "event_date",
    GrowthSample: "sample_date",
    Weighing: "weighing_date",
    TransferAction: "execution_date",
    Harvest: "harvest_date",
    PopulationCount: "count_date",
}
"""Every event model with a batch, and the field holding its day: where recomputes
start, what an undo takes back, what must lie within a stay."""
