"""The figures a production manager reads first: the batch's headline numbers, one row
per pen, and a harvested batch's summary (docs/growth-analysis.md, "Status").

Everything comes from the daily states of the answer's range (the same rows the chart
draws), the stays' stocked fish, the harvests and mortality records, the scenario's curve
and the forward projection. A figure whose inputs are missing is ``None``, never 0.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
from django.db.models import Max, Min, Sum

from aquagrowth.analysis import periods
from aquagrowth.analysis.state_rows import StateRows
from aquagrowth.engine.core.growth import effective_temperature, fitted_tgc
from aquagrowth.farm.models import Assignment, Batch, Harvest, MortalityEvent

RATE_WINDOW_DAYS = 30
"""The batch's SGR and TGC are taken over this many last days shown: a whole life's
figure would mix eggs and harvest-size fish."""

_DEATHS_RECORDED = ("recorded", "recorded_late")


def _num(value: float, digits: int) -> float | None:
    """A JSON number rounded to its meaning, ``None`` for NaN or infinity."""
    return round(float(value), digits) if np.isfinite(value) else None


def _ratio(top: float, bottom: float) -> float:
    return top / bottom if bottom > 0 else float("nan")


def _kg(kg: float) -> float | None:
    """Kilograms to 0.1 kg: a tray's feed and a sea site's biomass alike (the page shows
    tonnes at sea scale)."""
    return _num(kg, 1)


def _balances(rows: StateRows, group: np.ndarray, size: int) -> list[dict]:
    """Per group of rows (``group``: each row's group, 0 .. size - 1): deaths, feed, growth
    and losses, and both FCRs over the rows with feed records. One pass of sums for every
    group (a batch's 60 stays), not a loop over them.

    The fish that died or went missing leave at their day's mean weight: net gain =
    growth - lost biomass, the same as end + harvested + moved out - start - moved in.
    """
    weight = np.nan_to_num(rows["avg_weight_g"])
    deaths = rows["mortality_count"]
    unexplained = rows["unexplained_fish"]
    lost_kg = (deaths + unexplained) * weight / 1000.0
    growth = np.nan_to_num(rows["growth_kg"])
    feed = np.nan_to_num(rows["feed_kg"])
    recorded = rows["feed_source"] == "recorded"
    mortality_source = rows["mortality_source"]
    from_records = np.zeros(len(rows), dtype=bool)
    for name in _DEATHS_RECORDED:
        from_records |= mortality_source == name

    def total(values: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
        weights = values if where is None else np.where(where, values, 0.0)
        return np.bincount(group, weights * 1.0, size)

    fed_feed, fed_growth = total(feed, recorded), total(growth, recorded)
    fed_net = fed_growth - total(lost_kg, recorded)
    columns = {
        "deaths": total(deaths),
        "deaths_recorded": total(deaths, from_records),
        "deaths_modelled": total(deaths, mortality_source == "model"),
        "unexplained_fish": total(unexplained),
        "feed_kg": total(feed),
        "feed_unknown_days": total(np.ones(len(rows)), rows["feed_source"] == "unknown"),
        "growth_kg": total(growth),
        "net_gain_kg": total(growth) - total(lost_kg),
    }
    result = []
    for g in range(size):
        fed = fed_feed[g] > 0
        result.append(
            {
                **{name: int(np.rint(columns[name][g])) for name in _COUNTS},
                **{name: _kg(columns[name][g]) for name in _MASSES},
                "fcr_biological": _num(_ratio(fed_feed[g], fed_growth[g]) if fed else np.nan, 3),
                "fcr_economic": _num(_ratio(fed_feed[g], fed_net[g]) if fed else np.nan, 3),
            }
        )
    return result


_COUNTS = ("deaths", "deaths_recorded", "deaths_modelled", "unexplained_fish")
_COUNTS += ("feed_unknown_days",)
_MASSES = ("feed_kg", "growth_kg", "net_gain_kg")


def _percent(fish: int, stocked: int | None) -> float | None:
    return _num(100.0 * fish / stocked, 2) if stocked else None


def _stays_info(batch: Batch) -> dict[int, dict]:
    rows = Assignment.objects.filter(batch=batch).values(
        "id", "population_count", "summary__stocked_fish", "container__volume_m3"
    )
    return {row["id"]: row for row in rows}


def _harvests(batch: Batch, first: dt.date | None, last: dt.date | None) -> dict[int, dict]:
    query = Harvest.objects.filter(batch=batch)
    if first is not None:
        query = query.filter(harvest_date__gte=first)
    if last is not None:
        query = query.filter(harvest_date__lte=last)
    rows = (
        query.order_by()
        .values("assignment_id")
        .annotate(
            fish=Sum("count"),
            kg=Sum("live_weight_kg"),
            first=Min("harvest_date"),
            last=Max("harvest_date"),
        )
    )
    return {row["assignment_id"]: row for row in rows}


def causes(batch: Batch, first: dt.date | None, last: dt.date | None) -> dict[int | None, list]:
    """Recorded deaths by cause per stay id, and over the batch (key ``None``), from the
    mortality records of the range: ``[{"cause": ..., "fish": ...}]``, most fish first,
    ``""`` for a record without a cause. The answer cache's key covers these records
    (``RecordsVersion``), so a cause corrected in place changes the next answer."""
    query = MortalityEvent.objects.filter(batch=batch)
    if first is not None:
        query = query.filter(event_date__gte=first)
    if last is not None:
        query = query.filter(event_date__lte=last)
    found: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in query.order_by().values("assignment_id", "cause").annotate(fish=Sum("count")):
        found[row["assignment_id"]][row["cause"]] += row["fish"]
        found[None][row["cause"]] += row["fish"]
    return {
        stay: [
            {"cause": cause, "fish": fish}
            for cause, fish in sorted(by_cause.items(), key=lambda item: (-item[1], item[0]))
        ]
        for stay, by_cause in found.items()
    }


def _day(start_date: dt.date, day_number: int) -> dt.date:
    return start_date + dt.timedelta(days=int(day_number) - 1)


def pens(
    batch: Batch,
    rows: StateRows,
    assignments: list[dict],
    forward: dict | None,
    first: dt.date | None,
    last: dt.date | None,
) -> list[dict]:
    """One row per stay with states in ``rows`` (see the module docstring)."""
    if len(rows) == 0:
        return []
    stays = {a["id"]: a for a in assignments}
    info = _stays_info(batch)
    harvests = _harvests(batch, first, last)
    forecast = {c["assignment"]: c for c in (forward or {}).get("containers", [])}
    order = np.lexsort((rows["day_number"], rows["assignment_id"]))
    bounds = np.flatnonzero(np.diff(rows["assignment_id"][order])) + 1
    _, group = np.unique(rows["assignment_id"], return_inverse=True)
    balances = _balances(rows, group, bounds.size + 1)
    temp = effective_temperature(rows["temp_c"])
    result = []
    for chunk, balance in zip(np.split(np.arange(order.size), bounds), balances, strict=True):
        idx = order[chunk]
        stay_id = int(rows["assignment_id"][idx[0]])
        stay = stays.get(stay_id, {})
        extra = info.get(stay_id, {})
        degree_days = float(temp[idx[1:]].sum())
        weight = rows["avg_weight_g"][idx]
        w1, w2 = float(weight[0]), float(weight[-1])
        end_fish = int(rows["population"][idx[-1]])
        end_kg = float(rows["biomass_kg"][idx[-1]])
        stocked = extra.get("summary__stocked_fish") or extra.get("population_count") or None
        volume = extra.get("container__volume_m3")
        harvest = harvests.get(stay_id)
        days = int(rows["day_number"][idx[-1]] - rows["day_number"][idx[0]])
        result.append(
            {
                "assignment": stay_id,
                "container": stay.get("container", ""),
                "stage": stay.get("stage", ""),
                "first_date": _day(batch.start_date, rows["day_number"][idx[0]]),
                "last_date": _day(batch.start_date, rows["day_number"][idx[-1]]),
                "current": stay.get("departure_date") is None,
                "start_fish": stocked,
                "start_weight_g": _num(w1, 2),
                "end_fish": end_fish,
                "end_weight_g": _num(w2, 2) if end_fish > 0 else None,
                "end_biomass_kg": _kg(end_kg),
                **balance,
                "mortality_pct": _percent(balance["deaths"], stocked),
                "unexplained_pct": _percent(balance["unexplained_fish"], stocked),
                "harvested_fish": harvest["fish"] if harvest else 0,
                "harvested_kg": _kg(harvest["kg"]) if harvest else 0.0,
                "degree_days": _num(degree_days, 1),
                "sgr_pct_day": _num(periods.sgr(w1, w2, days), 3),
                "tgc": _num(fitted_tgc(w1, w2, degree_days), 3) if days else None,
                "density_kg_m3": _num(end_kg / volume, 2) if volume else None,
                "forecast_harvest_date": (forecast.get(stay_id) or {}).get("harvest_date"),
            }
        )
    # Current pens first (the fish in the water now), then the latest stays first.
    result.sort(key=lambda p: (not p["current"], -p["last_date"].toordinal(), p["container"]))
    return result


def _at_or_after(dates: np.ndarray, day: np.datetime64) -> int | None:
    i = int(np.searchsorted(dates, day))
    return i if i < dates.size else None


def _first_day_at(daily: dict, forward: dict | None, weight_g: float) -> dt.date | None:
    """The first day the batch's weight (its states, then its forward projection) is at
    least ``weight_g``."""
    at = np.flatnonzero(np.nan_to_num(daily["avg_weight_g"]) >= weight_g)
    if at.size:
        return daily["date"][at[0]].astype(object)
    if forward and forward.get("date"):
        for day, value in zip(forward["date"], forward["avg_weight_g"], strict=True):
            if value is not None and value >= weight_g:
                return dt.date.fromisoformat(str(day))
    return None


def _plan_position(
    daily: dict, forward: dict | None, plan: dict | None, today: dt.date, as_of: dt.date
) -> dict:
    """Days ahead or behind plan and biomass against plan (docs: ``days_vs_plan``)."""
    empty = {
        "plan_reference_date": None,
        "plan_weight_date": None,
        "days_vs_plan": None,
        "biomass_plan_kg": None,
        "biomass_vs_plan_kg": None,
        "biomass_vs_plan_pct": None,
        "plan_exceeded": False,
    }
    if plan is None or plan["date"].size == 0:
        return empty
    today64 = np.datetime64(today, "D")
    weight = biomass = float("nan")
    reference = as_of
    i = _at_or_after(daily["date"], today64)
    if i is not None and daily["date"][i] == today64:
        weight, biomass, reference = daily["avg_weight_g"][i], daily["biomass_kg"][i], today
    elif forward and forward.get("date"):
        fdates = np.array(forward["date"], dtype="datetime64[D]")
        j = _at_or_after(fdates, today64)
        if j is not None and fdates[j] == today64:
            weight = forward["avg_weight_g"][j] or float("nan")
            biomass = forward["biomass_kg"][j] if forward["biomass_kg"][j] is not None else np.nan
            reference = today
    if not np.isfinite(weight):
        # The last day with fish (a harvested batch: its last day before the harvest).
        alive = np.flatnonzero(np.isfinite(daily["avg_weight_g"]) & (daily["population"] > 0))
        if alive.size:
            k = int(alive[-1])
            weight, biomass = daily["avg_weight_g"][k], daily["biomass_kg"][k]
            reference = daily["date"][k].astype(object)
    if not np.isfinite(weight):
        return empty
    reached = np.flatnonzero(plan["avg_weight_g"] >= weight)
    result = dict(empty, plan_reference_date=reference)
    if reached.size:
        when = plan["date"][reached[0]].astype(object)
        result["plan_weight_date"] = when
        result["days_vs_plan"] = (when - reference).days
    elif plan["avg_weight_g"][-1] < weight:
        # Heavier than the plan ever is: compared at the plan's last (harvest) weight
        # instead, the day the fish reached it against the day the plan does.
        reached_on = _first_day_at(daily, forward, float(plan["avg_weight_g"][-1]))
        if reached_on is not None:
            result["plan_exceeded"] = True
            result["plan_weight_date"] = plan["date"][-1].astype(object)
            result["days_vs_plan"] = (result["plan_weight_date"] - reached_on).days
    k = np.flatnonzero(plan["date"] == np.datetime64(reference, "D"))
    if k.size and plan.get("biomass_kg") is not None and np.isfinite(biomass):
        planned = float(plan["biomass_kg"][k[0]])
        if planned > 0:
            result["biomass_plan_kg"] = _kg(planned)
            result["biomass_vs_plan_kg"] = _kg(biomass - planned)
            result["biomass_vs_plan_pct"] = _num(100.0 * (biomass - planned) / planned, 1)
    return result


def headline(
    batch: Batch,
    rows: StateRows,
    daily: dict,
    stocked: int | None,
    forward: dict | None,
    plan: dict | None,
    today: dt.date,
) -> dict | None:
    """The batch's headline numbers on the last day shown (``None`` without states).

    ``daily``: the batch-level daily series (``series.daily``); ``plan``: the scenario's
    whole curve with ``date`` (datetime64), or ``None`` (one stay, or no plan).
    """
    if daily["date"].size == 0:
        return None
    balance = _balances(rows, np.zeros(len(rows), dtype=np.int64), 1)[0]
    as_of = daily["date"][-1].astype(object)
    last = daily["date"].size - 1
    with_fish = np.flatnonzero(daily["population"] > 0)
    # SGR and TGC over the last RATE_WINDOW_DAYS days with fish.
    sgr = tgc = float("nan")
    if with_fish.size >= 2:
        end = int(with_fish[-1])
        since = daily["date"][end] - np.timedelta64(RATE_WINDOW_DAYS, "D")
        begin = max(int(np.searchsorted(daily["date"], since)), int(with_fish[0]))
        w1, w2 = daily["avg_weight_g"][begin], daily["avg_weight_g"][end]
        days = int((daily["date"][end] - daily["date"][begin]).astype(int))
        sgr = periods.sgr(w1, w2, days)
        dd = float(effective_temperature(daily["temp_c"][begin + 1 : end + 1]).sum())
        tgc = fitted_tgc(w1, w2, dd) if days else float("nan")
    fish = int(daily["population"][last])
    harvest_date = (forward or {}).get("harvest_date")
    days_to_harvest = None
    if harvest_date:
        days_to_harvest = (dt.date.fromisoformat(str(harvest_date)) - today).days
    return {
        "as_of": as_of,
        "fish": fish,
        "population_source": str(daily["population_source"][last]),
        "avg_weight_g": _num(daily["avg_weight_g"][last], 2) if fish > 0 else None,
        "weight_source": str(daily["weight_source"][last]),
        "biomass_kg": _kg(daily["biomass_kg"][last]),
        "stocked_fish": stocked,
        **balance,
        "mortality_pct": _percent(balance["deaths"], stocked),
        "unexplained_pct": _percent(balance["unexplained_fish"], stocked),
        "sgr_pct_day": _num(sgr, 3),
        "tgc": _num(tgc, 3),
        "degree_days": _num(float(effective_temperature(daily["temp_c"][1:]).sum()), 1),
        "harvest_date": harvest_date,
        "days_to_harvest": days_to_harvest,
        **_plan_position(daily, forward, plan, today, as_of),
    }


def batch_stocked(batch: Batch, assignment_id: int | None) -> int | None:
    """Fish put into the batch (its egg inputs' opening counts), or into one stay."""
    if assignment_id is not None:
        info = _stays_info(batch).get(assignment_id, {})
        return info.get("summary__stocked_fish") or info.get("population_count") or None
    total = Assignment.objects.filter(batch=batch).aggregate(n=Sum("population_count"))["n"] or 0
    return total or None


def harvest_summary(batch: Batch, head: dict | None, pen_rows: list[dict]) -> dict | None:
    """A harvested batch's summary: only when no fish are left and harvests exist."""
    if head is None or head["fish"] > 0:
        return None
    fish = sum(p["harvested_fish"] for p in pen_rows)
    if not fish:
        return None
    kilos = sum(p["harvested_kg"] or 0.0 for p in pen_rows)
    dates = Harvest.objects.filter(batch=batch).aggregate(
        first=Min("harvest_date"), last=Max("harvest_date")
    )
    stocked = head["stocked_fish"]
    return {
        "fish": fish,
        "live_weight_kg": round(kilos, 1),
        "avg_weight_g": _num(kilos * 1000 / fish, 1),
        "first_date": dates["first"],
        "last_date": dates["last"],
        "days_from_start": (dates["last"] - batch.start_date).days + 1 if dates["last"] else None,
        "survival_pct": _percent(fish, stocked),
        "mortality_pct": head["mortality_pct"],
        "unexplained_pct": head["unexplained_pct"],
        "fcr_biological": head["fcr_biological"],
        "fcr_economic": head["fcr_economic"],
    }
