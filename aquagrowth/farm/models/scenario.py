"""The planning model of a batch: TGC, FCR and mortality per stage, temperature profile."""

from django.conf import settings
from django.db import models


class Scenario(models.Model):
    batch = models.ForeignKey("farm.Batch", on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    harvest_weight_g = models.FloatField(help_text="Target harvest weight (g).")

    class Meta:
        ordering = ["batch", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(harvest_weight_g__gt=0), name="scenario_harvest_weight_pos"
            )
        ]

    def __str__(self) -> str:
        return f"{self.batch}: {self.name}"


class ScenarioStage(models.Model):
    """Per-stage model parameters.

    ``tgc`` is the thermal growth coefficient in the customary units (weight in g,
    temperature in degC, TGC x 1000); ``mortality_rate_per_day`` is a fraction per day.
    """

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="stages")
    stage = models.ForeignKey("farm.LifecycleStage", on_delete=models.PROTECT)
    tgc = models.FloatField()
    fcr = models.FloatField()
    mortality_rate_per_day = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scenario", "stage"], name="scenario_stage_unique"),
            models.CheckConstraint(condition=models.Q(tgc__gt=0), name="scenario_tgc_pos"),
            models.CheckConstraint(condition=models.Q(fcr__gt=0), name="scenario_fcr_pos"),
            models.CheckConstraint(
                condition=models.Q(mortality_rate_per_day__gte=0)
                & models.Q(mortality_rate_per_day__lt=1),
                name="scenario_mortality_rate_fraction",
            ),
        ]


class TemperatureProfilePoint(models.Model):
    """Planned water temperature (degC) on a day number counted from the batch start (1)."""

    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, related_name="temperature_profile"
    )
    day_number = models.PositiveIntegerField()
    temp_c = models.FloatField()

    class Meta:
        ordering = ["scenario", "day_number"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "day_number"], name="profile_unique_day"),
            models.CheckConstraint(condition=models.Q(day_number__gte=1), name="profile_day_pos"),
        ]


class ScenarioPinChange(models.Model):
    """One change of the scenario a batch is planned with: who, when, before and after.

    ``before`` and ``after`` are the pinned scenarios (null: none pinned, the batch's
    newest is in force), kept by name too, so the record still reads after a scenario is
    deleted. ``task_id`` is the recompute the change asked for (its runs carry it),
    ``recompute_queued`` whether the broker took it.
    """

    batch = models.ForeignKey("farm.Batch", on_delete=models.CASCADE, related_name="pin_changes")
    at = models.DateTimeField(auto_now_add=True)
    who = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    who_name = models.CharField(max_length=150, blank=True)
    before = models.ForeignKey(
        Scenario, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    before_name = models.CharField(max_length=100, blank=True, help_text="Empty: none pinned.")
    after = models.ForeignKey(
        Scenario, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    after_name = models.CharField(max_length=100, blank=True, help_text="Empty: none pinned.")
    task_id = models.CharField(max_length=64, blank=True, help_text="The recompute it asked for.")
    recompute_queued = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["batch", "at"], name="pin_change_batch_at")]

    def __str__(self) -> str:
        before = self.before_name or "the newest"
        after = self.after_name or "the newest"
        return f"{self.batch_id}: {before} -> {after} by {self.who_name or 'unknown'}"
