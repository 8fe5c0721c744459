"""Observed growth per period against the plan, and the weight's variance from the
scenario's curve.

A period is a container stay, a stage (its stays together), an ISO week or a calendar
month (docs/growth-analysis.md, "Variance and periods"). Every kind is computed the same
way: first per stay inside the period (``_stay_parts``), then over its stays
(``_combined``). A stay's observed TGC is the segment fit of ``engine.core.growth``
(Iwama and Tautz 1981) from its start to its end weight over the degree-days between
them; its FCR is the feed over the growth of its days with feed records, the same ratio
of sums as the engine's FCR (``engine.core.feed``), reported with its coverage (the
recorded share of the fed days).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from aquagrowth.analysis.state_rows import StateRows
from aquagrowth.engine.core.feed import ratio_of_sums
from aquagrowth.engine.core.growth import effective_temperature, fitted_tgc


def weight_variance(
    dates: np.ndarray, actual_g: np.ndarray, plan_dates: np.ndarray, plan_g: np.ndarray
) -> dict | None:
    """Actual minus scenario weight (g and % of the scenario) on the dates both exist.

    ``now`` is the latest common date, ``mean`` the mean over the common dates and
    ``largest`` the date of the largest absolute difference. ``None`` with no overlap.
    """
    common, at_actual, at_plan = np.intersect1d(dates, plan_dates, return_indices=True)
    actual, plan = actual_g[at_actual], plan_g[at_plan]
    ok = np.isfinite(actual) & np.isfinite(plan) & (plan > 0)
    if not ok.any():
        return None
    common, actual, plan = common[ok], actual[ok], plan[ok]
    diff = actual - plan
    percent = diff / plan * 100.0
    worst = int(np.argmax(np.abs(diff)))

    def point(i: int) -> dict:
        return {
            "date": str(common[i]),
            "actual_g": round(float(actual[i]), 3),
            "scenario_g": round(float(plan[i]), 3),
            "difference_g": round(float(diff[i]), 3),
            "difference_pct": round(float(percent[i]), 2),
        }

    return {
        "now": point(len(common) - 1),
        "mean": {
            "difference_g": round(float(diff.mean()), 3),
            "difference_pct": round(float(percent.mean()), 2),
            "days": len(common),
        },
        "largest": point(worst),
    }


def sgr(w1: float, w2: float, days: int) -> float:
    """Specific growth rate, % a day: 100 ln(W2 / W1) / days (NaN without growth data)."""
    if not (days > 0 and w1 > 0 and w2 > 0):
        return float("nan")
    return 100.0 * float(np.log(w2 / w1)) / days


def _stay_parts(rows: StateRows, period: np.ndarray | None) -> list[dict]:
    """Each stay's days in each period (``period``: each row's period number; None: the
    whole stay): its sums, and its TGC and SGR from the weight at the end of the day
    before its first (when the stay has that day and ``period`` is given; else from the
    end of its first day) to the end of its last, over the degree-days between them.

    The feed: its known feed, and the feed, growth and days of the rows with feed
    records, beside the days fed (recorded or unknown): FCR and its coverage rest on the
    recorded days alone. All sums in one pass over the rows (a batch has 2,000
    stay-weeks), not a loop over the parts.
    """
    if len(rows) == 0:
        return []
    key = np.zeros(len(rows), dtype=np.int64) if period is None else period
    order = np.lexsort((rows["day_number"], key, rows["assignment_id"]))
    stay, day = rows["assignment_id"][order], rows["day_number"][order]
    starts = np.flatnonzero(np.r_[True, (np.diff(stay) != 0) | (np.diff(key[order]) != 0)])
    ends = np.r_[starts[1:], order.size] - 1
    follows = np.zeros(starts.size, dtype=bool)
    if period is not None:
        prev = np.maximum(starts - 1, 0)
        follows = (starts > 0) & (stay[prev] == stay[starts]) & (day[prev] == day[starts] - 1)
    source = rows["feed_source"][order]
    recorded = source == "recorded"
    feed = rows["feed_kg"][order]
    growth = np.nan_to_num(rows["growth_kg"][order])
    heat = effective_temperature(rows["temp_c"][order])

    def total(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values.astype(np.float64), starts)

    sums = {
        "growth_kg": total(growth),
        "feed_kg": total(np.nan_to_num(feed)),
        "recorded_feed_kg": total(np.where(recorded, feed, 0.0)),
        "recorded_growth_kg": total(np.where(recorded, growth, 0.0)),
        "recorded_days": total(recorded),
        "fed_days": total(recorded | (source == "unknown")),
        "deaths": total(np.nan_to_num(rows["mortality_count"][order])),
    }
    # From the day before (a row of the same stay) or from the end of the first day.
    begin = np.where(follows, starts - 1, starts)
    degree_days = total(heat) - np.where(follows, 0.0, heat[starts])
    weight = rows["avg_weight_g"][order]
    population = rows["population"][order]
    opening = population + rows["mortality_count"][order] + rows["unexplained_fish"][order]
    start_fish = np.where(follows, population[begin], opening[starts]).tolist()
    steps = ends - begin
    # Plain Python numbers from here: a part is a dict, and numpy scalars cost ten times
    # as much to read one by one.
    columns = {name: values.tolist() for name, values in sums.items()}
    for name in ("recorded_days", "fed_days", "deaths"):
        columns[name] = np.rint(sums[name]).astype(np.int64).tolist()
    first, last = weight[begin].tolist(), weight[ends].tolist()
    heat_sums, step_list = degree_days.tolist(), steps.tolist()
    stays, keys = stay[starts].tolist(), key[order[starts]].tolist()
    first_days, last_days = day[starts].tolist(), day[ends].tolist()
    lengths, after = (ends - starts + 1).tolist(), follows.tolist()
    parts = []
    for i, (w1, w2, dd, n) in enumerate(zip(first, last, heat_sums, step_list, strict=True)):
        parts.append(
            {
                "assignment": stays[i],
                "period": keys[i],
                "first_day": first_days[i],
                "last_day": last_days[i],
                "days": lengths[i],
                **{name: values[i] for name, values in columns.items()},
                "tgc": fitted_tgc(w1, w2, dd) if n else float("nan"),
                "sgr": sgr(w1, w2, n),
                "start_fish": round(start_fish[i]),
                "degree_days": dd,
                "degree_day_days": n,
                "from_day_before": after[i],
            }
        )
    return parts


def _combined(parts: list[dict]) -> dict:
    """A period's figures over its stays' parts (``_stay_parts``): sums summed, FCR from
    the sums, TGC and SGR the means of the stays' weighted by their days, degree-days the
    stays' mean daily temperature times the period's days, mortality over the fish of
    the stays holding fish on its first day."""
    first_day = min(p["first_day"] for p in parts)
    last_day = max(p["last_day"] for p in parts)
    sums = {name: sum(p[name] for p in parts) for name in _SUMMED}
    opening = [p for p in parts if p["first_day"] == first_day]
    start_fish = sum(p["start_fish"] for p in opening)
    steps = sum(p["degree_day_days"] for p in parts)
    span = last_day - first_day + (1 if any(p["from_day_before"] for p in opening) else 0)
    per_day = sum(p["degree_days"] for p in parts) / steps if steps else float("nan")
    return {
        "first_day": first_day,
        "last_day": last_day,
        **sums,
        **_fcr(sums),
        "observed_tgc": _rounded(_day_weighted(parts, "tgc"), 3),
        "sgr_pct_day": _rounded(_day_weighted(parts, "sgr"), 3),
        "degree_days": _rounded(per_day * span, 1),
        "start_fish": start_fish,
        "mortality_pct": _rounded(100.0 * sums["deaths"] / start_fish, 2)
        if start_fish > 0
        else None,
    }


def _day_weighted(parts: list[dict], name: str) -> float:
    fitted = [(p[name], p["days"]) for p in parts if np.isfinite(p[name])]
    days = sum(d for _, d in fitted)
    return sum(v * d for v, d in fitted) / days if days else float("nan")


def by_assignment(rows: StateRows, names: dict, stages: dict, scenario: dict | None) -> list[dict]:
    """Observed figures per assignment (one container stay), beside the scenario's.

    Parameters
    ----------
    rows : daily state rows, ordered by day
    names : container name by assignment id
    stages : stage name by assignment id (the stage is the assignment's)
    scenario : per stage name, ``{"tgc": ..., "fcr": ...}`` of the scenario, or None
    """
    result = []
    for part in _stay_parts(rows, None):
        stage = stages.get(part["assignment"], "")
        planned = (scenario or {}).get(stage, {})
        result.append(
            {
                "assignment": part["assignment"],
                "container": names.get(part["assignment"], ""),
                "stage": stage,
                "days": part["days"],
                **_combined([part]),
                "scenario_tgc": planned.get("tgc"),
                "scenario_fcr": planned.get("fcr"),
                "_part": part,
            }
        )
    result.sort(key=lambda p: (p["first_day"], p["assignment"]))
    return result


def by_stage(per_assignment: list[dict]) -> list[dict]:
    """Observed figures per stage, over its stays (``by_assignment``'s rows)."""
    result = []
    for stage in dict.fromkeys(p["stage"] for p in per_assignment):
        mine = [p for p in per_assignment if p["stage"] == stage]
        result.append(
            {
                "stage": stage,
                "containers": len(mine),
                **_combined([p["_part"] for p in mine]),
                "scenario_tgc": mine[0]["scenario_tgc"],
                "scenario_fcr": mine[0]["scenario_fcr"],
            }
        )
    return result


def without_parts(per_assignment: list[dict]) -> list[dict]:
    """``by_assignment``'s rows as the answer carries them (its stays' parts dropped)."""
    return [{k: v for k, v in p.items() if k != "_part"} for p in per_assignment]


WEEK, MONTH = "week", "month"


def _calendar_keys(dates: np.ndarray, kind: str) -> np.ndarray:
    """Each date's period number: its ISO week's Monday (days since 1970), or its month
    (months since 1970-01)."""
    days = dates.astype("datetime64[D]").astype(np.int64)
    if kind == WEEK:
        return days - (days + 3) % 7  # 1970-01-01 was a Thursday
    return dates.astype("datetime64[M]").astype(np.int64)


def _calendar_span(key: int, kind: str) -> tuple[dt.date, dt.date, str]:
    """A period's first and last calendar day and its name."""
    if kind == WEEK:
        monday = dt.date(1970, 1, 1) + dt.timedelta(days=key)
        year, week, _ = monday.isocalendar()
        return monday, monday + dt.timedelta(days=6), f"{year}-W{week:02d}"
    first = dt.date(1970 + key // 12, key % 12 + 1, 1)
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1), f"{first:%Y-%m}"


def by_calendar(
    rows: StateRows, start_date: dt.date, kind: str, stages: dict, scenario: dict | None
) -> list[dict]:
    """Observed figures per ISO week or calendar month (``kind``), over the stays with
    states in it, beside the plan's TGC and FCR of their stages weighted by their days.

    ``stages``: stage name by assignment id; ``scenario`` as for ``by_assignment``.
    """
    if len(rows) == 0:
        return []
    dates = np.datetime64(start_date, "D") + (rows["day_number"] - 1).astype("timedelta64[D]")
    keys = _calendar_keys(dates, kind)
    grouped: dict[int, list[dict]] = {}
    for part in _stay_parts(rows, keys):
        grouped.setdefault(part["period"], []).append(part)
    result = []
    for key in sorted(grouped):
        parts = grouped[key]
        first, last, name = _calendar_span(key, kind)
        figures = _combined(parts)
        days = figures["last_day"] - figures["first_day"] + 1
        full = (last - first).days + 1
        named = [stages.get(p["assignment"], "") for p in parts]
        result.append(
            {
                "period": name,
                "first_date": start_date + dt.timedelta(days=figures["first_day"] - 1),
                "last_date": start_date + dt.timedelta(days=figures["last_day"] - 1),
                "days": days,
                "full_days": full,
                "partial": days < full,
                "stages": list(dict.fromkeys(named)),
                "containers": len({p["assignment"] for p in parts}),
                **figures,
                "scenario_tgc": _planned(parts, named, scenario, "tgc"),
                "scenario_fcr": _planned(parts, named, scenario, "fcr"),
            }
        )
    return result


def _planned(parts: list[dict], named: list[str], scenario: dict | None, name: str):
    """The plan's value of the parts' stages, weighted by the parts' days."""
    known = [
        (scenario[stage][name], p["days"])
        for p, stage in zip(parts, named, strict=True)
        if scenario and (scenario.get(stage) or {}).get(name) is not None
    ]
    days = sum(d for _, d in known)
    return round(sum(v * d for v, d in known) / days, 4) if days else None


_SUMMED = ("feed_kg", "recorded_feed_kg", "recorded_growth_kg", "recorded_days", "fed_days")
_SUMMED += ("growth_kg", "deaths")


def _fcr(sums: dict) -> dict:
    """Observed FCR over the recorded days, and the share of the fed days they are."""
    fcr = ratio_of_sums(sums["recorded_feed_kg"], sums["recorded_growth_kg"])
    coverage = sums["recorded_days"] / sums["fed_days"] if sums["fed_days"] else float("nan")
    return {"observed_fcr": _rounded(fcr, 3), "feed_coverage": _rounded(coverage, 3)}


def _rounded(value: float, digits: int) -> float | None:
    return round(float(value), digits) if np.isfinite(value) else None
