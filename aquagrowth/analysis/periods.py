"""Observed growth per period against the plan: TGC and FCR per container stay and per
stage, and the weight's variance from the scenario's curve.

A period is an assignment (one container stay) or a stage (its stays together). Its
observed TGC is the segment fit of ``engine.core.growth`` (Iwama and Tautz 1981) from its
first and last weight over the degree-days between them; its observed FCR is the feed
over the growth of its days with feed records, the same ratio of sums as the engine's FCR
(``engine.core.feed``), reported with its coverage (the recorded share of the fed days).
"""

from __future__ import annotations

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


def _observed(weight_g: np.ndarray, temp_c: np.ndarray) -> float:
    """TGC from first to last weight over the degree-days after the first day."""
    if weight_g.size < 2:
        return float("nan")
    return fitted_tgc(weight_g[0], weight_g[-1], float(effective_temperature(temp_c[1:]).sum()))


def _feed_sums(rows: StateRows, idx: np.ndarray) -> dict:
    """A period's feed: its known feed, and the feed, growth and days of the rows with
    feed records, beside the days fed (recorded or unknown): FCR and its coverage rest on
    the recorded days alone."""
    source = rows["feed_source"][idx]
    recorded = source == "recorded"
    fed = recorded | (source == "unknown")
    feed = rows["feed_kg"][idx]
    return {
        "feed_kg": float(np.nansum(feed)),
        "recorded_feed_kg": float(np.sum(feed[recorded])),
        "recorded_growth_kg": float(np.sum(np.nan_to_num(rows["growth_kg"][idx][recorded]))),
        "recorded_days": int(recorded.sum()),
        "fed_days": int(fed.sum()),
    }


def by_assignment(rows: StateRows, names: dict, stages: dict, scenario: dict | None) -> list[dict]:
    """Observed TGC and FCR per assignment (one container stay), beside the scenario's.

    Parameters
    ----------
    rows : daily state rows, ordered by day
    names : container name by assignment id
    stages : stage name by assignment id (the stage is the assignment's)
    scenario : per stage name, ``{"tgc": ..., "fcr": ...}`` of the scenario, or None
    """
    result = []
    if len(rows) == 0:
        return result
    order = np.lexsort((rows["day_number"], rows["assignment_id"]))
    assignment = rows["assignment_id"][order]
    bounds = np.flatnonzero(np.diff(assignment)) + 1
    for chunk in np.split(np.arange(order.size), bounds):
        idx = order[chunk]
        sums = _feed_sums(rows, idx)
        tgc = _observed(rows["avg_weight_g"][idx], rows["temp_c"][idx])
        stage = stages.get(int(rows["assignment_id"][idx[0]]), "")
        planned = (scenario or {}).get(stage, {})
        result.append(
            {
                "assignment": int(rows["assignment_id"][idx[0]]),
                "container": names.get(int(rows["assignment_id"][idx[0]]), ""),
                "stage": stage,
                "first_day": int(rows["day_number"][idx[0]]),
                "last_day": int(rows["day_number"][idx[-1]]),
                "days": int(idx.size),
                "growth_kg": float(rows["growth_kg"][idx].sum()),
                **sums,
                **_fcr(sums),
                "observed_tgc": _rounded(tgc, 3),
                "scenario_tgc": planned.get("tgc"),
                "scenario_fcr": planned.get("fcr"),
            }
        )
    result.sort(key=lambda p: (p["first_day"], p["assignment"]))
    return result


def by_stage(per_assignment: list[dict]) -> list[dict]:
    """Observed TGC and FCR per stage: FCR from the stage's sums; TGC the mean of its
    containers' observed TGC weighted by their days (a stage's containers grow in parallel,
    so one end-to-end fit over the batch curve would mix fish of two stages)."""
    result = []
    for stage in dict.fromkeys(p["stage"] for p in per_assignment):
        mine = [p for p in per_assignment if p["stage"] == stage]
        sums = {name: sum(p[name] for p in mine) for name in _SUMMED}
        fitted = [(p["observed_tgc"], p["days"]) for p in mine if p["observed_tgc"] is not None]
        days = sum(d for _, d in fitted)
        tgc = sum(t * d for t, d in fitted) / days if days else float("nan")
        result.append(
            {
                "stage": stage,
                "containers": len(mine),
                "first_day": min(p["first_day"] for p in mine),
                "last_day": max(p["last_day"] for p in mine),
                "growth_kg": sum(p["growth_kg"] for p in mine),
                **sums,
                **_fcr(sums),
                "observed_tgc": _rounded(tgc, 3),
                "scenario_tgc": mine[0]["scenario_tgc"],
                "scenario_fcr": mine[0]["scenario_fcr"],
            }
        )
    return result


_SUMMED = ("feed_kg", "recorded_feed_kg", "recorded_growth_kg", "recorded_days", "fed_days")


def _fcr(sums: dict) -> dict:
    """Observed FCR over the recorded days, and the share of the fed days they are."""
    fcr = ratio_of_sums(sums["recorded_feed_kg"], sums["recorded_growth_kg"])
    coverage = sums["recorded_days"] / sums["fed_days"] if sums["fed_days"] else float("nan")
    return {"observed_fcr": _rounded(fcr, 3), "feed_coverage": _rounded(coverage, 3)}


def _rounded(value: float, digits: int) -> float | None:
    return round(float(value), digits) if np.isfinite(value) else None
