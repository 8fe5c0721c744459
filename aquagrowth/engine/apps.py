from django.apps import AppConfig


class EngineConfig(AppConfig):
    """Growth assimilation: load a batch, compute its daily states, store them."""

    name = "aquagrowth.engine"
    verbose_name = "Growth engine"
