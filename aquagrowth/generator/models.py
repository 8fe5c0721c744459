"""Ground truth of a generated farm: what the engine's estimate is measured against."""

from django.db import models


class TrueDailyState(models.Model):
    """The simulated true population and average weight of an assignment at END of a day."""

    # Composite indexes below serve both keys; no single-column index of their own.
    batch = models.ForeignKey("farm.Batch", on_delete=models.CASCADE, db_index=False)
    assignment = models.ForeignKey("farm.Assignment", on_delete=models.CASCADE, db_index=False)
    date = models.DateField()
    population = models.PositiveIntegerField()
    avg_weight_g = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "date"], name="truth_unique_day")
        ]
        indexes = [models.Index(fields=["batch", "date"], name="truth_batch_date")]
