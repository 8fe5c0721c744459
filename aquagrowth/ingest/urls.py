"""URLs of the event API (mounted under /api/v1/events/): one per kind."""

from django.urls import path

from aquagrowth.ingest.posting import KINDS
from aquagrowth.ingest.views import view_for

urlpatterns = [path(f"{kind}/", view_for(kind).as_view(), name=f"events-{kind}") for kind in KINDS]
