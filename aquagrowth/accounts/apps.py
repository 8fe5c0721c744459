from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Login throttling (django-axes) and API tokens, set up for the farm."""

    name = "aquagrowth.accounts"
    verbose_name = "Logins and tokens"

    def ready(self) -> None:
        # Registers the schema extension (drf-spectacular finds extensions by import).
        from aquagrowth.accounts import schema  # noqa: F401
