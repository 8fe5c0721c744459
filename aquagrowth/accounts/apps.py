from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Login throttling (django-axes), API tokens, and the roles and sites of users."""

    name = "aquagrowth.accounts"
    verbose_name = "Logins, roles and sites"

    def ready(self) -> None:
        # Registers the schema extension (drf-spectacular finds extensions by import).
        from aquagrowth.accounts import schema  # noqa: F401
