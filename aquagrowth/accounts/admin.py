"""The admin of users: their site grants inline, and the grants listed on their own."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from aquagrowth.accounts.models import SiteGrant
from aquagrowth.accounts.roles import highest_role

User = get_user_model()


class SiteGrantInline(admin.TabularInline):
    """A user's sites, edited with the user (its role is its groups, above)."""

    model = SiteGrant
    extra = 1
    fields = ["station", "sea_area", "granted_at"]
    readonly_fields = ["granted_at"]
    verbose_name = "site"
    verbose_name_plural = "sites (one station or one sea area per row; staff see every site)"


admin.site.unregister(User)


@admin.register(User)
class FarmUserAdmin(UserAdmin):
    """Django's user admin with the role and the sites beside each user."""

    inlines = [*UserAdmin.inlines, SiteGrantInline]
    list_display = ["username", "role", "is_active", "is_staff", "last_login"]

    def get_queryset(self, request):
        # The role column reads the groups: one query for the page, not one per user.
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="role")
    def role(self, user) -> str:
        groups = [group.name for group in user.groups.all()]
        return highest_role(groups, user.is_staff or user.is_superuser) or "-"


@admin.register(SiteGrant)
class SiteGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "station", "sea_area", "granted_at"]
    list_filter = ["station", "sea_area"]
    search_fields = ["user__username", "station__name", "sea_area__name"]
    raw_id_fields = ["user"]
