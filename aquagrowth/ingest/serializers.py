"""Shapes of the event API for its schema (/api/schema/), made from the CSV format.

An event's fields are its CSV file's columns (:mod:`aquagrowth.farm.csvio.kinds`), so
each kind's request shape is made from that declaration: a column's cell type gives the
field's type, its doc the description. The import validates, not these serializers;
they describe, so that a client generated from the schema sends what the import takes.
"""

from __future__ import annotations

from functools import cache

from rest_framework import serializers

from aquagrowth.farm.csvio import cells
from aquagrowth.farm.csvio.format import Column, FileSpec
from aquagrowth.ingest import payload


def _field(column: Column) -> serializers.Field:
    """A serializer field of the column's type, for the schema."""
    cell = column.cell
    unit = f" Unit: {cell.unit}." if cell.unit and cell.unit != "fish" else ""
    common = {
        "required": cell.required,
        "allow_null": not cell.required,
        "help_text": column.doc + unit,
    }
    if isinstance(cell, cells.Text):
        return serializers.CharField(
            max_length=cell.max_length, allow_blank=not cell.required, **common
        )
    if isinstance(cell, cells.Choice):
        return serializers.ChoiceField(choices=list(cell.choices), **common)
    if isinstance(cell, cells.Integer):
        return serializers.IntegerField(min_value=cell.minimum, **common)
    if isinstance(cell, cells.Number):
        return serializers.FloatField(**common)
    if isinstance(cell, cells.Date):
        return serializers.DateField(**common)
    if isinstance(cell, cells.TimeOfDay):
        return serializers.TimeField(**common)
    if isinstance(cell, cells.Timestamp):
        return serializers.DateTimeField(**common)
    if isinstance(cell, cells.YesNo):
        return serializers.BooleanField(**common)
    return serializers.CharField(**common)


class FishSerializer(serializers.Serializer):
    """One fish of a growth sample (a row of fish.csv without the sample's key)."""

    fish_number = serializers.IntegerField(
        min_value=0, help_text="Number of the fish within its sample."
    )
    weight_g = serializers.FloatField(help_text="Weight of the fish. Unit: g.")
    length_cm = serializers.FloatField(
        required=False, allow_null=True, help_text="Its length. Unit: cm."
    )


@cache
def event_serializer(spec: FileSpec) -> type[serializers.Serializer]:
    """The request shape of one event of ``spec``'s kind."""
    fields = {column.name: _field(column) for column in spec.columns}
    if spec.name == "samples":
        fields[payload.FISH] = FishSerializer(
            many=True, required=False, help_text="The fish weighed, one by one (optional)."
        )
    name = "".join(part.title() for part in spec.name.split("_"))
    return type(f"{name}EventSerializer", (serializers.Serializer,), fields)


class RepeatsQuerySerializer(serializers.Serializer):
    repeats = serializers.ChoiceField(
        choices=["report", "skip", "allow"],
        default="report",
        help_text=(
            "An event equal to a stored one that it does not name by identity: report it "
            "(400, default), skip it, or allow it (stored as a new event)."
        ),
    )


class RecomputeBatchSerializer(serializers.Serializer):
    batch = serializers.IntegerField()
    number = serializers.CharField()
    since = serializers.DateField(allow_null=True, help_text="First day recomputed (null: all).")
    queued = serializers.BooleanField()
    failed_run = serializers.IntegerField(
        required=False, allow_null=True, help_text="The failed recompute run stored instead."
    )
    reason = serializers.CharField(required=False, help_text="Why it could not be queued.")


class RecomputeSerializer(serializers.Serializer):
    queued = serializers.BooleanField(
        help_text="Every batch's recompute queued; false: see failed_run (the events are stored)."
    )
    batches = RecomputeBatchSerializer(many=True)


class FishCountsSerializer(serializers.Serializer):
    stored = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class PostAnswerSerializer(serializers.Serializer):
    stored = serializers.IntegerField(help_text="New events stored.")
    updated = serializers.IntegerField(help_text="Stored events changed by identity.")
    unchanged = serializers.IntegerField(help_text="Events equal to stored ones: nothing done.")
    repeats_skipped = serializers.IntegerField(help_text="Repeats left out (?repeats=skip).")
    updates = serializers.ListField(
        child=serializers.CharField(), help_text="Each update: `[3]: updates feeding 4711: ...`."
    )
    import_run = serializers.IntegerField(
        allow_null=True, help_text="The import run (null when nothing changed)."
    )
    fish = FishCountsSerializer(required=False, help_text="Samples only: their fish.")
    recompute = RecomputeSerializer()


class FindingsSerializer(serializers.Serializer):
    detail = serializers.CharField(required=False)
    findings = serializers.ListField(
        child=serializers.CharField(), help_text="`[index].field: reason`, first 1000."
    )
    total = serializers.IntegerField(help_text="All findings, also those not listed.")


class DeletedEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.CharField(required=False)
    external_id = serializers.CharField(required=False)
    reading_time = serializers.DateTimeField(required=False)
    change = serializers.IntegerField(help_text="The event change that records the delete.")


class DeleteAnswerSerializer(serializers.Serializer):
    kind = serializers.CharField()
    deleted = DeletedEventSerializer(many=True)
    recompute = RecomputeSerializer()
