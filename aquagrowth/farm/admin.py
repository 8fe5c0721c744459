"""Admin for every farm model: browse, search and correct the farm's records."""

from django.contrib import admin

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
    list_display = ["number", "species", "geography", "start_date", "status"]
    list_filter = ["status", "geography"]
    search_fields = ["number"]
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
    """Event tables run to millions of rows: no full counts, no select boxes of all rows."""

    show_full_result_count = False
    raw_id_fields = ["batch", "assignment"]


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
