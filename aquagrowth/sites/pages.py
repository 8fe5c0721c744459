"""The site pages: a list of sites, and one site's biomass against its caps with the
forecast, its pens and its alerts (docs/sites.md, "The site page")."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from aquagrowth.accounts.roles import can_write_events
from aquagrowth.sites.alerts import alerts_of_site, visible_alerts
from aquagrowth.sites.biomass import PathCache, forecast, group_sites, open_pens
from aquagrowth.sites.models import LicenceGroup
from aquagrowth.sites.serializers import AlertSerializer
from aquagrowth.sites.site import Site, get_site, may_see_site, visible_sites


def site_groups(site: Site):
    return LicenceGroup.objects.filter(**{f"{site.field}s": site.id}).prefetch_related("licences")


def site_data(site: Site, user) -> dict:
    """Everything the site page and ``GET /api/v1/sites/<kind>/<id>/`` show."""
    cache = PathCache()
    own = forecast([site], None, cache)
    groups = []
    for group in site_groups(site):
        cap_t = group.cap_t()
        cap_kg = None if cap_t is None else cap_t * 1000
        sites = group_sites(group)
        # A group of this site alone: the site's own forecast against the group's cap.
        shown = own.against(cap_kg) if sites == [site] else forecast(sites, cap_kg, cache)
        groups.append(
            {
                "id": group.pk,
                "name": group.name,
                "sites": [s.name for s in sites],
                "licences": [
                    {"number": x.number, "max_biomass_t": x.max_biomass_t}
                    for x in group.licences.all()
                ],
                **shown.to_json(series=len(sites) > 1),
            }
        )
    alerts = visible_alerts(user).filter(alerts_of_site(site), resolved_at__isnull=True)
    alerts = alerts.distinct().select_related("batch", "container", "licence_group")
    return {
        "site": site.to_json(),
        "biomass": own.to_json(),
        "groups": groups,
        "pens": open_pens(site),
        "alerts": AlertSerializer(alerts.order_by("-raised_at"), many=True).data,
    }


@login_required
def site_list(request: HttpRequest) -> HttpResponse:
    return render(request, "sites/site_list.html", {"sites": visible_sites(request.user)})


@login_required
def site_page(request: HttpRequest, kind: str, site_id: int) -> HttpResponse:
    site = get_site(kind, site_id)
    # Another site's page is 404 as a missing one: its existence is not told.
    if site is None or not may_see_site(request.user, site):
        raise Http404
    context = {
        "site": site,
        "data": site_data(site, request.user),
        "can_acknowledge": can_write_events(request.user),
    }
    return render(request, "sites/site.html", context)
