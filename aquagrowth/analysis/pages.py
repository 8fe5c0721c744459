"""The Growth Analysis pages: a batch list, and one batch's growth against plan.

The pages are thin shells: the batch page's data comes from the API
(``/api/v1/batches/<id>/growth/``), so the page and any other client see the same numbers.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from aquagrowth.accounts.models import SiteGrant
from aquagrowth.accounts.roles import is_admin, is_manager, role_of
from aquagrowth.accounts.sites import visible_batches
from aquagrowth.analysis import batch_figures, recorded_through
from aquagrowth.analysis.growth_data import utc_today
from aquagrowth.farm.models import Batch, FarmSettings


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    batches = list(
        visible_batches(
            request.user,
            Batch.objects.select_related("species")
            .annotate(stays=Count("assignments"))
            .order_by("-start_date", "number"),
        )
    )
    # Each batch's numbers on its last computed day and how far its records reach: a few
    # queries for the whole list, none per batch.
    ids = [batch.id for batch in batches]
    figures = batch_figures.latest_figures(ids)
    reached = recorded_through.of_batches(ids)
    for batch in batches:
        batch.figures = figures[batch.id]
        batch.recorded = reached[batch.id]
        daily_streams = (batch.recorded["feed"], batch.recorded["mortality"])
        batch.records_end = min((d for d in daily_streams if d), default=None)
    # Read only when the list is empty (the template calls it then).
    context = {
        "batches": batches,
        "today": utc_today(),
        "can_recompute": is_manager(request.user),
        "access": lambda: _access(request.user),
    }
    return render(request, "analysis/batch_list.html", context)


def _access(user) -> dict:
    """What the list says when it is empty for a user: its role and its sites."""
    if is_admin(user):
        return {"admin": True}
    grants = SiteGrant.objects.filter(user=user).select_related("station", "sea_area")
    return {"role": role_of(user), "sites": [str(grant.site) for grant in grants]}


ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def first_answer_url(api_url: str, params) -> str:
    """The growth answer the page's script asks for first, from the page's own URL
    (growth.js, ``readUrl`` and ``load``: the same parameters in the same order), so the
    browser fetches it while the scripts load (``<link rel=preload>``)."""
    query = {"granularity": "weekly" if params.get("granularity") == "weekly" else "daily"}
    for name in ("start", "end"):
        if ISO_DAY.match(params.get(name, "")):
            query[name] = params[name]
    if params.get("container", "").isdigit():
        query["assignment"] = params["container"]
    if "start" in query and "end" in query and query["start"] > query["end"]:
        return ""  # the script says so without asking
    return f"{api_url}?{urlencode(query)}"


@login_required
def batch_growth(request: HttpRequest, batch_id: int) -> HttpResponse:
    # Another site's batch is 404 as a missing one: its existence is not told.
    batch = get_object_or_404(
        visible_batches(request.user, Batch.objects.select_related("species")), pk=batch_id
    )
    context = {
        "batch": batch,
        "api_url": reverse("batch-growth", args=[batch.id]),
        "first_answer_url": first_answer_url(reverse("batch-growth", args=[batch.id]), request.GET),
        "export_url": reverse("batch-growth-export", args=[batch.id]),
        "recompute_url": reverse("recompute"),
        "runs_url": reverse("recompute-runs"),
        "scenario_url": reverse("batch-scenario", args=[batch.id]),
        "can_recompute": is_manager(request.user),
        # Read per page view, never cached with the answer: a manager's change shows at once.
        "behind_plan_days": FarmSettings.current().behind_plan_days,
    }
    return render(request, "analysis/batch_growth.html", context)
