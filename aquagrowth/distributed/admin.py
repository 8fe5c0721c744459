"""Recompute operations in the admin: each batch's last run, its recent runs, a button.

The farm app registers the Batch admin; this app extends it rather than editing it, so
the farm's admin stays usable without the distributed app.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.html import format_html

from aquagrowth.distributed.dispatch import enqueue_recompute
from aquagrowth.distributed.tasks import NotQueued
from aquagrowth.engine.models import RecomputeRun, RecomputeStatus
from aquagrowth.engine.runner import RecomputeOptions
from aquagrowth.farm.admin import BatchAdmin
from aquagrowth.farm.models import Batch

RECENT_RUNS_SHOWN = 10


class RecentRecomputeInline(admin.TabularInline):
    """The batch's latest runs, read-only: a failed one shows its error right here."""

    model = RecomputeRun
    verbose_name = "recent recompute"
    verbose_name_plural = f"recent recomputes (last {RECENT_RUNS_SHOWN})"
    fields = ["started_at", "trigger", "status", "since", "seconds", "rows", "error", "task_id"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        """Runs are records of recomputes; nobody writes one by hand."""
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        """The batch's last runs only: a busy batch has thousands, and the inline's
        formset cannot take a slice, so the latest are picked by a subquery."""
        runs = super().get_queryset(request)
        latest = RecomputeRun.objects.filter(batch=OuterRef("batch")).order_by("-started_at")
        return runs.filter(pk__in=Subquery(latest.values("pk")[:RECENT_RUNS_SHOWN]))


def _last_run(field: str) -> Subquery:
    """``field`` of the batch's latest run, as a subquery: the batch list annotates it in
    its one query instead of one query per batch."""
    latest = RecomputeRun.objects.filter(batch=OuterRef("pk")).order_by("-started_at", "-pk")
    return Subquery(latest.values(field)[:1])


admin.site.unregister(Batch)


@admin.register(Batch)
class BatchOperationsAdmin(BatchAdmin):
    list_display = [*BatchAdmin.list_display, "last_recompute"]
    inlines = [*BatchAdmin.inlines, RecentRecomputeInline]
    actions = ["recompute_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        """The farm's batch list, each with its last run (see :func:`_last_run`)."""
        return (
            super()
            .get_queryset(request)
            .annotate(
                last_run_started=_last_run("started_at"),
                last_run_status=_last_run("status"),
                last_run_seconds=_last_run("seconds"),
                last_run_rows=_last_run("rows"),
                last_run_error=_last_run("error"),
            )
        )

    @admin.display(description="last recompute", ordering="last_run_started")
    def last_recompute(self, batch: Batch) -> str:
        """When, how long and how many rows, or the error: a failing batch shows in the
        list, where operators look first, without opening it."""
        started = getattr(batch, "last_run_started", None)
        if started is None:
            return "never"
        status = batch.last_run_status
        if status == RecomputeStatus.FAILED:
            first_line = (batch.last_run_error or "").strip().splitlines()[-1:] or [""]
            return format_html(
                '{} <strong style="color:#b00">failed</strong>: {}',
                f"{started:%Y-%m-%d %H:%M}",
                first_line[0][:120],
            )
        if status == RecomputeStatus.RUNNING:
            return f"{started:%Y-%m-%d %H:%M} running"
        seconds = batch.last_run_seconds or 0.0
        return f"{started:%Y-%m-%d %H:%M}, {seconds:.1f} s, {batch.last_run_rows:,} rows"

    @admin.action(description="Recompute selected batches (all days)")
    def recompute_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Enqueue a full recompute of each selected batch, e.g. after a correction made
        in bulk (which triggers nothing)."""
        options = RecomputeOptions(trigger="admin")
        queued, failed = 0, []
        for batch in queryset:
            try:
                enqueue_recompute(batch.pk, options)
                queued += 1
            except NotQueued as exc:
                failed.append(f"{batch.number}: {exc}")
        if queued:
            self.message_user(request, f"{queued} recomputes enqueued.", level=messages.SUCCESS)
        if failed:
            # Each is also a failed run with the reason; the nightly run takes these.
            self.message_user(
                request,
                f"{len(failed)} recomputes not queued (broker unavailable): {failed[0]}",
                level=messages.ERROR,
            )
