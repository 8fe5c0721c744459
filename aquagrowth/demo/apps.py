from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The main job on a fresh machine (``aquagrowth demo``): build, recompute, verify.

    An app of its own because it is the one place that uses every other one: the
    generator builds the farm, the engine computes and verifies it.
    """

    name = "aquagrowth.demo"
    verbose_name = "Demo"
