from django.contrib import admin

from aquagrowth.generator.models import TrueDailyState


@admin.register(TrueDailyState)
class TrueDailyStateAdmin(admin.ModelAdmin):
    list_display = ["assignment", "date", "population", "avg_weight_g"]
    raw_id_fields = ["batch", "assignment"]
    show_full_result_count = False
