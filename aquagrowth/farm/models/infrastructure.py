"""Where fish live: geographies, freshwater stations and halls, sea areas, containers."""

from django.db import models


class Geography(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        verbose_name_plural = "geographies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FreshwaterStation(models.Model):
    geography = models.ForeignKey(Geography, on_delete=models.CASCADE, related_name="stations")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["geography", "name"]
        constraints = [
            models.UniqueConstraint(fields=["geography", "name"], name="station_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Hall(models.Model):
    """A hall of a freshwater station; halls are dedicated to one lifecycle stage."""

    station = models.ForeignKey(FreshwaterStation, on_delete=models.CASCADE, related_name="halls")
    name = models.CharField(max_length=100)
    stage = models.ForeignKey(
        "farm.LifecycleStage", null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["station", "name"]
        constraints = [models.UniqueConstraint(fields=["station", "name"], name="hall_unique_name")]

    def __str__(self) -> str:
        return f"{self.station} {self.name}"


class SeaArea(models.Model):
    geography = models.ForeignKey(Geography, on_delete=models.CASCADE, related_name="sea_areas")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["geography", "name"]
        constraints = [
            models.UniqueConstraint(fields=["geography", "name"], name="sea_area_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ContainerKind(models.TextChoices):
    TRAY = "tray", "Tray"
    TANK = "tank", "Tank"
    PEN = "pen", "Sea pen / ring"


class Container(models.Model):
    """A tray or tank in a hall, or a pen (ring) in a sea area: exactly one of the two."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=8, choices=ContainerKind.choices)
    volume_m3 = models.FloatField()
    hall = models.ForeignKey(
        Hall, null=True, blank=True, on_delete=models.CASCADE, related_name="containers"
    )
    sea_area = models.ForeignKey(
        SeaArea, null=True, blank=True, on_delete=models.CASCADE, related_name="containers"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(volume_m3__gt=0), name="container_volume_pos"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(hall__isnull=False, sea_area__isnull=True)
                    | models.Q(hall__isnull=True, sea_area__isnull=False)
                ),
                name="container_in_hall_xor_sea_area",
            ),
        ]

    def __str__(self) -> str:
        return self.name
