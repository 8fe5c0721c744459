"""The monthly site report: stock, stocked, mortality, harvest and feed of one site in
one month, from the daily states, balanced to the fish (docs/sites.md)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import asdict, dataclass, field

import numpy as np
from django.db.models import Count, F, Q, Sum

from aquagrowth.engine.models import DailyState, FeedSource, MortalitySource
from aquagrowth.farm.models import Assignment, Harvest, MortalityEvent
from aquagrowth.sites import core
from aquagrowth.sites.site import Site


class BadMonth(ValueError):
    """A month that is not ``YYYY-MM``."""


def parse_month(text: str) -> dt.date:
    """The first day of the month ``YYYY-MM``."""
    try:
        year, month = (int(part) for part in text.split("-"))
        return dt.date(year, month, 1)
    except ValueError as error:
        raise BadMonth(f"month {text!r} is not YYYY-MM") from error


@dataclass
class MonthlyReport:
    site: str
    month: str
    states_through: dt.date | None
    complete: bool
    stock_start_fish: int
    stock_start_t: float
    stocked_fish: int
    moved_out_fish: int
    mortality_fish: int
    mortality_recorded_fish: int
    mortality_estimated_fish: int
    harvested_fish: int
    harvested_kg: float
    unexplained_fish: int
    feed_kg: float
    feed_unknown_pen_days: int
    stock_end_fish: int
    stock_end_t: float
    stock_end_mean_weight_g: float | None
    balance_fish: int
    mortality_by_cause: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


def _per_day(rows: list[dict], days: list[dt.date], name: str) -> np.ndarray:
    by_day = {row["date"]: row[name] or 0 for row in rows}
    return np.array([by_day.get(day, 0) for day in days])


def _state_sums(stays, before: dt.date, last: dt.date) -> list[dict]:
    """The daily states' sums per date of ``stays`` from ``before`` to ``last``."""
    recorded = [MortalitySource.RECORDED, MortalitySource.RECORDED_LATE]
    return list(
        DailyState.objects.filter(assignment__in=stays, date__gte=before, date__lte=last)
        .values("date")
        .annotate(
            fish=Sum("population"),
            kg=Sum("biomass_kg"),
            known_fish=Sum("population", filter=Q(biomass_kg__isnull=False)),
            dead=Sum("mortality_count"),
            dead_recorded=Sum("mortality_count", filter=Q(mortality_source__in=recorded)),
            unexplained=Sum("unexplained_fish"),
            feed=Sum("feed_kg"),
            feed_unknown=Count("pk", filter=Q(feed_source=FeedSource.UNKNOWN)),
        )
    )


def monthly_report(site: Site, first: dt.date) -> MonthlyReport:
    """The report of ``site`` for the month beginning on ``first`` (a few queries)."""
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    before = first - dt.timedelta(days=1)
    stays = Assignment.objects.filter(site.containers("container__")).values("pk")
    rows = _state_sums(stays, before, last)
    harvests = list(
        Harvest.objects.filter(assignment__in=stays, harvest_date__range=(first, last))
        .values(date=F("harvest_date"))
        .annotate(fish=Sum("count"), kg=Sum("live_weight_kg"))
    )
    causes = (
        MortalityEvent.objects.filter(assignment__in=stays, event_date__range=(first, last))
        .values("cause")
        .annotate(fish=Sum("count"))
        .order_by("cause")
    )
    states_through = (
        DailyState.objects.filter(assignment__in=stays)
        .order_by("-date")
        .values_list("date", flat=True)
    ).first()
    # Past the states, nothing is known: the month is reported up to them, incomplete.
    through = last if states_through is None else max(min(last, states_through), before)
    days = [first + dt.timedelta(days=i) for i in range((through - first).days + 1)]
    start = next((r for r in rows if r["date"] == before), {"fish": 0, "kg": 0})
    fish = _per_day(rows, days, "fish")
    dead = _per_day(rows, days, "dead")
    unexplained = _per_day(rows, days, "unexplained")
    harvested = _per_day(harvests, days, "fish")
    flows = (
        core.fish_flows(int(start["fish"] or 0), fish, dead, unexplained, harvested)
        if days
        else core.FishFlows(0, 0)
    )
    end = next((r for r in rows if r["date"] == through), None) or {
        "fish": 0,
        "kg": 0,
        "known_fish": 0,
    }
    end_fish, end_kg = int(end["fish"] or 0), float(end["kg"] or 0.0)
    stock_start = int(start["fish"] or 0)
    balance = (
        stock_start
        + flows.stocked_fish
        - flows.moved_out_fish
        - int(dead.sum())
        - int(harvested.sum())
        - int(unexplained.sum())
        - end_fish
    )
    dead_recorded = int(_per_day(rows, days, "dead_recorded").sum())
    return MonthlyReport(
        site=site.name,
        month=f"{first:%Y-%m}",
        states_through=states_through,
        complete=states_through is not None and states_through >= last,
        stock_start_fish=stock_start,
        stock_start_t=round(float(start["kg"] or 0.0) / 1000.0, 3),
        stocked_fish=flows.stocked_fish,
        moved_out_fish=flows.moved_out_fish,
        mortality_fish=int(dead.sum()),
        mortality_recorded_fish=dead_recorded,
        mortality_estimated_fish=int(dead.sum()) - dead_recorded,
        harvested_fish=int(harvested.sum()),
        harvested_kg=round(float(sum(h["kg"] or 0.0 for h in harvests)), 1),
        unexplained_fish=int(unexplained.sum()),
        feed_kg=round(float(_per_day(rows, days, "feed").sum()), 1),
        feed_unknown_pen_days=int(_per_day(rows, days, "feed_unknown").sum()),
        stock_end_fish=end_fish,
        stock_end_t=round(end_kg / 1000.0, 3),
        stock_end_mean_weight_g=round(end_kg * 1000.0 / end["known_fish"], 1)
        if end.get("known_fish")
        else None,
        balance_fish=balance,
        mortality_by_cause={row["cause"]: int(row["fish"]) for row in causes},
    )
