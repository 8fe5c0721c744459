"""Root URLs: the admin, the API and its docs, the health check and the Growth Analysis page."""

from django.contrib import admin
from django.urls import include, path

from aquagrowth.analysis.docs import SchemaView, docs_page
from aquagrowth.server.health import health
from aquagrowth.sites.urls import api_urlpatterns as sites_api
from aquagrowth.sites.urls import page_urlpatterns as site_pages

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/events/", include("aquagrowth.ingest.urls")),
    path("api/v1/", include(sites_api)),
    path("api/v1/", include("aquagrowth.analysis.api_urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", docs_page, name="swagger-ui"),
    path("api-auth/", include("rest_framework.urls")),
    path("health/", health, name="health"),
    path("", include(site_pages)),
    path("", include("aquagrowth.analysis.urls")),
]
