"""The engine's tables: the actual daily states, their fingerprints, and each recompute.

The tables keep the names they had when the farm app held them (``farm_dailystate``,
``farm_statedigest``, ``farm_recomputerun``): moving their owner moved no row.

The daily state is written a million rows at a time (a new farm's first computation), so
it carries only what that costs least to keep true:

- One index, the unique (assignment, date). Reads of a batch or a container go through
  their assignments (:meth:`DailyStateQuerySet.of_batch`, :meth:`~DailyStateQuerySet.
  in_container`): a few dozen probes of that index, where an index of their own would be
  written for every row of every recompute.
- No database foreign key to the assignment: the key check of each row cost PostgreSQL
  as much as the rest of the insert. The store checks a batch's assignments once per
  write instead, locking them so that none can go while it writes, and a trigger on the
  assignment table (farm migration 0008) deletes an assignment's states with it, also
  when it is deleted by plain SQL or while a recompute of its batch runs.
- ``batch``, ``container`` and ``stage`` repeat the assignment's for the readers;
  they carry no key either, the assignment's guarantees them.

Its measured columns are the engine core's declaration (:data:`STATE_COLUMNS`), and its
code columns' choices the core's names: one source for the engine, the store, this
table and the API.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Max, Min, OuterRef, Subquery

from aquagrowth.engine.core.outputs import (
    ANCHOR_TYPES,
    ESTIMATED,
    FEED_SOURCES,
    FLAGS,
    MORTALITY_SOURCES,
    POPULATION_SOURCES,
    STATE_COLUMNS,
    STAY_CLOSES,
    TEMP_SOURCES,
    WEIGHT_SOURCES,
    StateColumn,
)
from aquagrowth.farm.models import Assignment

_ACRONYMS = {"tgc": "TGC"}


def _label(code: str) -> str:
    """A code's name as a person reads it: "scenario_tgc" -> "Scenario TGC"."""
    if not code:
        return "None"
    words = [_ACRONYMS.get(w, w) for w in code.replace(",", " , ").replace("_", " ").split()]
    text = " ".join(words).replace(" ,", ",")
    return text[0].upper() + text[1:]


def code_choices(name: str, codes: tuple[str, ...]) -> type[models.IntegerChoices]:
    """Django choices whose values are the engine's codes (positions in ``codes``)."""
    members = [
        ((code.replace(",", "_").upper() or "NONE"), (value, _label(code)))
        for value, code in enumerate(codes)
    ]
    return models.IntegerChoices(name, members)


AnchorType = code_choices("AnchorType", ANCHOR_TYPES)
WeightSource = code_choices("WeightSource", WEIGHT_SOURCES)
TempSource = code_choices("TempSource", TEMP_SOURCES)
MortalitySource = code_choices("MortalitySource", MORTALITY_SOURCES)
FeedSource = code_choices("FeedSource", FEED_SOURCES)
StateFlags = code_choices("StateFlags", FLAGS)
PopulationSource = code_choices("PopulationSource", POPULATION_SOURCES)
EstimatedMetrics = code_choices("EstimatedMetrics", ESTIMATED)
StayClose = code_choices("StayClose", STAY_CLOSES)
_CHOICES = {
    ANCHOR_TYPES: AnchorType,
    WEIGHT_SOURCES: WeightSource,
    TEMP_SOURCES: TempSource,
    MORTALITY_SOURCES: MortalitySource,
    FEED_SOURCES: FeedSource,
    FLAGS: StateFlags,
    POPULATION_SOURCES: PopulationSource,
    ESTIMATED: EstimatedMetrics,
}


def state_field(column: StateColumn) -> models.Field:
    """The database field of one declared state column."""
    if column.kind == "count":
        if column.signed:
            return models.IntegerField(help_text=column.doc)
        return models.PositiveIntegerField(help_text=column.doc)
    if column.kind == "code":
        return models.PositiveSmallIntegerField(
            choices=_CHOICES[column.codes].choices,
            help_text=column.doc,
            **({} if column.default is None else {"default": column.default}),
        )
    return models.FloatField(null=column.nullable, help_text=column.doc)


def _measured_columns() -> type[models.Model]:
    """An abstract model with one field per declared state column."""
    meta = type("Meta", (), {"abstract": True})
    fields = {column.name: state_field(column) for column in STATE_COLUMNS}
    return type("StateColumns", (models.Model,), {"__module__": __name__, "Meta": meta, **fields})


StateColumns = _measured_columns()


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


class DailyState(StateColumns):
    """The actual state of one assignment at the END of one day."""

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
    computed_at = models.DateTimeField()

    objects = DailyStateQuerySet.as_manager()

    class Meta:
        db_table = "farm_dailystate"
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

    class Meta:
        db_table = "farm_statedigest"

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.rows} rows"


class StaySummary(models.Model):
    """One stay's records and population, as its last computation found them.

    What the records reach (the last day of each stream), the fish that went in, its
    fish-days and the fish it lost without a record, and how its last stretch closed:
    the farm's history (the expected unrecorded loss of open stretches), the API's
    "recorded through" dates and the unexplained-loss report read it.
    """

    assignment = models.OneToOneField(
        "farm.Assignment", on_delete=models.CASCADE, primary_key=True, related_name="summary"
    )
    feed_through = models.DateField(null=True, help_text="Last day with a feeding record.")
    mortality_through = models.DateField(null=True, help_text="Last day with a mortality record.")
    samples_through = models.DateField(
        null=True, help_text="Last day with a growth sample or weighing."
    )
    temperature_through = models.DateField(
        null=True, help_text="Last day with a measured temperature in the container."
    )
    counts_through = models.DateField(
        null=True, help_text="Last day the population was measured (a count, a counted move)."
    )
    stocked_fish = models.PositiveIntegerField(help_text="Fish put in (egg input or placed).")
    fish_days = models.FloatField(help_text="Sum of the fish present at each day's end.")
    unexplained_fish = models.IntegerField(
        help_text="Fish lost without a record over the stay (a gain is negative)."
    )
    closed_by = models.PositiveSmallIntegerField(
        choices=StayClose.choices, help_text="How the stay's last stretch closed."
    )
    closed_on = models.DateField(null=True, help_text="The day of that measurement.")
    tgc_end = models.FloatField(
        null=True,
        help_text="The stay's TGC (customary units) as the smoother estimates it at its last "
        "state, from its own weight records (null: anchored, or no known weight). The "
        "forward projection grows the pen at it until its stage ends.",
    )
    tgc_var_end = models.FloatField(
        null=True,
        help_text="Variance of the TGC (TGC units squared) at the stay's last state, "
        "smoothed model (null: anchored, or no known weight).",
    )
    root_tgc_cov_end = models.FloatField(
        null=True,
        help_text="Covariance of the cube root of the mean weight (g^(1/3)) and the TGC "
        "at the stay's last state, smoothed model.",
    )

    def __str__(self) -> str:
        return f"stay {self.assignment_id}: {self.unexplained_fish} fish unexplained"


class RecomputeStatus(models.TextChoices):
    RUNNING = "running", "Running"
    OK = "ok", "OK"
    FAILED = "failed", "Failed"


class RecomputeRun(models.Model):
    """A record of each recompute, so operators see when, how long and why it failed."""

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
        db_table = "farm_recomputerun"
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["batch", "started_at"], name="recompute_batch_started")]


class WeightModelFit(models.Model):
    """The weight smoother's parameters as fitted from the farm's own records.

    ``aquagrowth fit_weight_model`` adds one row per fit; the engine reads the newest
    (``current_smoother_params``), and the defaults without one (docs/engine.md,
    "Parameters, and how the farm's records fit them"). Each value keeps how many
    records it rests on; a value with too few is the default, and says so.
    """

    fitted_at = models.DateTimeField()
    sample_cv = models.FloatField(help_text="SD of fish weights over their mean.")
    sample_cv_samples = models.PositiveIntegerField(help_text="Samples with an SD behind it.")
    tgc_drift_sd = models.FloatField(help_text="SD of the TGC's daily change (TGC units).")
    tgc_drift_triples = models.PositiveIntegerField(
        help_text="Three consecutive observations of a stay behind it."
    )
    scenario_tgc_cv = models.FloatField(help_text="Relative SD of a stay's TGC around plan.")
    scenario_tgc_stays = models.PositiveIntegerField(help_text="Stays behind it.")
    transfer_weight_cv = models.FloatField(help_text="Relative SD of a transfer's measured weight.")
    unsampled_stages = models.JSONField(
        default=list, help_text="Stages none of whose stays has a measured weight."
    )
    unsampled_tgc_cv = models.FloatField(
        null=True,
        help_text="Relative SD of the TGC around plan in those stages (null: scenario_tgc_cv).",
    )
    unsampled_stays = models.PositiveIntegerField(default=0, help_text="Stays of those stages.")

    class Meta:
        ordering = ["-fitted_at", "-id"]

    def __str__(self) -> str:
        return (
            f"fit of {self.fitted_at:%Y-%m-%d %H:%M}: CV {self.sample_cv:.3f}, "
            f"drift {self.tgc_drift_sd:.4f}, scenario TGC CV {self.scenario_tgc_cv:.3f}"
        )
