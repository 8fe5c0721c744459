"""Licences and their groups (a cap on a site's standing biomass), alert subscriptions
and the alerts themselves (docs/sites.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models


class LicenceGroup(models.Model):
    """Licences that share one maximum allowed biomass over one or more sites."""

    name = models.CharField(max_length=100, unique=True)
    stations = models.ManyToManyField(
        "farm.FreshwaterStation", blank=True, related_name="licence_groups"
    )
    sea_areas = models.ManyToManyField("farm.SeaArea", blank=True, related_name="licence_groups")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def cap_t(self) -> float | None:
        """The group's cap (t): its licences' summed maximum allowed biomass, or None."""
        caps = [licence.max_biomass_t for licence in self.licences.all()]
        return float(sum(caps)) if caps else None


class Licence(models.Model):
    """One licence: a maximum allowed biomass (t) that adds to its group's cap."""

    number = models.CharField(max_length=50, unique=True)
    group = models.ForeignKey(LicenceGroup, on_delete=models.CASCADE, related_name="licences")
    max_biomass_t = models.FloatField(
        validators=[MinValueValidator(0.001)],
        help_text="Maximum allowed biomass (tonnes), e.g. 780 t for a Norwegian licence.",
    )

    class Meta:
        ordering = ["group", "number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_biomass_t__gt=0), name="licence_biomass_pos"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.max_biomass_t:g} t)"


class AlertSubscription(models.Model):
    """A user who is mailed the new alerts of one site (a station or a sea area)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_subscriptions"
    )
    station = models.ForeignKey(
        "farm.FreshwaterStation", null=True, blank=True, on_delete=models.CASCADE
    )
    sea_area = models.ForeignKey("farm.SeaArea", null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(station__isnull=False, sea_area__isnull=True)
                    | models.Q(station__isnull=True, sea_area__isnull=False)
                ),
                name="subscription_station_xor_sea_area",
            ),
            models.UniqueConstraint(
                fields=["user", "station", "sea_area"], name="subscription_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} <- {self.station or self.sea_area}"


class Rule(models.TextChoices):
    FEED_SILENCE = "feed_silence", "No feeding record"
    TEMPERATURE_SILENCE = "temperature_silence", "No temperature reading"
    MORTALITY_SILENCE = "mortality_silence", "No mortality record"
    MORTALITY_SPIKE = "mortality_spike", "Mortality spike"
    RECOMPUTE = "recompute", "Recompute failed or stale"
    BEHIND_PLAN = "behind_plan", "Behind plan"
    BIOMASS_CAP = "biomass_cap", "Near the biomass cap"


class Alert(models.Model):
    """One condition found by a rule: raised once, acknowledged, resolved when it clears.

    ``key`` names the condition within its rule (``stay:12``, ``batch:3``,
    ``group:2``, ``stay:12:2025-06-01``): at most one open alert per (rule, key).
    """

    rule = models.CharField(max_length=24, choices=Rule.choices)
    key = models.CharField(max_length=100)
    batch = models.ForeignKey(
        "farm.Batch", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    container = models.ForeignKey(
        "farm.Container", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    licence_group = models.ForeignKey(
        LicenceGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    message = models.CharField(max_length=500)
    figures = models.JSONField(default=dict, help_text="The numbers the rule found.")
    raised_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "key"],
                condition=models.Q(resolved_at__isnull=True),
                name="alert_one_open_per_condition",
            )
        ]
        indexes = [models.Index(fields=["resolved_at", "rule"], name="alert_open_rule")]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.message}"

    @property
    def state(self) -> str:
        if self.resolved_at is not None:
            return "resolved"
        return "acknowledged" if self.acknowledged_at is not None else "open"
