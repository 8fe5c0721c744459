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

import datetime as dt

from django.db import models
from django.db.models import Max, Min, OuterRef, Subquery

from aquagrowth.farm.models.batch import Assignment

# The code columns hold small integers: the engine's own codes, each the position of its
# name in the engine core's tuples (``engine/core/outputs.py``), which the API and the
# page show. A code's meaning is stored in a million rows: append, never reorder (a test
# holds these classes to the tuples).


class AnchorType(models.IntegerChoices):
    NONE = 0, "None"
    GROWTH_SAMPLE = 1, "Growth sample"
    TRANSFER = 2, "Transfer with measured weight"
    WEIGHING = 3, "Weighing (treatment or harvest)"


class WeightSource(models.IntegerChoices):
    MEASURED = 0, "Measured"
    ASSIMILATED = 1, "Assimilated"
    SCENARIO_TGC = 2, "Scenario TGC"
    HELD = 3, "Held"
    MISSING = 4, "Missing"


class TempSource(models.IntegerChoices):
    MEASURED = 0, "Measured"
    INTERPOLATED = 1, "Interpolated"
    PROFILE = 2, "Profile"
    CONTAINER_MEAN = 3, "Container mean"
    MISSING = 4, "Missing"


class MortalitySource(models.IntegerChoices):
    RECORDED = 0, "Recorded"
    MODEL = 1, "Model"
    MISSING = 2, "Missing"


class FeedSource(models.IntegerChoices):
    RECORDED = 0, "Recorded"
    NONE = 1, "None"


class StateFlags(models.IntegerChoices):
    NONE = 0, "None"
    ABOVE_STAGE_MAX = 1, "Above the stage's maximum weight"
    NEGATIVE_TGC = 2, "Negative TGC"
    BOTH = 3, "Above the stage's maximum weight, negative TGC"


def with_state_days(stays: models.QuerySet) -> models.QuerySet:
    """Assignments annotated with their first and last day of states (``first_day``,
    ``last_day``; null without states): each one probe of the (assignment, date) index."""
    stay = DailyState.objects.filter(assignment=OuterRef("pk")).values("date")
    return stays.annotate(
        first_day=Subquery(stay.order_by("date")[:1]),
        last_day=Subquery(stay.order_by("-date")[:1]),
    )


class DailyStateQuerySet(models.QuerySet):
    def of_batch(self, batch) -> DailyStateQuerySet:
        """The states of a batch (an id or a Batch), found through its assignments."""
        return self.filter(assignment__in=Assignment.objects.filter(batch=batch).values("pk"))

    def span_of_batch(self, batch) -> dict[str, dt.date | None]:
        """First and last day of a batch's states (``first``, ``last``; ``None`` without
        states): two probes of the (assignment, date) index per stay, where a min and a
        max over the batch's rows would read them all."""
        return with_state_days(Assignment.objects.filter(batch=batch)).aggregate(
            first=Min("first_day"), last=Max("last_day")
        )

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
    anchor_type = models.PositiveSmallIntegerField(choices=AnchorType.choices)
    weight_source = models.PositiveSmallIntegerField(choices=WeightSource.choices)
    weight_confidence = models.FloatField()
    temp_source = models.PositiveSmallIntegerField(choices=TempSource.choices)
    temp_confidence = models.FloatField()
    mortality_source = models.PositiveSmallIntegerField(choices=MortalitySource.choices)
    mortality_confidence = models.FloatField()
    feed_source = models.PositiveSmallIntegerField(choices=FeedSource.choices)
    feed_confidence = models.FloatField()
    flags = models.PositiveSmallIntegerField(
        choices=StateFlags.choices,
        default=StateFlags.NONE,
        help_text="Findings of the day (negative TGC, above max).",
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
