from django.apps import AppConfig


class SitesConfig(AppConfig):
    """Sites, licences and their biomass cap, the monthly site report, and alerts."""

    name = "aquagrowth.sites"
    verbose_name = "Sites, licences and alerts"

    def ready(self) -> None:
        # Alerts are evaluated after every recompute (the engine's signal).
        from aquagrowth.sites import hooks  # noqa: F401
