"""The shapes of the sites API (docs/sites.md)."""

from __future__ import annotations

from rest_framework import serializers

from aquagrowth.sites.models import Alert, Licence, LicenceGroup, Rule


class LicenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Licence
        fields = ["number", "max_biomass_t"]


class LicenceGroupSerializer(serializers.ModelSerializer):
    licences = LicenceSerializer(many=True, read_only=True)
    cap_t = serializers.FloatField(read_only=True, allow_null=True)
    stations = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    sea_areas = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = LicenceGroup
        fields = ["id", "name", "cap_t", "licences", "stations", "sea_areas"]


class AlertSerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True, help_text="open, acknowledged or resolved")
    batch = serializers.SlugRelatedField(read_only=True, slug_field="number")
    container = serializers.SlugRelatedField(read_only=True, slug_field="name")
    licence_group = serializers.SlugRelatedField(read_only=True, slug_field="name")

    class Meta:
        model = Alert
        fields = [
            "id",
            "rule",
            "state",
            "message",
            "figures",
            "batch",
            "container",
            "licence_group",
            "raised_at",
            "last_seen_at",
            "acknowledged_at",
            "acknowledged_by_name",
            "resolved_at",
        ]


class AlertQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=["open", "acknowledged", "resolved", "all"],
        default="open",
        help_text="open: not resolved (acknowledged or not)",
    )
    rule = serializers.ChoiceField(choices=Rule.choices, required=False)
    batch = serializers.IntegerField(required=False, help_text="A batch's id.")
    site = serializers.CharField(required=False, help_text="A station's or sea area's name.")


class MonthlyQuerySerializer(serializers.Serializer):
    site = serializers.CharField(help_text="A station's or sea area's name.")
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="YYYY-MM")
    file = serializers.ChoiceField(
        choices=["json", "csv", "xlsx"], default="json", help_text="csv or xlsx: a file"
    )


class SiteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["station", "sea-area"])
    id = serializers.IntegerField()
    name = serializers.CharField()
    geography = serializers.CharField()
    groups = serializers.ListField(child=serializers.DictField(), required=False)
