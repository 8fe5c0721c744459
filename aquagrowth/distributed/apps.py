from django.apps import AppConfig


class DistributedConfig(AppConfig):
    """Recompute on Celery workers, triggered by the farm's events."""

    name = "aquagrowth.distributed"
    verbose_name = "Distributed recompute"

    def ready(self) -> None:
        from aquagrowth.distributed import triggers

        triggers.connect()
