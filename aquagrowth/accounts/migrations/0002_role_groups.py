"""The role groups of docs/data-in.md ("Roles"): viewer, operator, manager.

A role is a group a user is in (aquagrowth.accounts.roles); the groups carry no model
permissions, since the roles are checked by name. ``manager`` may exist already (the
recompute API used it before): it is kept with its members.
"""

from django.db import migrations

ROLES = ("viewer", "operator", "manager")


def make_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def drop_empty_groups(apps, schema_editor):
    """Going back removes a role group only when nobody is in it."""
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=ROLES, user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_site_grant"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(make_groups, drop_empty_groups)]
