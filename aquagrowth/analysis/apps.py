from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    """The Growth Analysis API and page."""

    name = "aquagrowth.analysis"
    verbose_name = "Growth analysis"
