"""Shapes of the analysis API's requests and answers."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from aquagrowth.analysis.growth_data import DAILY, WEEKLY
from aquagrowth.engine.core.outputs import STATE_COLUMNS
from aquagrowth.engine.models import DailyState
from aquagrowth.farm.models import Assignment, Batch


class BatchSerializer(serializers.ModelSerializer):
    species = serializers.CharField(source="species.name", read_only=True)

    class Meta:
        model = Batch
        fields = ["id", "number", "species", "start_date", "status", "pinned_scenario"]


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

    def validate_assignment(self, value: int) -> int:
        batch = self.context["batch"]
        if not Assignment.objects.filter(id=value, batch=batch).exists():
            raise serializers.ValidationError(f"Batch {batch.number} has no assignment {value}.")
        return value


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
