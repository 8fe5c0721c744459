"""The farm's settings: one row of typed values that managers may change, each change
recorded (who, when, before and after), as docs/settings.md describes.

Typed fields rather than key/value pairs, so a threshold cannot be stored as text, the
admin and the API validate each value, and a new setting is a migration with its default.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class WeightModel(models.TextChoices):
    ANCHORED = "anchored", "Anchored on every weight sample"
    SMOOTHED = "smoothed", "Smoothed (state-space smoother with a band)"


def _positive(maximum: float) -> list:
    return [MinValueValidator(0), MaxValueValidator(maximum)]


class FarmSettings(models.Model):
    """The farm's settings, one row (pk 1), made with its defaults on first read."""

    weight_model = models.CharField(
        max_length=10,
        choices=WeightModel.choices,
        default=WeightModel.SMOOTHED,
        help_text="How a day's mean weight is estimated from the records (docs/engine.md).",
    )
    feed_silence_days = models.PositiveSmallIntegerField(
        default=3,
        validators=_positive(365),
        help_text="Alert when a pen that is fed has no feeding record for this many days.",
    )
    temperature_silence_hours = models.PositiveSmallIntegerField(
        default=36,
        validators=_positive(24 * 90),
        help_text="Alert when a container holding fish has no temperature for this many hours.",
    )
    mortality_silence_days = models.PositiveSmallIntegerField(
        default=7,
        validators=_positive(365),
        help_text="Alert when a pen holding fish has no mortality record for this many days.",
    )
    mortality_spike_pct = models.FloatField(
        default=0.5,
        validators=_positive(100),
        help_text="Alert when a day's deaths in a pen exceed this % of its fish.",
    )
    mortality_spike_factor = models.FloatField(
        default=5.0,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Alert when a day's deaths exceed this many times the pen's recent median.",
    )
    mortality_spike_window_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(3), MaxValueValidator(365)],
        help_text="The days before whose median daily deaths the factor compares with.",
    )
    mortality_spike_min_fish = models.PositiveIntegerField(
        default=50,
        help_text="A day with fewer deaths than this is never a spike by the factor alone.",
    )
    recompute_stale_hours = models.PositiveSmallIntegerField(
        default=26,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text="Alert when a batch's daily states are older than its records by this long.",
    )
    behind_plan_days = models.PositiveSmallIntegerField(
        default=14,
        validators=_positive(365),
        help_text="Alert when a batch's weight is this many days of growth behind its plan.",
    )
    cap_warning_days = models.PositiveSmallIntegerField(
        default=30,
        validators=_positive(730),
        help_text="Alert when a site or licence group is forecast to cross its cap within "
        "this many days.",
    )

    class Meta:
        verbose_name = "farm settings"
        verbose_name_plural = "farm settings"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="farm_settings_one")]

    def __str__(self) -> str:
        return "Farm settings"

    @classmethod
    def current(cls) -> FarmSettings:
        """The farm's settings (made with the defaults on first read)."""
        return cls.objects.get_or_create(pk=1)[0]

    def values(self) -> dict[str, object]:
        """Every setting by name: what a change records before and after."""
        return {f.name: getattr(self, f.name) for f in self._meta.fields if f.name != "id"}


class SettingsChange(models.Model):
    """One change of the farm's settings: who, when, and the values changed."""

    at = models.DateTimeField(auto_now_add=True)
    who = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    who_name = models.CharField(max_length=150, blank=True)
    before = models.JSONField()
    after = models.JSONField()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"settings changed by {self.who_name or 'unknown'} at {self.at:%Y-%m-%d %H:%M}"


def save_settings(changed: FarmSettings, user=None) -> SettingsChange | None:
    """Store ``changed`` and record what differs from the stored row (None: nothing did)."""
    stored = FarmSettings.current().values()
    after = changed.values()
    before = {k: v for k, v in stored.items() if after[k] != v}
    if not before:
        return None
    changed.pk = 1
    changed.full_clean()
    changed.save()
    return SettingsChange.objects.create(
        who=user if user is not None and user.is_authenticated else None,
        who_name=getattr(user, "username", "") or "",
        before=before,
        after={k: after[k] for k in before},
    )
