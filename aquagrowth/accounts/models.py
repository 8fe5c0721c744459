"""Site grants: which freshwater stations and sea areas a user may see and write to."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SiteGrant(models.Model):
    """One site granted to one user: a freshwater station or a sea area, exactly one.

    A user sees the batches that have (or had) a stay in a container of a granted site
    and writes events of those containers only (docs/data-in.md, "Sites"). Staff and
    superusers need none: they see every site.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="site_grants"
    )
    station = models.ForeignKey(
        "farm.FreshwaterStation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="grants",
        help_text="A freshwater station (every hall's containers); or a sea area.",
    )
    sea_area = models.ForeignKey(
        "farm.SeaArea",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="grants",
        help_text="A sea area (its pens); or a station.",
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(station__isnull=False, sea_area__isnull=True)
                    | models.Q(station__isnull=True, sea_area__isnull=False)
                ),
                name="site_grant_station_xor_sea_area",
            ),
            models.UniqueConstraint(
                fields=["user", "station"],
                condition=models.Q(station__isnull=False),
                name="site_grant_unique_station",
            ),
            models.UniqueConstraint(
                fields=["user", "sea_area"],
                condition=models.Q(sea_area__isnull=False),
                name="site_grant_unique_sea_area",
            ),
        ]

    @property
    def site(self):
        """The station or the sea area granted."""
        return self.station if self.station_id is not None else self.sea_area

    @property
    def site_kind(self) -> str:
        return "station" if self.station_id is not None else "sea_area"

    def __str__(self) -> str:
        kind = "station" if self.station_id is not None else "sea area"
        return f"{self.user} may see {kind} {self.site}"
