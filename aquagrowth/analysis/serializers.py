"""Shapes of the analysis API's requests and answers."""

from __future__ import annotations

from rest_framework import serializers

from aquagrowth.analysis.growth_data import DAILY, WEEKLY
from aquagrowth.engine.core.outputs import (
    ANCHOR_TYPES,
    FEED_SOURCES,
    FLAGS,
    MORTALITY_SOURCES,
    TEMP_SOURCES,
    WEIGHT_SOURCES,
)
from aquagrowth.farm.models import Assignment, Batch, DailyState


class BatchSerializer(serializers.ModelSerializer):
    species = serializers.CharField(source="species.name", read_only=True)

    class Meta:
        model = Batch
        fields = ["id", "number", "species", "start_date", "status", "pinned_scenario"]


class DateRangeSerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day (inclusive).")
    end = serializers.DateField(required=False, help_text="Last day (inclusive).")

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": "The end is before the start."})
        return attrs


class GrowthQuerySerializer(DateRangeSerializer):
    """Query parameters of the combined growth data."""

    assignment = serializers.IntegerField(
        required=False, help_text="One assignment (container stay) of the batch; all if absent."
    )
    granularity = serializers.ChoiceField(choices=[DAILY, WEEKLY], default=DAILY)

    def validate_assignment(self, value: int) -> int:
        batch = self.context["batch"]
        if not Assignment.objects.filter(id=value, batch=batch).exists():
            raise serializers.ValidationError(f"Batch {batch.number} has no assignment {value}.")
        return value


class DailyStateFilterSerializer(DateRangeSerializer):
    """Filters of the daily states list."""

    batch = serializers.IntegerField(required=False)
    assignment = serializers.IntegerField(required=False)
    container = serializers.IntegerField(required=False)


class CodeNameField(serializers.ChoiceField):
    """A code column (stored as the engine's small integer) shown by the code's name."""

    def __init__(self, names: tuple[str, ...], **kwargs) -> None:
        self.names = names
        super().__init__(choices=list(names), read_only=True, **kwargs)

    def to_representation(self, value: int) -> str:
        return self.names[value]


class DailyStateSerializer(serializers.ModelSerializer):
    anchor_type = CodeNameField(ANCHOR_TYPES, help_text="What fixed this day's weight, if any.")
    weight_source = CodeNameField(WEIGHT_SOURCES)
    temp_source = CodeNameField(TEMP_SOURCES)
    mortality_source = CodeNameField(MORTALITY_SOURCES)
    feed_source = CodeNameField(FEED_SOURCES)
    flags = CodeNameField(
        FLAGS, help_text="Comma-separated findings of the day, e.g. negative_tgc; empty: none."
    )

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
            "population",
            "avg_weight_g",
            "biomass_kg",
            "temp_c",
            "mortality_count",
            "feed_kg",
            "growth_kg",
            "fcr",
            "tgc",
            "anchor_type",
            "weight_source",
            "weight_confidence",
            "temp_source",
            "temp_confidence",
            "mortality_source",
            "mortality_confidence",
            "feed_source",
            "feed_confidence",
            "flags",
            "computed_at",
        ]


class RecomputeRequestSerializer(DateRangeSerializer):
    """A batch or one of its assignments, from ``start`` on."""

    batch = serializers.PrimaryKeyRelatedField(queryset=Batch.objects.all(), required=False)
    assignment = serializers.PrimaryKeyRelatedField(
        queryset=Assignment.objects.select_related("batch"), required=False
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if bool(attrs.get("batch")) == bool(attrs.get("assignment")):
            raise serializers.ValidationError("Give exactly one of batch and assignment.")
        return attrs


class RecomputeAnswerSerializer(serializers.Serializer):
    batch = serializers.IntegerField()
    since = serializers.DateField(allow_null=True)
    task_ids = serializers.ListField(child=serializers.CharField())
