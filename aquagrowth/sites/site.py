"""A site: a freshwater station or a sea area (docs/sites.md), named, found and scoped.

The farm app keeps the two as separate tables; a :class:`Site` is the one shape the
reports, the page and the API give both, with the conditions that find its containers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from aquagrowth.accounts.models import SiteGrant
from aquagrowth.accounts.roles import can_read, is_admin
from aquagrowth.accounts.sites import site_known_to
from aquagrowth.farm.models import FreshwaterStation, SeaArea

STATION, SEA_AREA = "station", "sea-area"


class UnknownSite(LookupError):
    """No station or sea area of that name that the user may be told of."""


@dataclass(frozen=True)
class Site:
    """A station or a sea area: ``kind`` (``station`` or ``sea-area``), its id and name."""

    kind: str
    id: int
    name: str
    geography: str

    @property
    def field(self) -> str:
        """The field naming it on a grant, a subscription or a licence group's relation."""
        return "station" if self.kind == STATION else "sea_area"

    def containers(self, prefix: str = "") -> Q:
        """A condition on containers (``prefix`` the path to the container): in this site."""
        if self.kind == STATION:
            return Q(**{f"{prefix}hall__station_id": self.id})
        return Q(**{f"{prefix}sea_area_id": self.id})

    def to_json(self) -> dict:
        return {"kind": self.kind, "id": self.id, "name": self.name, "geography": self.geography}

    def __str__(self) -> str:
        return self.name


def of_station(station: FreshwaterStation) -> Site:
    return Site(STATION, station.pk, station.name, station.geography.name)


def of_sea_area(area: SeaArea) -> Site:
    return Site(SEA_AREA, area.pk, area.name, area.geography.name)


def all_sites() -> list[Site]:
    """Every station and sea area, stations first, by geography and name."""
    stations = FreshwaterStation.objects.select_related("geography")
    areas = SeaArea.objects.select_related("geography")
    return [of_station(s) for s in stations] + [of_sea_area(a) for a in areas]


def visible_sites(user) -> list[Site]:
    """The sites ``user`` may be told of: every site for staff, else those granted."""
    if is_admin(user):
        return all_sites()
    if not can_read(user):
        return []
    grants = SiteGrant.objects.filter(user=user).select_related(
        "station__geography", "sea_area__geography"
    )
    return [of_station(g.station) if g.station_id else of_sea_area(g.sea_area) for g in grants]


def find_site(name: str, user=None) -> Site:
    """The site named ``name`` (``geography/name`` when two geographies share it), if
    ``user`` (None: anyone, the command line) may be told of it; else :class:`UnknownSite`."""
    geography, _, plain = name.rpartition("/")
    where = Q(name=plain) & (Q(geography__name=geography) if geography else Q())
    found = [of_station(s) for s in FreshwaterStation.objects.filter(where)] + [
        of_sea_area(a) for a in SeaArea.objects.filter(where)
    ]
    if len(found) != 1 or (user is not None and not site_known_to(user, plain)):
        raise UnknownSite(name if len(found) < 2 else f"{name} (name it geography/name)")
    return found[0]


def get_site(kind: str, site_id: int) -> Site | None:
    """The site of ``kind`` with that id, or None."""
    if kind == STATION:
        station = FreshwaterStation.objects.select_related("geography").filter(pk=site_id).first()
        return of_station(station) if station else None
    if kind == SEA_AREA:
        area = SeaArea.objects.select_related("geography").filter(pk=site_id).first()
        return of_sea_area(area) if area else None
    return None


def may_see_site(user, site: Site) -> bool:
    """Whether ``user`` may be told of ``site`` (docs/data-in.md, "Sites")."""
    return site_known_to(user, site.name)
