"""Who may do what: the four roles of docs/data-in.md ("Roles"), in one place.

| role     | how                 | may                                                    |
| viewer   | group ``viewer``    | read batches, growth data and reports of its sites     |
| operator | group ``operator``  | also write events to containers of its sites           |
| manager  | group ``manager``   | also queue recomputes, pin scenarios, undo imports ... |
| admin    | staff or superuser  | everything, every site                                 |

Each role includes the ones above it. A role says what a user may do, its site grants
(:mod:`aquagrowth.accounts.sites`) where: a viewer without a grant reads nothing. The
groups are made by a data migration, so granting a role is adding a user to a group (in
the admin or with ``aquagrowth access grant``).

The checks read the user's groups once per user object (cached on it), so a request that
asks several of them costs one query.
"""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework.permissions import BasePermission

VIEWER, OPERATOR, MANAGER, ADMIN = "viewer", "operator", "manager", "admin"
ROLES = (VIEWER, OPERATOR, MANAGER)
"""The role groups, from least to most; admin is ``is_staff`` or ``is_superuser``."""
MANAGER_GROUP = MANAGER

_WRITERS = frozenset({OPERATOR, MANAGER})
_CACHE = "_aquagrowth_roles"


def is_admin(user) -> bool:
    """Staff or superuser: every role, every site."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_staff or user.is_superuser)
    )


def roles_of(user) -> frozenset[str]:
    """The role groups a user is in (empty for anonymous or inactive users); one query,
    remembered on the user object for the rest of its request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE, None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        setattr(user, _CACHE, cached)
    return cached


def forget_roles(user) -> None:
    """Drop the roles remembered on ``user`` (after its groups changed)."""
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


def highest_role(group_names: Iterable[str], admin: bool = False) -> str | None:
    """``admin`` when ``admin``, else the highest role among ``group_names``, or None
    (for lists that read every user's groups at once)."""
    if admin:
        return ADMIN
    held = set(group_names)
    return next((role for role in reversed(ROLES) if role in held), None)


def role_of(user) -> str | None:
    """The user's highest role: ``admin``, ``manager``, ``operator``, ``viewer``, or None
    (also for an inactive user)."""
    return highest_role(roles_of(user), is_admin(user))


def can_read(user) -> bool:
    """Any role: reads batches, growth data and reports (of its sites)."""
    return is_admin(user) or bool(roles_of(user))


def can_write_events(user) -> bool:
    """Operator, manager or admin: writes events (of containers of its sites)."""
    return is_admin(user) or bool(roles_of(user) & _WRITERS)


def is_manager(user) -> bool:
    """Manager or admin: the people who may spend compute (recomputes), pin scenarios,
    change farm settings and undo imports."""
    return is_admin(user) or MANAGER in roles_of(user)


class CanRead(BasePermission):
    """The analysis API's reads; which batches is the sites' business."""

    message = "Your account has no role (viewer, operator or manager): ask an administrator."

    def has_permission(self, request, view) -> bool:
        return can_read(request.user)


class CanWriteEvents(BasePermission):
    """Writes of events: operators, managers and admins (to containers of their sites)."""

    message = "Only operators, managers and administrators may write events."

    def has_permission(self, request, view) -> bool:
        return can_write_events(request.user)


class IsManager(BasePermission):
    """Recomputes and other farm-wide actions: managers and admins."""

    message = "Only managers and administrators may do this (queue recomputes, ...)."

    def has_permission(self, request, view) -> bool:
        return is_manager(request.user)


class ReadsOrManagerWrites(BasePermission):
    """Any role reads (GET, HEAD, OPTIONS); managers and admins change (pin a scenario)."""

    message = "Only managers and administrators may change this (pin a scenario, ...)."

    def has_permission(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return can_read(request.user)
        return is_manager(request.user)
