"""The actual daily state: one row per assignment and day (state at the END of the day).

The table is written a million rows at a time (a new farm's first computation), so it
carries only what that costs least to keep true:

- One index, the unique (assignment, date). Reads of a batch or a container go through
  their assignments (:meth:`DailyStateQuerySet.of_batch`, :meth:`~DailyStateQuerySet.
  in_container`): a few dozen probes of that index, where an index of their own would be
  written for every row of every recompute.
- No database foreign key to the assignment: the key check of each row cost PostgreSQL
  as much as the rest of the insert. The store checks a batch's assignments once per
  write instead, locking them so that none can go while it writes, and a trigger on the
  assignment table (migration 0008) deletes an assignment's states with it, also when
  it is deleted by plain SQL or while a recompute of its batch runs.
- ``batch``, ``container`` and ``stage`` repeat the assignment's for the readers;
  they carry no key either, the assignment's guarantees them.
"""

from __future__ import annotations

from django.db import models

from aquagrowth.farm.models.batch import Assignment


class AnchorType(models.TextChoices):
    GROWTH_SAMPLE = "growth_sample", "Growth sample"
    TRANSFER = "transfer", "Transfer with measured weight"
    WEIGHING = "weighing", "Weighing (treatment or harvest)"
    NONE = "none", "None"


class DailyStateQuerySet(models.QuerySet):
    def of_batch(self, batch) -> DailyStateQuerySet:
        """The states of a batch (an id or a Batch), found through its assignments."""
        return self.filter(assignment__in=Assignment.objects.filter(batch=batch).values("pk"))

    def in_container(self, container) -> DailyStateQuerySet:
        """The states in a container (an id or a Container), through its assignments."""
        return self.filter(
            assignment__in=Assignment.objects.filter(container=container).values("pk")
        )


class DailyState(models.Model):
    assignment = models.ForeignKey(
        "farm.Assignment",
        on_delete=models.CASCADE,
        related_name="daily_states",
        db_index=False,
        db_constraint=False,
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

    objects = DailyStateQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "date"], name="state_unique_day"),
            models.CheckConstraint(
                condition=models.Q(population__gte=0), name="state_population_nonneg"
            ),
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
