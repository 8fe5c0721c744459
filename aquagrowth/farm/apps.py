from django.apps import AppConfig


class FarmConfig(AppConfig):
    """The farm's records: species, infrastructure, batches, events and daily states."""

    name = "aquagrowth.farm"
    verbose_name = "Farm"

    def ready(self) -> None:
        from aquagrowth.db import lookups
        from aquagrowth.farm import daily_temperature

        daily_temperature.connect()
        lookups.register()
