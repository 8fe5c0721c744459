from django.apps import AppConfig


class GeneratorConfig(AppConfig):
    """A synthetic farm built from a schedule, with its ground truth."""

    name = "aquagrowth.generator"
    verbose_name = "Synthetic farm generator"
