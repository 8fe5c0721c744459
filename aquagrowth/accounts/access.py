"""Giving users their role and sites, and listing who may do what where.

The ``aquagrowth access`` command's work, kept apart from its arguments and printing so
that the admin, a test or another command can do the same in one call.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from rest_framework.authtoken.models import Token

from aquagrowth.accounts.models import SiteGrant
from aquagrowth.accounts.roles import ROLES, forget_roles, highest_role
from aquagrowth.farm.models import FreshwaterStation, SeaArea

STATION, SEA_AREA = "station", "sea_area"
KIND_NAMES = {STATION: "freshwater station", SEA_AREA: "sea area"}


class AccessError(LookupError):
    """A user, site or role that cannot be found (or is not unique): a bad argument."""


def find_user(username: str, create: bool = False):
    """The user named ``username``; made without a usable password when ``create``
    (a machine client signs in with its token, a person sets a password later)."""
    users = get_user_model().objects
    found = users.filter(username=username).first()
    if found is not None:
        return found, False
    if not create:
        raise AccessError(f"no user named {username!r} (--create makes one)")
    user = users.create_user(username)  # no password: an unusable one
    return user, True


def find_site(kind: str, name: str, geography: str | None = None):
    """The station or sea area named ``name`` (in ``geography`` when given); raises
    :class:`AccessError` when there is none, or more than one (then the geography
    tells them apart)."""
    model = FreshwaterStation if kind == STATION else SeaArea
    sites = model.objects.filter(name=name).select_related("geography")
    if geography is not None:
        sites = sites.filter(geography__name=geography)
    found = list(sites[:10])
    where = f" in {geography}" if geography is not None else ""
    if not found:
        raise AccessError(f"no {KIND_NAMES[kind]} named {name!r}{where}")
    if len(found) > 1:
        places = ", ".join(site.geography.name for site in found)
        raise AccessError(
            f"{len(found)} {KIND_NAMES[kind]}s are named {name!r} ({places}): give --geography"
        )
    return found[0]


def set_role(user, role: str) -> None:
    """Make ``role`` the user's one role group (another role group it was in is left)."""
    if role not in ROLES:
        raise AccessError(f"no role {role!r} (one of {', '.join(ROLES)})")
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    user.groups.remove(*(group for name, group in groups.items() if name != role))
    user.groups.add(groups[role])
    forget_roles(user)


def grant_sites(user, sites: Iterable) -> list[SiteGrant]:
    """Grant each station or sea area of ``sites`` to ``user`` (one held already stays
    as it is); returns the grants newly made."""
    made = []
    for site in sites:
        field = "station" if isinstance(site, FreshwaterStation) else "sea_area"
        grant, created = SiteGrant.objects.get_or_create(user=user, **{field: site})
        if created:
            made.append(grant)
    return made


def revoke_sites(user, sites: Iterable) -> int:
    """Take each of ``sites`` from ``user``; returns how many grants went."""
    gone = 0
    for site in sites:
        field = "station" if isinstance(site, FreshwaterStation) else "sea_area"
        gone += SiteGrant.objects.filter(user=user, **{field: site}).delete()[0]
    return gone


def token_of(user) -> str:
    """The user's API token key, made if it has none."""
    return Token.objects.get_or_create(user=user)[0].key


@transaction.atomic
def grant(
    username: str,
    role: str | None = None,
    sites: Iterable = (),
    create: bool = False,
    token: bool = False,
) -> dict[str, Any]:
    """Give ``username`` a role and sites (all or nothing); the user as
    :func:`user_row` shows it, with ``created`` and, when ``token``, its ``token`` key."""
    user, created = find_user(username, create)
    if role is not None:
        set_role(user, role)
    grant_sites(user, sites)
    row = user_row(user, list(user.site_grants.select_related("station", "sea_area")))
    row["created"] = created
    if token:
        row["token"] = token_of(user)
    return row


def _site(grant: SiteGrant) -> dict[str, str]:
    site = grant.site
    return {"kind": grant.site_kind, "name": site.name, "geography": site.geography.name}


def user_row(user, grants: list[SiteGrant], has_token: bool | None = None) -> dict[str, Any]:
    """One user's access: name, role (as its groups and flags say, also when inactive),
    whether active and able to sign in with a password, its sites."""
    groups = [group.name for group in user.groups.all()]
    row = {
        "username": user.get_username(),
        "role": highest_role(groups, user.is_staff or user.is_superuser),
        "active": user.is_active,
        "password": user.has_usable_password(),
        "sites": [_site(grant) for grant in grants],
    }
    if has_token is not None:
        row["token"] = has_token
    return row


def access_rows() -> list[dict[str, Any]]:
    """Every user's access, sorted by name (a constant number of queries)."""
    users = (
        get_user_model()
        .objects.order_by("username")
        .prefetch_related("groups", "site_grants__station__geography")
        .prefetch_related("site_grants__sea_area__geography")
    )
    with_token = set(Token.objects.values_list("user_id", flat=True))
    rows = []
    for user in users:
        grants = sorted(user.site_grants.all(), key=lambda g: (g.site_kind, g.site.name))
        rows.append(user_row(user, grants, has_token=user.pk in with_token))
    return rows
