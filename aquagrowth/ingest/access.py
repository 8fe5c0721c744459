"""Who may write events, and where: the event API's one door to roles and sites.

docs/data-in.md ("Roles", "Sites"): operators, managers and admins write events, each
to the containers of its sites; a batch of sites one cannot see is not told of. The
roles and site grants themselves belong to ``aquagrowth.accounts``; until they are
there, these three functions stand in for them with the same names and meanings, so
the swap is one import (``from aquagrowth.accounts.roles import can_write_events`` and
``from aquagrowth.accounts.sites import visible_batches, writable_container_ids``).

Stand-in rules: the role is the group (``operator`` or ``manager``) or staff; with no
site grants yet, a writer writes to every container and everyone sees every batch.
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.permissions import BasePermission

from aquagrowth.farm.models import Batch

WRITER_GROUPS = ("operator", "manager")


def can_write_events(user) -> bool:
    """Operator, manager or admin (staff, superuser): may write events."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return user.groups.filter(name__in=WRITER_GROUPS).exists()


def writable_container_ids(user) -> set[int] | None:
    """Ids of the containers ``user`` may write events of; None: every container."""
    return None if can_write_events(user) else set()


def visible_batches(user, batches: QuerySet[Batch] | None = None) -> QuerySet[Batch]:
    """The batches ``user`` may see, out of ``batches`` (default: all)."""
    return Batch.objects.all() if batches is None else batches


class CanWriteEvents(BasePermission):
    """Writes of events: operators, managers and admins."""

    message = "Only operators, managers and administrators may write events."

    def has_permission(self, request, view) -> bool:
        return can_write_events(request.user)
