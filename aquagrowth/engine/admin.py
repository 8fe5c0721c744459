"""Admin for the engine's tables: the daily states (read-only) and the recompute runs."""

from django.contrib import admin

from aquagrowth.engine.models import DailyState, RecomputeRun


@admin.register(DailyState)
class DailyStateAdmin(admin.ModelAdmin):
    """Read-only: daily states are the engine's output; edit the records, then recompute."""

    list_display = [
        "assignment",
        "date",
        "population",
        "avg_weight_g",
        "biomass_kg",
        "anchor_type",
        "fcr",
    ]
    list_filter = ["anchor_type"]
    raw_id_fields = ["assignment", "batch", "container", "stage"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RecomputeRun)
class RecomputeRunAdmin(admin.ModelAdmin):
    list_display = ["batch", "trigger", "status", "started_at", "seconds", "rows", "error"]
    list_filter = ["status", "trigger"]
    raw_id_fields = ["batch"]
