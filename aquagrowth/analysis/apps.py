from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    """The Growth Analysis API and page."""

    name = "aquagrowth.analysis"
    verbose_name = "Growth analysis"

    def ready(self) -> None:
        from aquagrowth.analysis.answer_key import code_version

        # The code this process runs, hashed as it starts: files a deploy replaces
        # later must not be taken for the code that computes this process's answers.
        code_version()
