"""Admin for every farm model: browse, search and correct the farm's records.

A correction or deletion of an event here is recorded as an event change (who, when,
the values before and after: :mod:`aquagrowth.farm.audit`), listed read-only below
with the import runs.
"""

from django.contrib import admin

from aquagrowth.farm import audit
from aquagrowth.farm import models as m


@admin.register(m.Species)
class SpeciesAdmin(admin.ModelAdmin):
    list_display = ["name", "scientific_name"]


@admin.register(m.LifecycleStage)
class LifecycleStageAdmin(admin.ModelAdmin):
    list_display = ["name", "species", "order", "min_weight_g", "max_weight_g"]
    list_filter = ["species"]


@admin.register(m.Geography)
class GeographyAdmin(admin.ModelAdmin):
    list_display = ["name"]


@admin.register(m.FreshwaterStation)
class FreshwaterStationAdmin(admin.ModelAdmin):
    list_display = ["name", "geography"]
    list_filter = ["geography"]


@admin.register(m.Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ["name", "station", "stage"]
    list_filter = ["station__geography", "stage"]


@admin.register(m.SeaArea)
class SeaAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "geography"]
    list_filter = ["geography"]


@admin.register(m.Container)
class ContainerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "volume_m3", "hall", "sea_area"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(m.EnvironmentalParameter)
class EnvironmentalParameterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit"]


@admin.register(m.Sensor)
class SensorAdmin(admin.ModelAdmin):
    list_display = ["serial", "container", "parameter"]
    search_fields = ["serial", "container__name"]
    raw_id_fields = ["container"]


@admin.register(m.EnvironmentalReading)
class EnvironmentalReadingAdmin(admin.ModelAdmin):
    list_display = ["container", "parameter", "reading_time", "value"]
    list_filter = ["parameter"]
    raw_id_fields = ["container", "sensor"]
    show_full_result_count = False


class ScenarioStageInline(admin.TabularInline):
    model = m.ScenarioStage
    extra = 0


class TemperatureProfileInline(admin.TabularInline):
    model = m.TemperatureProfilePoint
    extra = 0


@admin.register(m.Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["name", "batch", "harvest_weight_g", "created_at"]
    inlines = [ScenarioStageInline, TemperatureProfileInline]
    raw_id_fields = ["batch"]


@admin.register(m.ScenarioStage)
class ScenarioStageAdmin(admin.ModelAdmin):
    list_display = ["scenario", "stage", "tgc", "fcr", "mortality_rate_per_day"]


@admin.register(m.TemperatureProfilePoint)
class TemperatureProfilePointAdmin(admin.ModelAdmin):
    list_display = ["scenario", "day_number", "temp_c"]


class AssignmentInline(admin.TabularInline):
    model = m.Assignment
    extra = 0
    raw_id_fields = ["container"]
    show_change_link = True


@admin.register(m.Batch)
class BatchAdmin(admin.ModelAdmin):
    """Batches. The pinned scenario is shown, not edited, here: a pin is made on the
    growth page or through the API, which keep it to the batch's own scenarios, record
    the change and recompute the batch (docs/api.md, "Pinning a scenario")."""

    list_display = ["number", "species", "geography", "start_date", "status"]
    list_filter = ["status", "geography"]
    search_fields = ["number"]
    readonly_fields = ["pinned_scenario"]
    inlines = [AssignmentInline]


@admin.register(m.Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = [
        "batch",
        "container",
        "stage",
        "assignment_date",
        "departure_date",
        "population_count",
    ]
    list_filter = ["stage"]
    search_fields = ["batch__number", "container__name"]
    raw_id_fields = ["batch", "container"]


class EventAdmin(admin.ModelAdmin):
    """Event tables run to millions of rows: no full counts, no select boxes of all rows.

    Every correction and deletion is recorded (``EventChange``, via ``admin``) in the
    admin's own transaction: the change and its record are stored together or not at all.
    """

    show_full_result_count = False
    raw_id_fields = ["batch", "assignment"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        # The form has already set the new values on ``obj``: the stored ones are read
        # afresh, locked until the admin's transaction ends.
        stored = type(obj).objects.select_for_update().get(pk=obj.pk)
        before = audit.event_values(stored)
        super().save_model(request, obj, form, change)
        audit.record_change(
            obj, m.ChangeAction.UPDATE, before, audit.event_values(obj), request.user, m.Via.ADMIN
        )

    def delete_model(self, request, obj) -> None:
        before = audit.event_values(obj)
        audit.record_change(obj, m.ChangeAction.DELETE, before, None, request.user, m.Via.ADMIN)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        """The list's "delete selected" action: every event recorded, then deleted."""
        audit.record_deletions(queryset.iterator(chunk_size=1000), request.user, m.Via.ADMIN)
        super().delete_queryset(request, queryset)


@admin.register(m.FeedingEvent)
class FeedingEventAdmin(EventAdmin):
    list_display = ["batch", "container", "feeding_date", "feeding_time", "amount_kg"]
    raw_id_fields = ["batch", "container"]


@admin.register(m.MortalityEvent)
class MortalityEventAdmin(EventAdmin):
    list_display = ["batch", "assignment", "event_date", "count", "cause"]


class FishObservationInline(admin.TabularInline):
    model = m.FishObservation
    extra = 0


@admin.register(m.GrowthSample)
class GrowthSampleAdmin(EventAdmin):
    list_display = ["batch", "assignment", "sample_date", "sample_size", "avg_weight_g"]
    inlines = [FishObservationInline]


@admin.register(m.Weighing)
class WeighingAdmin(EventAdmin):
    list_display = ["batch", "assignment", "weighing_date", "fish_weighed", "avg_weight_g"]


@admin.register(m.TransferAction)
class TransferActionAdmin(EventAdmin):
    list_display = [
        "batch",
        "source_assignment",
        "dest_assignment",
        "execution_date",
        "transferred_count",
        "measured_avg_weight_g",
        "selection_method",
        "status",
    ]
    list_filter = ["status", "selection_method"]
    raw_id_fields = ["batch", "source_assignment", "dest_assignment"]


@admin.register(m.Harvest)
class HarvestAdmin(EventAdmin):
    list_display = ["batch", "assignment", "harvest_date", "count", "live_weight_kg"]


@admin.register(m.PopulationCount)
class PopulationCountAdmin(EventAdmin):
    list_display = ["batch", "assignment", "count_date", "count", "method", "precision_pct"]
    list_filter = ["method"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record of what happened: listed and shown, never added, changed or deleted here."""

    show_full_result_count = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(m.EventChange)
class EventChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "model", "event_id", "who_name", "via", "run", "external_id"]
    list_filter = ["action", "via", "model"]
    search_fields = ["who_name", "source", "external_id", "=event_id"]
    date_hierarchy = "at"
    raw_id_fields = ["who", "run"]


@admin.register(m.ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "started_at", "via", "who_name", "origin", "state", "undone_at"]
    list_filter = ["via", "state"]
    search_fields = ["who_name", "origin"]
    date_hierarchy = "started_at"
    raw_id_fields = ["who"]


@admin.register(m.FarmSettings)
class FarmSettingsAdmin(admin.ModelAdmin):
    """The one row of settings; every save is recorded as a settings change."""

    def has_add_permission(self, request) -> bool:
        return not m.FarmSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        m.save_settings(obj, request.user)


@admin.register(m.SettingsChange)
class SettingsChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "who_name", "before", "after"]
    readonly_fields = ["at", "who", "who_name", "before", "after"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(m.ScenarioPinChange)
class ScenarioPinChangeAdmin(ReadOnlyAdmin):
    """Who pinned which scenario on a batch, and when (the page and the API record them,
    docs/api.md "Pinning a scenario")."""

    list_display = ["at", "batch", "who_name", "before_name", "after_name", "recompute_queued"]
    list_filter = ["recompute_queued"]
    search_fields = ["batch__number", "who_name"]
    date_hierarchy = "at"
    raw_id_fields = ["batch", "who", "before", "after"]
