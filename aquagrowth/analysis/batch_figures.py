"""The batch list's numbers: each batch on its last computed day, for many batches at once.

The list must stay cheap for a farm of 150 batches: one query finds each stay's last day
(an index probe each), one reads the rows of each batch's last day, one sums the recorded
deaths. The figures are those of the growth page's headline (docs/growth-analysis.md,
"Status"), from the same daily states.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q, Sum

from aquagrowth.engine.models import DailyState, with_state_days
from aquagrowth.farm.models import Assignment, MortalityEvent


def latest_figures(batch_ids: list[int]) -> dict[int, dict]:
    """Per batch id: ``as_of`` (its last day of states), ``fish``, ``biomass_kg``,
    ``avg_weight_g`` on that day, ``stocked_fish`` and ``recorded_deaths`` (all its
    mortality records) with ``mortality_pct``; a batch without states gets ``as_of`` None
    and no day's figures."""
    found: dict[int, dict] = {
        batch_id: {
            "as_of": None,
            "fish": None,
            "biomass_kg": None,
            "avg_weight_g": None,
            "stocked_fish": None,
            "recorded_deaths": 0,
            "mortality_pct": None,
        }
        for batch_id in batch_ids
    }
    if not batch_ids:
        return found
    stays = list(
        with_state_days(Assignment.objects.filter(batch_id__in=batch_ids)).values(
            "id", "batch_id", "last_day", "population_count"
        )
    )
    last: dict[int, dt.date] = {}
    for stay in stays:
        figures = found[stay["batch_id"]]
        figures["stocked_fish"] = (figures["stocked_fish"] or 0) + stay["population_count"]
        if stay["last_day"] and (
            stay["batch_id"] not in last or stay["last_day"] > last[stay["batch_id"]]
        ):
            last[stay["batch_id"]] = stay["last_day"]
    # The stays whose last day is their batch's, grouped by that day: one condition per
    # distinct day (a farm computed through one day has one).
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for stay in stays:
        if stay["last_day"] and stay["last_day"] == last.get(stay["batch_id"]):
            by_day[stay["last_day"]].append(stay["id"])
    if by_day:
        where = Q()
        for day, ids in by_day.items():
            where |= Q(assignment_id__in=ids, date=day)
        rows = (
            DailyState.objects.filter(where)
            .order_by()
            .values("batch_id")
            .annotate(fish=Sum("population"), biomass_kg=Sum("biomass_kg"))
        )
        for row in rows:
            figures = found[row["batch_id"]]
            figures["as_of"] = last[row["batch_id"]]
            figures["fish"] = row["fish"]
            figures["biomass_kg"] = round(row["biomass_kg"], 1)
            if row["fish"]:
                figures["avg_weight_g"] = round(row["biomass_kg"] * 1000.0 / row["fish"], 2)
    deaths = (
        MortalityEvent.objects.filter(batch_id__in=batch_ids)
        .order_by()
        .values("batch_id")
        .annotate(fish=Sum("count"))
    )
    for row in deaths:
        found[row["batch_id"]]["recorded_deaths"] = row["fish"] or 0
    for figures in found.values():
        if figures["stocked_fish"]:
            figures["mortality_pct"] = round(
                100.0 * figures["recorded_deaths"] / figures["stocked_fish"], 2
            )
        else:
            figures["stocked_fish"] = None
    return found
