"""The sites API: sites against their caps, licence groups, alerts, the monthly report;
every answer scoped to the user's sites (docs/sites.md)."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from aquagrowth.accounts.models import SiteGrant
from aquagrowth.accounts.roles import CanRead, CanWriteEvents, is_admin
from aquagrowth.sites import monthly_output
from aquagrowth.sites import serializers as s
from aquagrowth.sites.alerts import acknowledge, alerts_of_site, visible_alerts
from aquagrowth.sites.models import LicenceGroup
from aquagrowth.sites.monthly import BadMonth, monthly_report, parse_month
from aquagrowth.sites.pages import site_data
from aquagrowth.sites.site import UnknownSite, find_site, get_site, may_see_site, visible_sites


class SiteListView(APIView):
    """The sites the user sees: stations and sea areas."""

    permission_classes = [CanRead]

    @extend_schema(responses={200: s.SiteSerializer(many=True)})
    def get(self, request):
        return Response([site.to_json() for site in visible_sites(request.user)])


class SiteDetailView(APIView):
    """One site: daily biomass, open pens, each licence group's cap and forecast, alerts."""

    permission_classes = [CanRead]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, kind: str, site_id: int):
        site = get_site(kind, site_id)
        if site is None or not may_see_site(request.user, site):
            raise Http404
        return Response(site_data(site, request.user))


class LicenceGroupViewSet(viewsets.ReadOnlyModelViewSet):
    """Licence groups and their licences (cap = their summed maximum allowed biomass)."""

    serializer_class = s.LicenceGroupSerializer
    permission_classes = [CanRead]
    queryset = LicenceGroup.objects.prefetch_related("licences", "stations", "sea_areas")

    def get_queryset(self):
        """The groups covering a site of the user's (every group for staff)."""
        groups = super().get_queryset()
        user = self.request.user
        if is_admin(user):
            return groups
        grants = SiteGrant.objects.filter(user=user)
        return groups.filter(
            Q(sea_areas__in=grants.values("sea_area")) | Q(stations__in=grants.values("station"))
        ).distinct()


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Alerts of the user's sites, open first; acknowledged by operators and above."""

    serializer_class = s.AlertSerializer
    permission_classes = [CanRead]

    def get_queryset(self):
        alerts = visible_alerts(self.request.user).select_related(
            "batch", "container", "licence_group"
        )
        if self.action != "list":
            return alerts
        query = s.AlertQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        given = query.validated_data
        if given["state"] == "open":
            alerts = alerts.filter(resolved_at__isnull=True)
        elif given["state"] == "acknowledged":
            alerts = alerts.filter(resolved_at__isnull=True, acknowledged_at__isnull=False)
        elif given["state"] == "resolved":
            alerts = alerts.filter(resolved_at__isnull=False)
        if "rule" in given:
            alerts = alerts.filter(rule=given["rule"])
        if "batch" in given:
            alerts = alerts.filter(batch_id=given["batch"])
        if "site" in given:
            try:
                site = find_site(given["site"], self.request.user)
            except UnknownSite as error:
                raise ValidationError({"site": f"no station or sea area {error}"}) from error
            alerts = alerts.filter(alerts_of_site(site)).distinct()
        return alerts.order_by("resolved_at", "-raised_at", "-id")

    @extend_schema(parameters=[s.AlertQuerySerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: s.AlertSerializer})
    @action(detail=True, methods=["post"], permission_classes=[CanWriteEvents])
    def acknowledge(self, request, pk=None):
        alert = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(s.AlertSerializer(acknowledge(alert, request.user)).data)


class MonthlyReportView(APIView):
    """The monthly site report (docs/sites.md): JSON, or ``file=csv`` / ``xlsx``."""

    permission_classes = [CanRead]

    @extend_schema(parameters=[s.MonthlyQuerySerializer], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        query = s.MonthlyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            site = find_site(query.validated_data["site"], request.user)
            first = parse_month(query.validated_data["month"])
        except UnknownSite as error:
            raise ValidationError({"site": f"no station or sea area {error}"}) from error
        except BadMonth as error:
            raise ValidationError({"month": str(error)}) from error
        report = monthly_report(site, first)
        name = f"{site.name}-{report.month}".replace(" ", "_")
        if query.validated_data["file"] == "csv":
            answer = HttpResponse(monthly_output.csv_text(report), content_type="text/csv")
            answer["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return answer
        if query.validated_data["file"] == "xlsx":
            answer = HttpResponse(
                monthly_output.xlsx_bytes(report),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            answer["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
            return answer
        return Response(report.to_json())
