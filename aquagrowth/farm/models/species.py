"""Species and their ordered lifecycle stages."""

from django.db import models


class Species(models.Model):
    name = models.CharField(max_length=100, unique=True)
    scientific_name = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "species"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LifecycleStage(models.Model):
    """A stage of a species' life; ``order`` fixes the sequence Egg&Alevin -> ... -> Adult.

    The weight range is what a biologist expects, used to report (never to cap) weights.
    """

    species = models.ForeignKey(Species, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField()
    min_weight_g = models.FloatField(help_text="Expected lower bound of the average weight (g).")
    max_weight_g = models.FloatField(help_text="Expected upper bound of the average weight (g).")

    class Meta:
        ordering = ["species", "order"]
        constraints = [
            models.UniqueConstraint(fields=["species", "order"], name="stage_unique_order"),
            models.UniqueConstraint(fields=["species", "name"], name="stage_unique_name"),
            models.CheckConstraint(
                condition=models.Q(min_weight_g__gte=0), name="stage_min_weight_nonneg"
            ),
            models.CheckConstraint(
                condition=models.Q(max_weight_g__gt=models.F("min_weight_g")),
                name="stage_weight_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name
