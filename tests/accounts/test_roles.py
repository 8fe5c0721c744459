"""Roles: viewer reads, operator also writes events, manager also spends compute, admin
(staff or superuser) everything; the groups exist from the migration on."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aquagrowth.accounts import roles
from tests import access

# role -> (can_read, can_write_events, is_manager)
MAY = {
    None: (False, False, False),
    "viewer": (True, False, False),
    "operator": (True, True, False),
    "manager": (True, True, True),
}


def test_the_migration_made_the_role_groups(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {"viewer", "operator", "manager"}


@pytest.mark.parametrize("role", list(MAY), ids=str)
def test_what_each_role_may_do(db, role):
    user = access.person(f"someone-{role}", role)
    got = (roles.can_read(user), roles.can_write_events(user), roles.is_manager(user))
    assert got == MAY[role]
    assert roles.role_of(user) == role


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_staff_and_superusers_are_admins(db, flag):
    admin = User.objects.create_user("ops", **{flag: True})
    assert roles.is_admin(admin) and roles.role_of(admin) == "admin"
    assert roles.can_read(admin) and roles.can_write_events(admin) and roles.is_manager(admin)


def test_anonymous_and_inactive_users_may_nothing(db):
    anonymous = AnonymousUser()
    assert not (roles.can_read(anonymous) or roles.is_manager(anonymous))
    former = access.person("former", "manager", is_active=False)
    assert not (roles.can_read(former) or roles.can_write_events(former))
    assert not roles.can_read(None)


def test_the_roles_are_read_once_per_user_object(db):
    user = access.person("reader", "operator")
    with CaptureQueriesContext(connection) as asked:
        roles.can_read(user)
        roles.can_write_events(user)
        roles.is_manager(user)
    assert len(asked.captured_queries) == 1
    user.groups.add(Group.objects.get(name="manager"))
    roles.forget_roles(user)
    assert roles.is_manager(user)


def test_highest_role_of_several_groups(db):
    user = access.person("both", "viewer")
    user.groups.add(Group.objects.get(name="operator"))
    assert roles.role_of(user) == "operator"
