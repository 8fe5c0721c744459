from django.contrib import admin

from aquagrowth.sites.models import Alert, AlertSubscription, Licence, LicenceGroup


class LicenceInline(admin.TabularInline):
    model = Licence
    extra = 1


@admin.register(LicenceGroup)
class LicenceGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "cap_t"]
    filter_horizontal = ["stations", "sea_areas"]
    inlines = [LicenceInline]


@admin.register(AlertSubscription)
class AlertSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "station", "sea_area"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    """Alerts are raised and resolved by the rules; the admin reads them."""

    list_display = ["rule", "message", "raised_at", "acknowledged_by_name", "resolved_at"]
    list_filter = ["rule", ("resolved_at", admin.EmptyFieldListFilter)]
    readonly_fields = [f.name for f in Alert._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
