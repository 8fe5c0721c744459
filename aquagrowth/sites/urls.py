"""URLs of the site pages (mounted at the root) and of the sites API (under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from aquagrowth.sites import pages, views

router = SimpleRouter()
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("licence-groups", views.LicenceGroupViewSet, basename="licence-group")

api_urlpatterns = [
    path("sites/", views.SiteListView.as_view(), name="site-list-api"),
    path("sites/<str:kind>/<int:site_id>/", views.SiteDetailView.as_view(), name="site-api"),
    path("reports/monthly/", views.MonthlyReportView.as_view(), name="monthly-report"),
    *router.urls,
]

page_urlpatterns = [
    path("sites/", pages.site_list, name="site-list"),
    path("sites/<str:kind>/<int:site_id>/", pages.site_page, name="site-page"),
]
