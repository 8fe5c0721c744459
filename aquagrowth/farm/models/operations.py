"""A record of each recompute, so operators see when, how long and why it failed."""

from django.db import models


class RecomputeStatus(models.TextChoices):
    RUNNING = "running", "Running"
    OK = "ok", "OK"
    FAILED = "failed", "Failed"


class RecomputeRun(models.Model):
    batch = models.ForeignKey("farm.Batch", on_delete=models.CASCADE, related_name="recomputes")
    trigger = models.CharField(max_length=16, help_text="cli, celery, event, api or beat")
    task_id = models.CharField(max_length=64, blank=True)
    since = models.DateField(null=True, blank=True, help_text="First day recomputed, if a window.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    assignments = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=RecomputeStatus.choices)
    error = models.TextField(blank=True)
    report = models.TextField(blank=True, help_text="Bad-input findings of the engine.")

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["batch", "started_at"], name="recompute_batch_started")]
