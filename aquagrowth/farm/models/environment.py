"""Environmental parameters, sensors and their readings."""

from django.db import models

from aquagrowth.farm.models.provenance import Imported

TEMPERATURE_CODE = "temperature"
"""The stable code by which the engine finds water temperature (never a display name)."""

VALID_TEMPERATURE_C = (-2.0, 35.0)
"""Water temperature readings (degC) outside this range are sensor faults: the per-day
table (``farm.daily_temperature``) leaves them out of the day's mean and counts them, and
the engine reports the count."""


class EnvironmentalParameter(models.Model):
    code = models.SlugField(max_length=32, unique=True, help_text="Stable code, e.g. temperature.")
    name = models.CharField(max_length=100)
    unit = models.CharField(max_length=20)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class Sensor(models.Model):
    container = models.ForeignKey(
        "farm.Container", on_delete=models.CASCADE, related_name="sensors"
    )
    parameter = models.ForeignKey(EnvironmentalParameter, on_delete=models.PROTECT)
    serial = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.serial


class EnvironmentalReading(Imported):
    """One reading of one parameter in one container; several a day (UTC timestamps)."""

    # The composite index (container, parameter, time) serves lookups by container.
    container = models.ForeignKey("farm.Container", on_delete=models.CASCADE, db_index=False)
    parameter = models.ForeignKey(EnvironmentalParameter, on_delete=models.PROTECT)
    sensor = models.ForeignKey(Sensor, null=True, blank=True, on_delete=models.SET_NULL)
    reading_time = models.DateTimeField()
    value = models.FloatField()

    class Meta:
        indexes = [
            # Covering (value included) so the daily means come from an index-only scan.
            models.Index(
                fields=["container", "parameter", "reading_time"],
                include=["value"],
                name="reading_cont_param_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parameter.code}={self.value} @ {self.reading_time:%Y-%m-%d %H:%M}"


class ContainerDayTemperature(models.Model):
    """The daily mean of one container's valid temperature readings (degC), kept with them.

    The engine reads temperature per container and day; summing six or more readings a
    day for every batch on every recompute would cost more than all its other reads
    together. ``aquagrowth.farm.daily_temperature`` keeps this table in step: on every
    saved or deleted reading, and after every bulk load (generator, CSV import).
    """

    container = models.ForeignKey("farm.Container", on_delete=models.CASCADE, db_index=False)
    date = models.DateField()
    mean_c = models.FloatField(null=True, help_text="Mean of the valid readings; null if none.")
    readings = models.PositiveIntegerField(help_text="Valid readings (-2..35 degC).")
    rejected = models.PositiveIntegerField(help_text="Readings outside -2..35 degC (faults).")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["container", "date"], name="daytemp_container_date")
        ]

    def __str__(self) -> str:
        return f"{self.container_id} {self.date}: {self.mean_c}"
