"""The alert rules: each reads the farm (or some batches of it) and returns the
conditions it finds now (docs/sites.md, "Alerts"). Raising, resolving and mailing are
:mod:`aquagrowth.sites.alerts`' business; a rule only says what is wrong.

Every rule reads a fixed number of queries whatever the farm's size, except the two
that project (``behind_plan``, ``biomass_cap``): a few per active batch.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Exists, OuterRef, Q, Subquery, Sum

from aquagrowth.analysis.projections import scenario_projection
from aquagrowth.engine.models import DailyState, FeedSource, RecomputeRun, RecomputeStatus
from aquagrowth.farm.models import (
    Assignment,
    Batch,
    BatchStatus,
    EnvironmentalParameter,
    EnvironmentalReading,
    FarmSettings,
    MortalityEvent,
)
from aquagrowth.sites import core
from aquagrowth.sites.biomass import PathCache, group_forecasts
from aquagrowth.sites.models import LicenceGroup, Rule

FED_WINDOW_DAYS = 14
"""A pen is fed when it had a feeding record on at least half of the days of this
window up to its last feeding record: a pen fed now and then is not 'silent'."""


RECENT_DAYS = 60
"""The cap rule reads the daily biomass of this many days before today (all of it when
the states end earlier)."""


@dataclass(frozen=True)
class Condition:
    """One thing a rule found: its identity (rule, key), words, figures and owners."""

    rule: str
    key: str
    message: str
    figures: dict = field(default_factory=dict)
    batch_id: int | None = None
    container_id: int | None = None
    group_id: int | None = None


@dataclass(frozen=True)
class Scope:
    """What an evaluation looks at: every active batch (``batch_ids`` None), or some."""

    today: dt.date
    now: dt.datetime
    settings: FarmSettings
    batch_ids: frozenset[int] | None = None

    def batches(self):
        batches = Batch.objects.filter(status=BatchStatus.ACTIVE)
        return batches if self.batch_ids is None else batches.filter(pk__in=self.batch_ids)


def open_stays(scope: Scope) -> list:
    """The open stays (no departure) of the scope's batches holding fish on their last
    day with states, with that day, its fish, and what their records reach."""
    last = DailyState.objects.filter(assignment=OuterRef("pk")).order_by("-date")
    stays = (
        Assignment.objects.filter(batch__in=scope.batches(), departure_date__isnull=True)
        .annotate(
            last_day=Subquery(last.values("date")[:1]),
            last_fish=Subquery(last.values("population")[:1]),
            last_weight_g=Subquery(last.values("avg_weight_g")[:1]),
        )
        .values_list(
            "id",
            "batch_id",
            "container_id",
            "container__name",
            "batch__number",
            "assignment_date",
            "last_day",
            "last_fish",
            "last_weight_g",
            "summary__feed_through",
            "summary__mortality_through",
            named=True,
        )
    )
    return [s for s in stays if s.last_fish]


def feed_silence(scope: Scope, stays: list) -> list[Condition]:
    """Pens in their fed stretch without a feeding record for too long."""
    limit = scope.settings.feed_silence_days
    silent = [
        s
        for s in stays
        if s.summary__feed_through is not None
        and (scope.today - s.summary__feed_through).days > limit
    ]
    if not silent:
        return []
    earliest = min(s.summary__feed_through for s in silent) - dt.timedelta(FED_WINDOW_DAYS - 1)
    fed_days: dict[int, list[dt.date]] = defaultdict(list)
    for assignment_id, day in DailyState.objects.filter(
        assignment__in=[s.id for s in silent], date__gte=earliest, feed_source=FeedSource.RECORDED
    ).values_list("assignment_id", "date"):
        fed_days[assignment_id].append(day)
    found = []
    for s in silent:
        window_start = s.summary__feed_through - dt.timedelta(FED_WINDOW_DAYS - 1)
        fed = sum(window_start <= day <= s.summary__feed_through for day in fed_days[s.id])
        if fed * 2 < FED_WINDOW_DAYS:
            continue
        days = (scope.today - s.summary__feed_through).days
        found.append(
            Condition(
                Rule.FEED_SILENCE,
                f"stay:{s.id}",
                f"{s.container__name} ({s.batch__number}): no feeding record for {days} days "
                f"(last {s.summary__feed_through})",
                {"last_record": str(s.summary__feed_through), "days": days, "limit_days": limit},
                s.batch_id,
                s.container_id,
            )
        )
    return found


def mortality_silence(scope: Scope, stays: list) -> list[Condition]:
    """Pens holding fish without a mortality record (not even a zero) for too long."""
    limit = scope.settings.mortality_silence_days
    found = []
    for s in stays:
        since = s.summary__mortality_through or s.assignment_date
        days = (scope.today - since).days
        if days <= limit:
            continue
        last = "none" if s.summary__mortality_through is None else str(since)
        found.append(
            Condition(
                Rule.MORTALITY_SILENCE,
                f"stay:{s.id}",
                f"{s.container__name} ({s.batch__number}): no mortality record for {days} days "
                f"(last {last})",
                {"last_record": last, "days": days, "limit_days": limit},
                s.batch_id,
                s.container_id,
            )
        )
    return found


def temperature_silence(scope: Scope, stays: list) -> list[Condition]:
    """Containers holding fish without a temperature reading for too long."""
    hours = scope.settings.temperature_silence_hours
    containers = {s.container_id: s for s in stays}
    parameter = EnvironmentalParameter.objects.filter(code="temperature").first()
    # One probe of the readings' (container, parameter, time) index per container.
    last = EnvironmentalReading.objects.filter(
        container=OuterRef("container_id"), parameter=parameter
    ).order_by("-reading_time")
    rows = (
        Assignment.objects.filter(pk__in=[s.id for s in containers.values()])
        .annotate(last_reading=Subquery(last.values("reading_time")[:1]))
        .values_list("container_id", "last_reading")
    )
    found = []
    for container_id, last_reading in rows:
        age_h = None if last_reading is None else (scope.now - last_reading).total_seconds() / 3600
        if age_h is not None and age_h <= hours:
            continue
        s = containers[container_id]
        when = "never" if last_reading is None else f"{age_h:.0f} h ago"
        found.append(
            Condition(
                Rule.TEMPERATURE_SILENCE,
                f"container:{container_id}",
                f"{s.container__name} ({s.batch__number}): no temperature reading ({when})",
                {
                    "last_reading": None if last_reading is None else last_reading.isoformat(),
                    "hours": None if age_h is None else round(age_h, 1),
                    "limit_hours": hours,
                },
                s.batch_id,
                container_id,
            )
        )
    return found


def mortality_spike(scope: Scope, stays: list) -> list[Condition]:
    """A day of the last window whose recorded deaths are far above the pen's usual."""
    settings = scope.settings
    window = settings.mortality_spike_window_days
    first = scope.today - dt.timedelta(days=2 * window)
    by_stay = {s.id: s for s in stays}
    deaths: dict[int, dict[dt.date, float]] = defaultdict(dict)
    for assignment_id, day, fish in (
        MortalityEvent.objects.filter(assignment__in=list(by_stay), event_date__gte=first)
        .values("assignment_id", "event_date")
        .annotate(fish=Sum("count"))
        .values_list("assignment_id", "event_date", "fish")
    ):
        deaths[assignment_id][day] = float(fish)
    fish_end: dict[int, dict[dt.date, int]] = defaultdict(dict)
    for assignment_id, day, population in DailyState.objects.filter(
        assignment__in=list(deaths), date__gte=first - dt.timedelta(days=1)
    ).values_list("assignment_id", "date", "population"):
        fish_end[assignment_id][day] = population
    days = [first + dt.timedelta(days=i) for i in range((scope.today - first).days + 1)]
    found = []
    for assignment_id, recorded in deaths.items():
        s = by_stay[assignment_id]
        dead = np.array([recorded.get(d, np.nan) for d in days])
        start_fish = np.array(
            [fish_end[assignment_id].get(d - dt.timedelta(days=1), np.nan) for d in days]
        )
        spikes = core.spike_days(
            dead,
            start_fish,
            pct=settings.mortality_spike_pct,
            factor=settings.mortality_spike_factor,
            window_days=window,
            min_fish=settings.mortality_spike_min_fish,
        )
        for i in np.flatnonzero(spikes):
            if (scope.today - days[i]).days >= window:
                continue
            fish = None if np.isnan(start_fish[i]) else int(start_fish[i])
            pct = None if not fish else round(100.0 * dead[i] / fish, 3)
            found.append(
                Condition(
                    Rule.MORTALITY_SPIKE,
                    f"stay:{assignment_id}:{days[i]}",
                    f"{s.container__name} ({s.batch__number}): {int(dead[i])} dead on {days[i]}"
                    + (f" ({pct} % of {fish} fish)" if pct is not None else ""),
                    {"day": str(days[i]), "dead": int(dead[i]), "fish": fish, "pct": pct},
                    s.batch_id,
                    s.container_id,
                )
            )
    return found


def recompute(scope: Scope) -> list[Condition]:
    """Active batches whose latest recompute failed or hangs, or that never succeeded."""
    runs = RecomputeRun.objects.filter(batch=OuterRef("pk")).order_by("-started_at", "-pk")
    batches = (
        scope.batches()
        .filter(Exists(Assignment.objects.filter(batch=OuterRef("pk"))))
        .annotate(
            run_status=Subquery(runs.values("status")[:1]),
            started=Subquery(runs.values("started_at")[:1]),
            error=Subquery(runs.values("error")[:1]),
            ever_ok=Exists(
                RecomputeRun.objects.filter(batch=OuterRef("pk"), status=RecomputeStatus.OK)
            ),
        )
    )
    hours = scope.settings.recompute_stale_hours
    found = []
    for batch in batches:
        if batch.run_status == RecomputeStatus.FAILED:
            why = f"recompute failed at {batch.started:%Y-%m-%d %H:%M}: {batch.error[:200]}"
        elif batch.run_status == RecomputeStatus.RUNNING and (
            scope.now - batch.started > dt.timedelta(hours=hours)
        ):
            why = f"recompute running since {batch.started:%Y-%m-%d %H:%M}"
        elif not batch.ever_ok and batch.run_status != RecomputeStatus.RUNNING:
            why = "daily states never computed"
        else:
            continue
        found.append(
            Condition(
                Rule.RECOMPUTE,
                f"batch:{batch.pk}",
                f"{batch.number}: {why}",
                {
                    "status": batch.run_status,
                    "started": batch.started and batch.started.isoformat(),
                },
                batch.pk,
            )
        )
    return found


def behind_plan(scope: Scope, stays: list, cache: PathCache) -> list[Condition]:
    """Batches whose mean weight the plan reached more than the allowed days earlier."""
    limit = scope.settings.behind_plan_days
    latest: dict[int, list] = defaultdict(list)
    for s in stays:
        if s.last_weight_g is not None:
            latest[s.batch_id].append(s)
    found = []
    for batch in Batch.objects.filter(pk__in=list(latest)):
        planned = cache.plan(batch)
        plan = None if planned.scenario is None else scenario_projection(batch, planned)
        if plan is None:
            continue
        day = max(s.last_day for s in latest[batch.pk])
        pens = [s for s in latest[batch.pk] if s.last_day == day]
        fish = sum(s.last_fish for s in pens)
        weight_g = sum(s.last_fish * s.last_weight_g for s in pens) / fish
        index = (day - batch.start_date).days
        behind = core.days_behind(plan["avg_weight_g"], weight_g, index)
        if behind is None or behind <= limit:
            continue
        found.append(
            Condition(
                Rule.BEHIND_PLAN,
                f"batch:{batch.pk}",
                f"{batch.number}: {weight_g:.0f} g on {day}, {behind} days behind plan",
                {"day": str(day), "weight_g": round(weight_g, 1), "days_behind": behind},
                batch.pk,
            )
        )
    return found


def groups_in_scope(scope: Scope):
    """Licence groups with a licence; of the scope's batches' open stays' sites."""
    groups = LicenceGroup.objects.filter(licences__isnull=False).distinct()
    if scope.batch_ids is None:
        return groups
    stays = Assignment.objects.filter(batch__in=scope.batch_ids, departure_date__isnull=True)
    return groups.filter(
        Q(sea_areas__in=stays.values("container__sea_area"))
        | Q(stations__in=stays.values("container__hall__station"))
    ).distinct()


def biomass_cap(scope: Scope, groups, cache: PathCache) -> list[Condition]:
    """Licence groups forecast over their cap within the warning days (or over now)."""
    days = scope.settings.cap_warning_days
    found = []
    # Only the latest actual day matters here: a recent window, not the whole history.
    forecasts = group_forecasts(groups, cache, scope.today - dt.timedelta(days=RECENT_DAYS))
    for group in groups:
        forecast = forecasts[group.pk]
        if forecast.crossing is None or forecast.crossing.index > days:
            continue
        when = "is over" if forecast.crossing.index == 0 else f"crosses on {forecast.first_over}"
        found.append(
            Condition(
                Rule.BIOMASS_CAP,
                f"group:{group.pk}",
                f"{group.name} {when} its cap of {forecast.cap_kg / 1000:.0f} t "
                f"by {forecast.crossing.excess_kg / 1000:.1f} t",
                {
                    "cap_t": round(forecast.cap_kg / 1000, 3),
                    "first_over": str(forecast.first_over),
                    "days": forecast.crossing.index,
                    "excess_t": round(forecast.crossing.excess_kg / 1000, 3),
                },
                group_id=group.pk,
            )
        )
    return found


def evaluate_rules(scope: Scope) -> dict[str, list[Condition]]:
    """Every rule's conditions in ``scope``, by rule."""
    stays = open_stays(scope)
    cache = PathCache()  # the plans two rules read, and the paths every group sums
    return {
        Rule.FEED_SILENCE: feed_silence(scope, stays),
        Rule.TEMPERATURE_SILENCE: temperature_silence(scope, stays),
        Rule.MORTALITY_SILENCE: mortality_silence(scope, stays),
        Rule.MORTALITY_SPIKE: mortality_spike(scope, stays),
        Rule.RECOMPUTE: recompute(scope),
        Rule.BEHIND_PLAN: behind_plan(scope, stays, cache),
        Rule.BIOMASS_CAP: biomass_cap(scope, groups_in_scope(scope), cache),
    }
