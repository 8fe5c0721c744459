"""Ground truth of a generated farm: what the engine's estimate is measured against."""

from django.db import models


class TrueDailyState(models.Model):
    """The simulated truth of an assignment on a day: population and average weight at
    the END of the day, and what happened over it that the records may not tell (the
    fish that died, those lost without any record, the feed eaten).

    ``deaths``, ``hidden_loss`` and ``feed_kg`` are null in truths built before they
    were kept.
    """

    # Composite indexes below serve both keys; no single-column index of their own.
    batch = models.ForeignKey("farm.Batch", on_delete=models.CASCADE, db_index=False)
    assignment = models.ForeignKey("farm.Assignment", on_delete=models.CASCADE, db_index=False)
    date = models.DateField()
    population = models.PositiveIntegerField()
    avg_weight_g = models.FloatField()
    deaths = models.PositiveIntegerField(
        null=True, help_text="Fish that died this day (recorded on time, late, or not yet)."
    )
    hidden_loss = models.PositiveIntegerField(
        null=True, help_text="Fish lost this day without any record (non-registered loss)."
    )
    feed_kg = models.FloatField(
        null=True, help_text="Feed eaten this day (kg), whether or not it was recorded."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "date"], name="truth_unique_day")
        ]
        indexes = [models.Index(fields=["batch", "date"], name="truth_batch_date")]
