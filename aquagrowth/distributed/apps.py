from django.apps import AppConfig


class DistributedConfig(AppConfig):
    """Recompute on Celery workers, triggered by the farm's events."""

    name = "aquagrowth.distributed"
    verbose_name = "Distributed recompute"

    def ready(self) -> None:
        """Connect the event triggers: the receivers need the farm's model classes, which
        exist only once every app is loaded."""
        from aquagrowth.distributed import triggers

        triggers.connect()
