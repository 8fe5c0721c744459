"""The Growth Analysis pages: a batch list, and one batch's growth against plan.

The pages are thin shells: the batch page's data comes from the API
(``/api/v1/batches/<id>/growth/``), so the page and any other client see the same numbers.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from aquagrowth.analysis.growth_data import RECOMPUTE_HINT
from aquagrowth.engine.models import with_state_days
from aquagrowth.farm.models import Assignment, Batch


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    # The batch's last day is the latest of its stays' (one index probe each). A subquery
    # per batch: a join would multiply rows.
    latest = (
        with_state_days(Assignment.objects.filter(batch=OuterRef("pk")))
        .order_by(F("last_day").desc(nulls_last=True))
        .values("last_day")[:1]
    )
    batches = (
        Batch.objects.select_related("species")
        .annotate(last_state=Subquery(latest), stays=Count("assignments"))
        .order_by("-start_date", "number")
    )
    return render(request, "analysis/batch_list.html", {"batches": batches})


@login_required
def batch_growth(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(Batch.objects.select_related("species"), pk=batch_id)
    context = {
        "batch": batch,
        "api_url": reverse("batch-growth", args=[batch.id]),
        "recompute_hint": RECOMPUTE_HINT.format(number=batch.number),
    }
    return render(request, "analysis/batch_growth.html", context)
