"""The API's schema and its Swagger page: behind a login unless configured public.

``AQUAGROWTH_PUBLIC_API_DOCS=1`` opens both to anyone; otherwise the schema needs the
API's own authentication and the page a login (a browser is sent to the login page).
Both read the setting per request, so a test can switch it.

The page is drf-spectacular's split view: the HTML loads Swagger UI and its start-up
script as files (the script from this view with ``?script``), so the Content-Security-
Policy needs no inline script; the template is ours, without drf-spectacular's inline
``<style>`` and with hashed static file names.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import BasePermission


class DocsAccess(BasePermission):
    """Anyone when the docs are public, else a logged-in user."""

    def has_permission(self, request, view) -> bool:
        public = settings.AQUAGROWTH_PUBLIC_API_DOCS
        return bool(public or (request.user and request.user.is_authenticated))


class SchemaView(SpectacularAPIView):
    permission_classes = [DocsAccess]


class DocsPageView(SpectacularSwaggerSplitView):
    permission_classes = [DocsAccess]
    template_name = "analysis/swagger_ui.html"


_docs_page = DocsPageView.as_view(url_name="schema")


def docs_page(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """The Swagger page; a browser without a login goes to the login page, then back."""
    if not settings.AQUAGROWTH_PUBLIC_API_DOCS and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return _docs_page(request, *args, **kwargs)
