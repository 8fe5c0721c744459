"""Shapes of the analysis API's requests and answers."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aquagrowth.accounts.sites import site_known_to, visible_batches, visible_stays
from aquagrowth.analysis import recorded_through, unexplained_loss
from aquagrowth.analysis.growth_data import DAILY, PERIODS, WEEKLY
from aquagrowth.engine.core.outputs import POPULATION_SOURCES, STATE_COLUMNS, WEIGHT_SOURCES
from aquagrowth.engine.models import DailyState
from aquagrowth.farm.models import Assignment, Batch


class RecordedThroughSerializer(serializers.Serializer):
    """The last day with a record of each stream (null: none, or never computed)."""

    feed = serializers.DateField(allow_null=True, help_text=recorded_through.STREAM_DOCS["feed"])
    mortality = serializers.DateField(
        allow_null=True, help_text=recorded_through.STREAM_DOCS["mortality"]
    )
    samples = serializers.DateField(
        allow_null=True, help_text=recorded_through.STREAM_DOCS["samples"]
    )
    temperature = serializers.DateField(
        allow_null=True, help_text=recorded_through.STREAM_DOCS["temperature"]
    )
    counts = serializers.DateField(
        allow_null=True, help_text=recorded_through.STREAM_DOCS["counts"]
    )


BATCH_RECORDED_THROUGH = (
    "How far the batch's records reach per stream: the earliest over its open stays "
    "(its latest over all stays when none is open), as of the last recompute."
)
STAY_RECORDED_THROUGH = "How far the stay's records reach per stream, as of the last recompute."


class BatchSerializer(serializers.ModelSerializer):
    """A batch and how far its records reach."""

    # ``recorded_through`` comes from the view's context (one query for a whole page of
    # batches), else from one query of its own.
    species = serializers.CharField(source="species.name", read_only=True)
    recorded_through = serializers.SerializerMethodField(help_text=BATCH_RECORDED_THROUGH)

    class Meta:
        model = Batch
        fields = [
            "id",
            "number",
            "species",
            "start_date",
            "status",
            "pinned_scenario",
            "recorded_through",
        ]

    @extend_schema_field(RecordedThroughSerializer)
    def get_recorded_through(self, batch: Batch) -> dict:
        known = self.context.get("recorded_through") or {}
        if batch.id not in known:
            known = recorded_through.of_batches([batch.id])
        return RecordedThroughSerializer(known[batch.id]).data


# Dates a farm record can carry. Beyond them the date arithmetic of a query (the FCR's
# lead-in days, the projection's horizon) leaves Python's calendar: a clear 400 instead.
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2199, 12, 31)
# Ids are 64-bit database keys; a larger number names nothing (and SQLite cannot bind it).
MAX_ID = 2**63 - 1


class FarmDateField(serializers.DateField):
    """An ISO date between ``FIRST_DATE`` and ``LAST_DATE``."""

    def to_internal_value(self, value) -> dt.date:
        day = super().to_internal_value(value)
        if not FIRST_DATE <= day <= LAST_DATE:
            raise serializers.ValidationError(
                f"Give a date from {FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}."
            )
        return day


def id_field(**kwargs) -> serializers.IntegerField:
    """A database id in a query: a whole number from 1 to ``MAX_ID``."""
    return serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, **kwargs)


class DateRangeSerializer(serializers.Serializer):
    start = FarmDateField(required=False, help_text="First day (inclusive).")
    end = FarmDateField(required=False, help_text="Last day (inclusive).")

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": "The end is before the start."})
        return attrs


class GrowthQuerySerializer(DateRangeSerializer):
    """Query parameters of the combined growth data."""

    assignment = id_field(help_text="One assignment (container stay) of the batch; all if absent.")
    granularity = serializers.ChoiceField(choices=[DAILY, WEEKLY], default=DAILY)
    period = serializers.ChoiceField(
        choices=list(PERIODS),
        required=False,
        help_text="Only this table of periods (the others null): per stage, per container "
        "stay, per ISO week or per calendar month; all four if absent.",
    )

    def validate_assignment(self, value: int) -> int:
        batch = self.context["batch"]
        if not Assignment.objects.filter(id=value, batch=batch).exists():
            raise serializers.ValidationError(f"Batch {batch.number} has no assignment {value}.")
        return value


class GrowthExportSerializer(serializers.Serializer):
    """What to export: a workbook, or one table as CSV."""

    kind = serializers.ChoiceField(choices=["xlsx", "csv"], default="xlsx")
    table = serializers.ChoiceField(
        choices=["daily", "pens", "pen_days", "periods"],
        default="daily",
        help_text="The table of a CSV: the batch by day, the pens, the pens by day, the periods.",
    )


class DailyStateFilterSerializer(DateRangeSerializer):
    """Filters of the daily states list."""

    batch = id_field()
    assignment = id_field()
    container = id_field()


class CodeNameField(serializers.ChoiceField):
    """A code column (stored as the engine's small integer) shown by the code's name."""

    def __init__(self, names: tuple[str, ...], **kwargs) -> None:
        self.names = names
        super().__init__(choices=list(names), read_only=True, **kwargs)

    def to_representation(self, value: int) -> str:
        return self.names[value]


_CODE_COLUMNS = {c.name: c for c in STATE_COLUMNS if c.kind == "code"}


class DailyStateSerializer(serializers.ModelSerializer):
    """A daily state with every declared column; codes shown by their names."""

    class Meta:
        model = DailyState
        fields = [
            "id",
            "assignment",
            "batch",
            "container",
            "stage",
            "date",
            "day_number",
            *(c.name for c in STATE_COLUMNS),
            "computed_at",
        ]

    def build_field(self, field_name, info, model_class, nested_depth):
        column = _CODE_COLUMNS.get(field_name)
        if column is not None:
            return CodeNameField, {"names": column.codes, "help_text": column.doc}
        return super().build_field(field_name, info, model_class, nested_depth)


@extend_schema_field(OpenApiTypes.INT)
class VisibleBatchField(serializers.PrimaryKeyRelatedField):
    """A batch by id, out of those the request's user may see: another site's batch is
    refused as an unknown id is (its existence is not told)."""

    def get_queryset(self):
        return visible_batches(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class VisibleStayField(serializers.PrimaryKeyRelatedField):
    """An assignment by id, out of the stays of the batches the user may see."""

    def get_queryset(self):
        return visible_stays(self.context["request"].user).select_related("batch")


class RecomputeRequestSerializer(DateRangeSerializer):
    """A batch or one of its assignments, from ``start`` on (of the user's sites)."""

    batch = VisibleBatchField(required=False)
    assignment = VisibleStayField(required=False)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if bool(attrs.get("batch")) == bool(attrs.get("assignment")):
            raise serializers.ValidationError("Give exactly one of batch and assignment.")
        return attrs


class RecomputeAnswerSerializer(serializers.Serializer):
    batch = serializers.IntegerField()
    since = serializers.DateField(allow_null=True)
    task_ids = serializers.ListField(child=serializers.CharField())


class GrowthBatchSerializer(serializers.Serializer):
    """The batch part of the combined growth data."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    species = serializers.CharField()
    start_date = serializers.DateField()
    status = serializers.CharField()
    first_state_date = serializers.DateField(allow_null=True)
    last_state_date = serializers.DateField(allow_null=True)
    recorded_through = RecordedThroughSerializer(help_text=BATCH_RECORDED_THROUGH)


class GrowthStaySerializer(serializers.Serializer):
    """One container stay (assignment) of the combined growth data."""

    id = serializers.IntegerField()
    container_id = serializers.IntegerField()
    container = serializers.CharField()
    stage = serializers.CharField()
    assignment_date = serializers.DateField()
    departure_date = serializers.DateField(allow_null=True)
    recorded_through = RecordedThroughSerializer(help_text=STAY_RECORDED_THROUGH)


def _f(text: str, **kwargs) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=text, **kwargs)


def _i(text: str) -> serializers.IntegerField:
    return serializers.IntegerField(allow_null=True, help_text=text)


class BalanceSerializer(serializers.Serializer):
    """Deaths, feed, growth and the two FCRs over some days (docs/growth-analysis.md)."""

    deaths = serializers.IntegerField(help_text="Dead fish over the days shown.")
    deaths_recorded = serializers.IntegerField(help_text="Of them, on days with records.")
    deaths_modelled = serializers.IntegerField(help_text="Of them, modelled (no records).")
    unexplained_fish = serializers.IntegerField(
        help_text="Fish lost without a record; negative: a gain."
    )
    mortality_pct = _f("100 x deaths / stocked fish.")
    unexplained_pct = _f("100 x unexplained fish / stocked fish.")
    feed_kg = _f("Known feed (recorded, fasting days 0), kg.")
    feed_unknown_days = serializers.IntegerField(
        help_text="Pen-days in a fed stretch without a feeding record."
    )
    growth_kg = _f("Biomass produced by growth, dead and lost fish included, kg.")
    net_gain_kg = _f("Growth minus the biomass of dead and lost fish, kg.")
    fcr_biological = _f("Feed / growth over the pen-days with feed records.")
    fcr_economic = _f("Feed / net gain over the pen-days with feed records.")
    degree_days = _f("Sum of the daily temperature (>= 0) after the first day, degC day.")
    sgr_pct_day = _f("100 ln(W2/W1) / days, % a day.")
    tgc = _f("1000 (W2^(1/3) - W1^(1/3)) / degree-days.")


class CauseSerializer(serializers.Serializer):
    cause = serializers.CharField(allow_blank=True, help_text="As recorded; empty: none given.")
    fish = serializers.IntegerField(help_text="Dead fish of the records with this cause.")


def _causes() -> CauseSerializer:
    return CauseSerializer(
        many=True,
        help_text="Recorded deaths by cause (the mortality records of the range), most first.",
    )


class HeadlineSerializer(BalanceSerializer):
    """The batch's headline numbers on ``as_of``, the last day shown."""

    as_of = serializers.DateField()
    fish = serializers.IntegerField(help_text="Fish alive at the end of as_of.")
    population_source = serializers.ChoiceField(choices=list(POPULATION_SOURCES))
    avg_weight_g = _f("Mean weight on as_of, g.")
    weight_source = serializers.ChoiceField(choices=list(WEIGHT_SOURCES))
    biomass_kg = _f("Biomass on as_of, kg.")
    stocked_fish = _i("Fish put into the batch (or the stay).")
    harvest_date = serializers.DateField(
        allow_null=True, help_text="The forward projection's harvest date."
    )
    days_to_harvest = _i("harvest_date - today, days.")
    plan_reference_date = serializers.DateField(allow_null=True)
    plan_weight_date = serializers.DateField(
        allow_null=True, help_text="First day the plan reaches the reference day's weight."
    )
    days_vs_plan = _i("plan_weight_date - reference day: > 0 ahead, < 0 behind.")
    plan_exceeded = serializers.BooleanField(
        help_text="Heavier than the plan ever is: compared at the plan's harvest weight."
    )
    biomass_plan_kg = _f("The plan's biomass on the reference day, kg.")
    biomass_vs_plan_kg = _f("Actual - planned biomass, kg.")
    biomass_vs_plan_pct = _f("Actual - planned biomass, % of planned.")
    deaths_by_cause = _causes()


class PenStatusSerializer(BalanceSerializer):
    """One container stay's status over its days shown."""

    assignment = serializers.IntegerField()
    container = serializers.CharField()
    stage = serializers.CharField()
    first_date = serializers.DateField()
    last_date = serializers.DateField()
    current = serializers.BooleanField(help_text="Still holds the batch's fish (no departure).")
    start_fish = _i("Fish put into the stay.")
    start_weight_g = _f("Mean weight at the end of its first day shown, g.")
    end_fish = serializers.IntegerField(help_text="Fish at the end of its last day shown.")
    end_weight_g = _f("Mean weight then, g (null without fish).")
    end_biomass_kg = _f("Biomass then, kg.")
    harvested_fish = serializers.IntegerField()
    harvested_kg = _f("Live weight harvested, kg.")
    density_kg_m3 = _f("End biomass / container volume, kg/m3.")
    forecast_harvest_date = serializers.DateField(allow_null=True)
    deaths_by_cause = _causes()


class HarvestSummarySerializer(serializers.Serializer):
    """A harvested batch: what came out of the water."""

    fish = serializers.IntegerField()
    live_weight_kg = _f("Live weight harvested, kg.")
    avg_weight_g = _f("Live weight / fish, g.")
    first_date = serializers.DateField(allow_null=True)
    last_date = serializers.DateField(allow_null=True)
    days_from_start = _i("Batch start to the last harvest, days.")
    survival_pct = _f("100 x harvested / stocked fish.")
    mortality_pct = _f("100 x deaths / stocked fish.")
    unexplained_pct = _f("100 x unexplained fish / stocked fish.")
    fcr_biological = _f("Feed / growth.")
    fcr_economic = _f("Feed / net gain.")


class StatusSerializer(serializers.Serializer):
    batch = HeadlineSerializer(allow_null=True)
    pens = PenStatusSerializer(many=True)
    harvest = HarvestSummarySerializer(allow_null=True)


def _floats(text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.FloatField(allow_null=True), help_text=text)


def _ints(text: str, **kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(allow_null=True), help_text=text, **kwargs
    )


def _dates(text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.DateField(), help_text=text)


def _codes(names: tuple[str, ...], text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.ChoiceField(choices=list(names)), help_text=text)


_STATE_DOCS = {c.name: c for c in STATE_COLUMNS}


def _state(name: str, kind=None) -> serializers.ListField:
    column = _STATE_DOCS[name]
    text = f"{column.doc} ({column.unit})" if column.unit else column.doc
    if column.kind == "code":
        return _codes(column.codes, text)
    return (kind or _floats)(text)


class GrowthQueryEchoSerializer(serializers.Serializer):
    """The query as understood."""

    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    assignment = serializers.IntegerField(allow_null=True)
    granularity = serializers.ChoiceField(choices=[DAILY, WEEKLY])
    period = serializers.ChoiceField(choices=list(PERIODS), allow_null=True)


class ScenarioStageSerializer(serializers.Serializer):
    stage = serializers.CharField()
    tgc = _f("Planned TGC of the stage.")
    fcr = _f("Planned FCR of the stage (kg/kg).")
    mortality_rate_per_day = _f("Planned share of the fish dying a day.")


class ScenarioSerializer(serializers.Serializer):
    """The scenario (plan) in force: the pinned one, else the newest."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    harvest_weight_g = serializers.FloatField()
    pinned = serializers.BooleanField()
    stages = ScenarioStageSerializer(many=True)


class SampleColumnsSerializer(serializers.Serializer):
    """Growth samples in the range, one entry per sample in each column."""

    date = _dates("The sample's day.")
    assignment = _ints("The stay sampled.")
    container = serializers.ListField(child=serializers.CharField())
    fish_weighed = _ints("Fish weighed.")
    avg_weight_g = _floats("Mean weight (g).")
    std_weight_g = _floats("Standard deviation of the weight (g).")
    avg_length_cm = _floats("Mean length (cm), null without lengths.")
    condition_factor = _floats("Fulton's K = 100 W / L^3, null without lengths.")


class ActualColumnsSerializer(serializers.Serializer):
    """The batch's (or one stay's) days, or weeks, summed over its pens: one entry per day
    in each column (docs/growth-analysis.md, "What the numbers mean")."""

    date = _dates("The day (weekly: the week's last day present).")
    day_number = _ints("Day of the batch (1: its start).")
    week = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Weekly only: the ISO week."
    )
    days = _ints("Weekly only: the days present in the week.", required=False)
    population = _state("population", _ints)
    avg_weight_g = _floats("Biomass x 1000 / fish (g).")
    weight_low_g = _floats(
        "Lower end of the weight's 90 % band (g); several pens pooled as independent "
        "(docs/growth-analysis.md); null in the anchored model."
    )
    weight_high_g = _floats("Upper end of the weight's 90 % band (g); null as weight_low_g.")
    biomass_kg = _state("biomass_kg")
    biomass_low_kg = _floats(
        "Lower end of the biomass's 90 % band (kg); the pens' variances summed; null in "
        "the anchored model."
    )
    biomass_high_kg = _floats("Upper end of the biomass's 90 % band (kg); null as biomass_low_kg.")
    feed_kg = _state("feed_kg")
    growth_kg = _state("growth_kg")
    mortality_count = _state("mortality_count")
    fcr = _floats("Feed / growth of the pens with feed records, over the trailing 7 days.")
    tgc = _state("tgc")
    temp_c = _state("temp_c")
    anchor_type = _state("anchor_type")
    weight_source = _state("weight_source")
    weight_confidence = _state("weight_confidence")
    temp_source = _state("temp_source")
    temp_confidence = _state("temp_confidence")
    population_source = _state("population_source")
    estimated_population = _floats("Share of the day's fish whose population is estimated.")
    estimated_weight = _floats("Share of the day's fish whose weight rests on no sample.")
    estimated_feed = _floats("Share of the day's fish whose feed is not recorded.")
    estimated_temperature = _floats("Share of the day's fish whose temperature is not measured.")
    containers = _ints("Pens summed that day.")


class PlanColumnsSerializer(serializers.Serializer):
    """The plan's curve by date (weekly: one day a week)."""

    date = _dates("The day.")
    day_number = _ints("Day of the batch.")
    stage = serializers.ListField(child=serializers.CharField(), help_text="Planned stage.")
    avg_weight_g = _floats("Planned mean weight (g).")
    population = _floats("Planned fish (expected, fractional); null for one stay.")
    biomass_kg = _floats("Planned biomass (kg); null for one stay.")
    temp_c = _floats("The profile's temperature (degC).")
    tgc = _floats("Planned TGC.")
    fcr = _floats("Planned FCR (kg/kg).")


class ForwardPenSerializer(serializers.Serializer):
    assignment = serializers.IntegerField()
    container = serializers.CharField()
    latest_weight_g = _f("Weight on the latest state (g).")
    latest_population = serializers.IntegerField()
    temp_bias_c = _f("Measured minus profile temperature, last 30 days (degC).")
    tgc = _f(
        "The TGC the pen grows at while its current stage lasts (customary units); the "
        "scenario's of each later stage after."
    )
    tgc_source = serializers.ChoiceField(
        choices=["pen", "scenario"],
        help_text="pen: the smoother's estimate from the pen's own weight records (the "
        "smoothed model, the farm's parameters fitted); scenario: the plan's TGC of the "
        "stage (no fit yet, the anchored model, or no estimate).",
    )
    harvest_date = serializers.DateField(allow_null=True)


class ForwardSerializer(serializers.Serializer):
    """From the latest state to the harvest weight: each pen at its own TGC while its
    stage lasts, then the plan's."""

    from_date = serializers.DateField()
    harvest_weight_g = serializers.FloatField()
    harvest_date = serializers.DateField(allow_null=True)
    expected_weight_g = _f("The batch's weight on harvest_date (g).")
    temp_bias_c = _f("The batch's measured temperature bias (degC).")
    containers = ForwardPenSerializer(many=True)
    date = _dates("The day.")
    day_number = _ints("Day of the batch.")
    avg_weight_g = _floats("Projected mean weight (g).")
    weight_low_g = _floats(
        "Lower end of the projected weight's 90 % band (g): the last state's band widened "
        "by the TGC's drift, day by day (docs/growth-analysis.md); null without a band "
        "on the last state (the anchored model)."
    )
    weight_high_g = _floats("Upper end of the projected weight's 90 % band (g).")
    population = _floats("Projected fish.")
    biomass_kg = _floats("Projected biomass (kg).")
    biomass_low_kg = _floats("Lower end of the projected biomass's 90 % band (kg).")
    biomass_high_kg = _floats("Upper end of the projected biomass's 90 % band (kg).")
    temp_c = _floats("Projected temperature (degC).")


class VariancePointSerializer(serializers.Serializer):
    date = serializers.DateField()
    actual_g = serializers.FloatField()
    scenario_g = serializers.FloatField()
    difference_g = serializers.FloatField()
    difference_pct = serializers.FloatField()


class VarianceMeanSerializer(serializers.Serializer):
    difference_g = serializers.FloatField()
    difference_pct = serializers.FloatField()
    days = serializers.IntegerField(help_text="Days (or weeks) compared.")


class VarianceSerializer(serializers.Serializer):
    """Actual minus plan weight where both exist."""

    now = VariancePointSerializer(help_text="On the latest date both exist.")
    mean = VarianceMeanSerializer()
    largest = VariancePointSerializer(help_text="The largest difference in grams.")


class PeriodSerializer(serializers.Serializer):
    """Observed growth of a period (a stage, a stay, a week or a month), beside the
    plan's (docs/growth-analysis.md, "Variance and periods")."""

    first_day = serializers.IntegerField(help_text="Day number of its first day with states.")
    last_day = serializers.IntegerField(help_text="Day number of its last day with states.")
    feed_kg = serializers.FloatField()
    growth_kg = serializers.FloatField(help_text="Biomass produced (the gain), kg.")
    recorded_feed_kg = serializers.FloatField()
    recorded_growth_kg = serializers.FloatField()
    recorded_days = serializers.IntegerField()
    fed_days = serializers.IntegerField()
    deaths = serializers.IntegerField()
    observed_fcr = _f("Biological FCR: feed / growth over the days with feed records.")
    feed_coverage = _f("Share of the fed days with feed records.")
    observed_tgc = _f("Fitted from the start to the end weight, stays weighted by days.")
    sgr_pct_day = _f("100 ln(W_end / W_start) / days, stays weighted by days, % a day.")
    degree_days = _f("Mean daily temperature (>= 0) x the period's days, degC day.")
    start_fish = serializers.IntegerField(help_text="Fish at the period's start.")
    mortality_pct = _f("100 x deaths / start_fish.")
    scenario_tgc = _f("The plan's.")
    scenario_fcr = _f("The plan's.")


class StayPeriodSerializer(PeriodSerializer):
    assignment = serializers.IntegerField()
    container = serializers.CharField()
    stage = serializers.CharField()
    days = serializers.IntegerField()


class StagePeriodSerializer(PeriodSerializer):
    stage = serializers.CharField()
    containers = serializers.IntegerField(help_text="Stays of the stage.")


class CalendarPeriodSerializer(PeriodSerializer):
    period = serializers.CharField(help_text="ISO week (2024-W03) or month (2024-02).")
    first_date = serializers.DateField()
    last_date = serializers.DateField()
    days = serializers.IntegerField(help_text="Days of the period with states.")
    full_days = serializers.IntegerField(help_text="Its calendar days: 7, or the month's.")
    partial = serializers.BooleanField(help_text="Cut by the range or the batch's states.")
    stages = serializers.ListField(child=serializers.CharField())
    containers = serializers.IntegerField(help_text="Stays with states in the period.")


class PeriodsSerializer(serializers.Serializer):
    """One table per kind of period; null when the query asked for another."""

    by_stage = StagePeriodSerializer(many=True, allow_null=True)
    by_assignment = StayPeriodSerializer(many=True, allow_null=True)
    by_week = CalendarPeriodSerializer(many=True, allow_null=True)
    by_month = CalendarPeriodSerializer(many=True, allow_null=True)


class GrowthDataSerializer(serializers.Serializer):
    """The combined growth data (docs/growth-analysis.md): the batch and its stays, and
    the series as objects of column arrays."""

    # The view answers the dict growth_data() builds; this declares its shape for the
    # schema, and tests/analysis hold the two together.
    batch = GrowthBatchSerializer()
    query = GrowthQueryEchoSerializer()
    scenario = ScenarioSerializer(allow_null=True, help_text="The plan in force, null without.")
    scenario_missing = serializers.CharField(allow_null=True)
    states_missing = serializers.CharField(allow_null=True)
    assignments = GrowthStaySerializer(many=True)
    samples = SampleColumnsSerializer()
    actual = ActualColumnsSerializer()
    scenario_projection = PlanColumnsSerializer(
        allow_null=True, help_text="Null without an egg input to start from."
    )
    forward_projection = ForwardSerializer(
        allow_null=True, help_text="Null without a plan or without fish."
    )
    variance = VarianceSerializer(allow_null=True, help_text="Null without overlap.")
    periods = PeriodsSerializer()
    status = StatusSerializer(help_text="Headline numbers, the pens, the harvest.")
    today = serializers.DateField(help_text="The server's date (UTC).")


class UnexplainedLossQuerySerializer(serializers.Serializer):
    """Filters of the unexplained-loss report."""

    batch = VisibleBatchField(required=False, help_text="Only this batch (its id).")
    site = serializers.CharField(
        required=False, help_text="Only this freshwater station or sea area (its name)."
    )

    def validate_site(self, value: str) -> str:
        if not site_known_to(self.context["request"].user, value):
            raise serializers.ValidationError(f"No freshwater station or sea area {value!r}.")
        return value


class LossBalanceSerializer(serializers.Serializer):
    stocked = serializers.IntegerField(help_text="Fish put in: opening count and moved in.")
    mortality = serializers.IntegerField(help_text="Recorded dead fish.")
    transferred_out = serializers.IntegerField(help_text="Fish moved out by transfers.")
    harvested = serializers.IntegerField(help_text="Fish harvested (the harvests' counts).")
    unexplained_fish = serializers.IntegerField(
        help_text="stocked - mortality - transferred_out - harvested; negative: a gain."
    )
    unexplained_pct = serializers.FloatField(
        allow_null=True, help_text="unexplained_fish in % of stocked (null: none stocked)."
    )


class LossPlaceSerializer(serializers.Serializer):
    batch = serializers.CharField(help_text="The batch's number.")
    site = serializers.CharField(help_text="The freshwater station or sea area.")
    site_kind = serializers.ChoiceField(
        choices=[unexplained_loss.STATION, unexplained_loss.SEA_AREA]
    )
    geography = serializers.CharField()


class PenPlaceSerializer(LossPlaceSerializer):
    container = serializers.CharField(help_text="The pen (or tank).")
    stage = serializers.CharField()
    stocked_on = serializers.DateField(help_text="The stay's first day.")
    harvested_from = serializers.DateField(help_text="First harvest day.")
    harvested_to = serializers.DateField(help_text="Last harvest day.")


class SitePlaceSerializer(LossPlaceSerializer):
    pens = serializers.IntegerField(help_text="Pens in the total.")
    open_pens = serializers.IntegerField(
        help_text="The batch's stays at the site still holding fish (not in the total)."
    )
    harvested_from = serializers.DateField(help_text="First harvest day of its pens.")
    harvested_to = serializers.DateField(help_text="Last harvest day of its pens.")


# Where, then the balance: the fields in the order of the CSV's columns.
class PenLossSerializer(PenPlaceSerializer, LossBalanceSerializer):
    """One stay a harvest emptied."""


class SiteLossSerializer(SitePlaceSerializer, LossBalanceSerializer):
    """A site's production cycle: the batch's pens there that a harvest emptied, fish
    moved between them left out."""


class UnexplainedLossSerializer(serializers.Serializer):
    pens = PenLossSerializer(many=True)
    sites = SiteLossSerializer(many=True)
    open_pens = serializers.IntegerField(
        help_text="Stays the filters chose that still hold fish: not in the report."
    )


class ScenarioChoiceSerializer(serializers.Serializer):
    """One of the batch's scenarios, as the page lists them to pin one."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
    harvest_weight_g = serializers.FloatField(help_text="Target harvest weight (g).")
    harvest_date = serializers.DateField(
        allow_null=True,
        help_text="The day its plan reaches the harvest weight from the batch's egg inputs "
        "(null: no egg input, or not within the projection's horizon).",
    )
    pinned = serializers.BooleanField(help_text="The scenario pinned on the batch.")
    in_force = serializers.BooleanField(help_text="The scenario in force: pinned, else newest.")


class PinnedNameSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="Null: deleted since.")
    name = serializers.CharField()


class PinChangeSerializer(serializers.Serializer):
    """One recorded change of the pin."""

    at = serializers.DateTimeField()
    who = serializers.CharField(help_text="The user's name ('' unknown).")
    before = PinnedNameSerializer(allow_null=True, help_text="Null: none pinned (the newest).")
    after = PinnedNameSerializer(allow_null=True, help_text="Null: none pinned (the newest).")
    task_id = serializers.CharField(help_text="The recompute it queued ('' none).")
    recompute_queued = serializers.BooleanField()


class PinRecomputeSerializer(serializers.Serializer):
    """The recompute a pin asked for."""

    needed = serializers.BooleanField(help_text="Whether the scenario in force changed.")
    queued = serializers.BooleanField()
    task_id = serializers.CharField(
        allow_null=True, help_text="Poll GET /api/v1/recompute/runs/?batch=&task= with it."
    )
    detail = serializers.CharField(help_text="What happened, in words.")


class BatchScenariosSerializer(serializers.Serializer):
    """The batch's scenarios, the pin, and its recorded changes."""

    batch = serializers.IntegerField()
    pinned_scenario = serializers.IntegerField(allow_null=True)
    scenarios = ScenarioChoiceSerializer(many=True)
    history = PinChangeSerializer(many=True, help_text="Latest changes first (at most 20).")


class PinAnswerSerializer(BatchScenariosSerializer):
    changed = serializers.BooleanField(help_text="False: that scenario was pinned already.")
    recompute = PinRecomputeSerializer()


class PinRequestSerializer(serializers.Serializer):
    """The scenario to pin, one of the batch's (``null``: unpin, the newest is in force)."""

    scenario = serializers.IntegerField(
        allow_null=True, min_value=1, max_value=MAX_ID, help_text="A scenario id of this batch."
    )

    def validate_scenario(self, value: int | None):
        if value is None:
            return None
        batch = self.context["batch"]
        found = batch.scenarios.filter(pk=value).first()
        if found is None:
            raise serializers.ValidationError(
                f"Scenario {value} is not one of batch {batch.number}'s scenarios."
            )
        return found


class RunsQuerySerializer(serializers.Serializer):
    batch = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The batch (of your sites)."
    )
    task = serializers.CharField(
        required=False, max_length=64, help_text="Only the runs of this task (its id)."
    )


class RecomputeRunSerializer(serializers.Serializer):
    """One recompute run (one attempt of a task)."""

    id = serializers.IntegerField()
    task_id = serializers.CharField()
    trigger = serializers.CharField(help_text="api, pin, event, beat, celery, cli or admin")
    status = serializers.ChoiceField(choices=["running", "ok", "failed"])
    since = serializers.DateField(allow_null=True, help_text="First day recomputed (null: all).")
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    seconds = serializers.FloatField(allow_null=True)
    rows = serializers.IntegerField(help_text="Daily states computed.")
    assignments = serializers.IntegerField(help_text="Container stays computed.")
    error = serializers.CharField(help_text="What went wrong, in words ('' unless failed).")


class RecomputeRunsSerializer(serializers.Serializer):
    batch = serializers.IntegerField()
    task_id = serializers.CharField(allow_null=True)
    state = serializers.ChoiceField(
        choices=["queued", "running", "retrying", "done", "failed"],
        allow_null=True,
        help_text="The task's state (with `task`): queued until a worker starts it.",
    )
    runs = RecomputeRunSerializer(many=True, help_text="Newest first, at most 20.")
