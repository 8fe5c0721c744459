"""Batches and their stays in containers (assignments)."""

from django.db import models


class BatchStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    HARVESTED = "harvested", "Harvested"
    CLOSED = "closed", "Closed"


class Batch(models.Model):
    """One year-class of fish from one egg input, followed from eggs to harvest."""

    number = models.CharField(max_length=50, unique=True)
    species = models.ForeignKey("farm.Species", on_delete=models.PROTECT)
    geography = models.ForeignKey(
        "farm.Geography", null=True, blank=True, on_delete=models.SET_NULL
    )
    start_date = models.DateField()
    status = models.CharField(
        max_length=12, choices=BatchStatus.choices, default=BatchStatus.ACTIVE
    )
    pinned_scenario = models.ForeignKey(
        "farm.Scenario",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The scenario the batch is planned with; without one, its newest scenario.",
    )

    class Meta:
        verbose_name_plural = "batches"
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number

    def scenario_in_force(self):
        """The pinned scenario, else the newest one of the batch, else ``None``."""
        if self.pinned_scenario_id:
            return self.pinned_scenario
        return self.scenarios.order_by("-created_at", "-id").first()


class Assignment(models.Model):
    """A batch's stay in one container: days ``assignment_date`` .. ``departure_date`` - 1.

    ``population_count`` and ``avg_weight_g`` are the opening state of an egg input; an
    assignment filled by transfer actions opens empty and receives its fish as placements.
    """

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="assignments")
    container = models.ForeignKey(
        "farm.Container", on_delete=models.PROTECT, related_name="assignments"
    )
    stage = models.ForeignKey("farm.LifecycleStage", on_delete=models.PROTECT)
    assignment_date = models.DateField(help_text="First day in the container.")
    departure_date = models.DateField(
        null=True, blank=True, help_text="First day no longer in the container (exclusive)."
    )
    population_count = models.PositiveIntegerField(
        default=0, help_text="Opening population of an egg input (0 when filled by transfers)."
    )
    avg_weight_g = models.FloatField(
        null=True, blank=True, help_text="Opening average weight (g) of an egg input."
    )

    class Meta:
        ordering = ["batch", "assignment_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(population_count__gte=0), name="assignment_population_nonneg"
            ),
            models.CheckConstraint(
                condition=models.Q(avg_weight_g__isnull=True) | models.Q(avg_weight_g__gt=0),
                name="assignment_weight_pos",
            ),
            models.CheckConstraint(
                condition=models.Q(departure_date__isnull=True)
                | models.Q(departure_date__gt=models.F("assignment_date")),
                name="assignment_departs_after_arrival",
            ),
            models.UniqueConstraint(
                fields=["batch", "container", "assignment_date"],
                name="assignment_unique_arrival",
            ),
        ]
        indexes = [
            models.Index(
                fields=["batch", "assignment_date", "departure_date"], name="assign_batch_dates"
            ),
            models.Index(fields=["container", "assignment_date"], name="assign_container_date"),
        ]

    def __str__(self) -> str:
        return f"{self.batch} in {self.container} from {self.assignment_date}"
