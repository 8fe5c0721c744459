"""Who may do what through the analysis API."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

MANAGER_GROUP = "manager"


def is_manager(user) -> bool:
    """Staff, or a member of the "manager" group: the people who may spend compute."""
    return bool(
        user
        and user.is_authenticated
        and (user.is_staff or user.groups.filter(name=MANAGER_GROUP).exists())
    )


class IsStaffOrManager(BasePermission):
    message = "Only staff and members of the manager group may queue recomputes."

    def has_permission(self, request, view) -> bool:
        return is_manager(request.user)
