from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Login throttling (django-axes) and API tokens, set up for the farm."""

    name = "aquagrowth.accounts"
    verbose_name = "Logins and tokens"
