"""The OpenAPI schema's name for the project's Basic scheme (drf-spectacular matches its
built-in Basic extension to DRF's class only, not to subclasses)."""

from drf_spectacular.authentication import BasicScheme


class FarmBasicScheme(BasicScheme):
    target_class = "aquagrowth.accounts.authentication.BasicAuthentication"
