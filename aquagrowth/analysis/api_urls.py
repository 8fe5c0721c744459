"""URLs of the analysis API (mounted under /api/v1/)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from aquagrowth.analysis.views import (
    BatchViewSet,
    DailyStateViewSet,
    RecomputeRunsView,
    RecomputeView,
    UnexplainedLossView,
)

router = DefaultRouter()
router.register("batches", BatchViewSet, basename="batch")
router.register("daily-states", DailyStateViewSet, basename="dailystate")

urlpatterns = [
    path("recompute/", RecomputeView.as_view(), name="recompute"),
    path("recompute/runs/", RecomputeRunsView.as_view(), name="recompute-runs"),
    path("reports/unexplained-loss/", UnexplainedLossView.as_view(), name="unexplained-loss"),
    *router.urls,
]
