"""Users of a test with a role and sites, made one way (docs/data-in.md, "Roles", "Sites").

A site named here is made when missing (in the Faroe Islands, as ``farm_builder``'s
are), so a test's user may be made before its farm: ``farm_builder.hall`` and
``sea_area`` then find the same station or sea area by its name.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, User

from aquagrowth.accounts.models import SiteGrant
from aquagrowth.farm import models as m

GEOGRAPHY = "Faroe Islands"
PASSWORD = "salmon-pass"


def grant(
    user: User,
    *,
    stations: Iterable[str] = (),
    sea_areas: Iterable[str] = (),
    geography: str = GEOGRAPHY,
) -> User:
    """Grant ``user`` the stations and sea areas named (made when missing)."""
    geo, _ = m.Geography.objects.get_or_create(name=geography)
    for name in stations:
        station, _ = m.FreshwaterStation.objects.get_or_create(geography=geo, name=name)
        SiteGrant.objects.get_or_create(user=user, station=station)
    for name in sea_areas:
        area, _ = m.SeaArea.objects.get_or_create(geography=geo, name=name)
        SiteGrant.objects.get_or_create(user=user, sea_area=area)
    return user


def person(
    username: str,
    role: str | None = "viewer",
    *,
    stations: Iterable[str] = (),
    sea_areas: Iterable[str] = (),
    password: str = PASSWORD,
    **fields,
) -> User:
    """A user in the group of ``role`` (None: no role) with the sites named."""
    user = User.objects.create_user(username, password=password, **fields)
    if role is not None:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return grant(user, stations=stations, sea_areas=sea_areas)
