from django.apps import AppConfig


class FarmConfig(AppConfig):
    """The farm's records: species, infrastructure, batches, events and daily states."""

    name = "aquagrowth.farm"
    verbose_name = "Farm"
