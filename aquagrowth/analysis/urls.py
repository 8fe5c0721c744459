"""URLs of the Growth Analysis pages (mounted at the site root)."""

from django.urls import path

from aquagrowth.analysis import pages

urlpatterns = [
    path("", pages.batch_list, name="batch-list"),
    path("batches/<int:batch_id>/growth/", pages.batch_growth, name="batch-growth-page"),
]
