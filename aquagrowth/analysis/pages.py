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

from aquagrowth.accounts.models import SiteGrant
from aquagrowth.accounts.roles import is_admin, role_of
from aquagrowth.accounts.sites import visible_batches
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
    batches = visible_batches(
        request.user,
        Batch.objects.select_related("species")
        .annotate(last_state=Subquery(latest), stays=Count("assignments"))
        .order_by("-start_date", "number"),
    )
    # Read only when the list is empty (the template calls it then).
    context = {"batches": batches, "access": lambda: _access(request.user)}
    return render(request, "analysis/batch_list.html", context)


def _access(user) -> dict:
    """What the list says when it is empty for a user: its role and its sites."""
    if is_admin(user):
        return {"admin": True}
    grants = SiteGrant.objects.filter(user=user).select_related("station", "sea_area")
    return {"role": role_of(user), "sites": [str(grant.site) for grant in grants]}


@login_required
def batch_growth(request: HttpRequest, batch_id: int) -> HttpResponse:
    # Another site's batch is 404 as a missing one: its existence is not told.
    batch = get_object_or_404(
        visible_batches(request.user, Batch.objects.select_related("species")), pk=batch_id
    )
    context = {
        "batch": batch,
        "api_url": reverse("batch-growth", args=[batch.id]),
        "recompute_hint": RECOMPUTE_HINT.format(number=batch.number),
    }
    return render(request, "analysis/batch_growth.html", context)
