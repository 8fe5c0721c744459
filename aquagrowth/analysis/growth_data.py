"""The combined growth data of a batch: everything the Growth Analysis page draws.

Big series travel as columns (one JSON array per quantity, ``null`` for a missing value)
rather than one object per day: a tenth of the work to build and about half the bytes.
``docs/growth-analysis.md`` describes the shape.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db.models import Q

from aquagrowth.analysis import periods, projections, recorded_through, series, status
from aquagrowth.analysis.state_rows import read_state_rows
from aquagrowth.engine.core.feed import FCR_WINDOW_DAYS
from aquagrowth.engine.core.outputs import STATE_COLUMNS
from aquagrowth.engine.models import DailyState
from aquagrowth.engine.scenario import ScenarioInForce, read_scenario
from aquagrowth.farm.models import Assignment, Batch, GrowthSample

DAILY, WEEKLY = "daily", "weekly"
PERIODS = {"stage": "by_stage", "stay": "by_assignment", "week": "by_week", "month": "by_month"}
"""The ``period`` a query may ask for, and the answer's table of it."""
RECOMPUTE_HINT = "aquagrowth recompute --batch {number}"

# Decimals sent per quantity: the engine keeps full precision, the page needs less.
DECIMALS = (
    {c.name: c.decimals for c in STATE_COLUMNS if c.decimals is not None}
    | {
        "days": 0,
        "containers": 0,
        "stage": 0,
    }
    | {name: 2 for name in series.ESTIMATED_SHARES.values()}
)


@dataclass(frozen=True)
class GrowthQuery:
    """What the caller asked for: a date range, one assignment or all, daily or weekly,
    and one kind of period (``PERIODS``) or all of them (None)."""

    start: dt.date | None = None
    end: dt.date | None = None
    assignment_id: int | None = None
    granularity: str = DAILY
    period: str | None = None


def column(values: np.ndarray, decimals: int | None = None) -> list:
    """A JSON-ready list: floats rounded, NaN as ``None``, dates as ISO strings."""
    values = np.asarray(values)
    if values.dtype.kind == "M":
        return np.datetime_as_string(values, unit="D").tolist()
    if values.dtype.kind == "f":
        if decimals is not None:
            values = np.round(values, decimals)
        out = values.tolist()
        if decimals == 0:
            out = [int(v) if v == v else None for v in out]
        elif not np.isfinite(values).all():
            out = [v if v == v else None for v in out]
        return out
    return values.tolist()


def columns(data: dict[str, np.ndarray], names: tuple[str, ...]) -> dict[str, list]:
    return {name: column(data[name], DECIMALS.get(name)) for name in names if name in data}


ACTUAL_SERIES = (
    "date",
    "day_number",
    "week",
    "days",
    "population",
    "avg_weight_g",
    "weight_low_g",
    "weight_high_g",
    "biomass_kg",
    "biomass_low_kg",
    "biomass_high_kg",
    "feed_kg",
    "growth_kg",
    "mortality_count",
    "fcr",
    "tgc",
    "temp_c",
    "anchor_type",
    "weight_source",
    "weight_confidence",
    "temp_source",
    "temp_confidence",
    "population_source",
    *series.ESTIMATED_SHARES.values(),
    "containers",
)
FORWARD_COLUMNS = (
    "date",
    "day_number",
    "avg_weight_g",
    "weight_low_g",
    "weight_high_g",
    "population",
    "biomass_kg",
    "biomass_low_kg",
    "biomass_high_kg",
    "temp_c",
)
PLAN_COLUMNS = (
    "date",
    "day_number",
    "stage",
    "avg_weight_g",
    "population",
    "biomass_kg",
    "temp_c",
    "tgc",
    "fcr",
)


def batch_info(batch: Batch) -> dict:
    """The batch, the span of its states and how far its records reach."""
    span = DailyState.objects.span_of_batch(batch)
    return {
        "id": batch.id,
        "number": batch.number,
        "species": batch.species.name,
        "start_date": batch.start_date,
        "status": batch.status,
        "first_state_date": span["first"],
        "last_state_date": span["last"],
        "recorded_through": recorded_through.of_batches([batch.id])[batch.id],
    }


def _assignments(batch: Batch, query: GrowthQuery) -> list[dict]:
    """The batch's container stays overlapping the requested range, each with how far
    its records reach (its summary, joined in the same query)."""
    stays = Assignment.objects.filter(batch=batch)
    if query.end is not None:
        stays = stays.filter(assignment_date__lte=query.end)
    if query.start is not None:
        stays = stays.filter(Q(departure_date__isnull=True) | Q(departure_date__gt=query.start))
    fields = {
        "id": "id",
        "container_id": "container_id",
        "container": "container__name",
        "stage": "stage__name",
        "assignment_date": "assignment_date",
        "departure_date": "departure_date",
    }
    stays = stays.order_by("assignment_date", "container__name").values(
        *fields.values(), *recorded_through.STAY_FIELDS.values()
    )
    return [
        {
            **{key: stay[field] for key, field in fields.items()},
            "recorded_through": recorded_through.of_stay(stay),
        }
        for stay in stays
    ]


def _samples(batch: Batch, query: GrowthQuery, names: dict[int, str]) -> dict[str, list]:
    """Growth samples in the range; ``names``: container name by assignment id."""
    samples = GrowthSample.objects.filter(batch=batch)
    if query.assignment_id is not None:
        samples = samples.filter(assignment_id=query.assignment_id)
    if query.start is not None:
        samples = samples.filter(sample_date__gte=query.start)
    if query.end is not None:
        samples = samples.filter(sample_date__lte=query.end)
    fields = (
        "sample_date",
        "assignment_id",
        "sample_size",
        "avg_weight_g",
        "std_weight_g",
        "avg_length_cm",
    )
    rows = list(samples.order_by("sample_date", "id").values(*fields))
    got = {name: [row[name] for row in rows] for name in fields}
    length = np.array(got["avg_length_cm"], dtype=np.float64)
    weight = np.array(got["avg_weight_g"], dtype=np.float64)
    # Fulton's condition factor K = 100 * W / L^3 (W in g, L in cm).
    with np.errstate(invalid="ignore", divide="ignore"):
        k_factor = np.where(length > 0, 100.0 * weight / length**3, np.nan)
    return {
        "date": [day.isoformat() for day in got["sample_date"]],
        "assignment": got["assignment_id"],
        "container": [names.get(a, "") for a in got["assignment_id"]],
        "fish_weighed": got["sample_size"],
        "avg_weight_g": column(weight, 4),
        "std_weight_g": column(np.array(got["std_weight_g"], dtype=np.float64), 4),
        "avg_length_cm": column(length, 2),
        "condition_factor": column(k_factor, 3),
    }


def _in_range(dates: np.ndarray, query: GrowthQuery) -> np.ndarray:
    keep = np.ones(dates.shape, dtype=bool)
    if query.start is not None:
        keep &= dates >= np.datetime64(query.start, "D")
    if query.end is not None:
        keep &= dates <= np.datetime64(query.end, "D")
    return keep


def _plan_for_query(
    plan: dict, batch: Batch, query: GrowthQuery, planned: ScenarioInForce, shown_dates: np.ndarray
) -> dict:
    """The scenario curve clipped to the range, one point per day or per ISO week."""
    plan = dict(plan)
    plan["date"] = series.day_dates(plan["day_number"], batch.start_date)
    keep = _in_range(plan["date"], query)
    plan = {name: values[keep] for name, values in plan.items()}
    if query.granularity == WEEKLY:
        week = series.weekly_points(plan["date"], shown_dates)
        plan = {name: values[week] for name, values in plan.items()}
    out = columns(plan, PLAN_COLUMNS)
    out["stage"] = [planned.stages.name[i] for i in plan["stage"]]
    if query.assignment_id is not None:
        # The plan counts the whole batch; one container holds only a share of it.
        out["population"] = [None] * len(out["date"])
        out["biomass_kg"] = [None] * len(out["date"])
    return out


def utc_today() -> dt.date:
    """The server's date (UTC): the answer cache starts afresh at midnight UTC."""
    return dt.datetime.now(dt.UTC).date()


def growth_data(batch: Batch, query: GrowthQuery, today: dt.date | None = None) -> dict:
    """The combined growth data of ``batch`` for ``query`` (see the module docstring);
    ``today`` (default: UTC today) is the day that day counts are taken from."""
    today = today or utc_today()
    # Six days before the range so the trailing 7-day FCR of its first days is complete.
    lead = None if query.start is None else query.start - dt.timedelta(days=FCR_WINDOW_DAYS - 1)
    rows = read_state_rows(batch.id, lead, query.end, query.assignment_id)
    daily = series.daily(rows, batch.start_date)
    keep = _in_range(daily["date"], query)
    daily = {name: values[keep] for name, values in daily.items()}
    rows = rows.take(_in_range(series.day_dates(rows["day_number"], batch.start_date), query))
    shown = series.weekly(daily) if query.granularity == WEEKLY else daily

    assignments = _assignments(batch, query)
    names = {a["id"]: a["container"] for a in assignments}
    planned = read_scenario(batch)
    result: dict = {
        "batch": batch_info(batch),
        "query": {
            "start": query.start,
            "end": query.end,
            "assignment": query.assignment_id,
            "granularity": query.granularity,
            "period": query.period,
        },
        "scenario": None,
        "scenario_missing": None,
        "states_missing": None,
        "assignments": assignments,
        "samples": _samples(batch, query, names),
        "actual": columns(shown, ACTUAL_SERIES),
        "scenario_projection": None,
        "forward_projection": None,
        "variance": None,
        "today": today,
    }
    if not result["batch"]["last_state_date"]:
        result["states_missing"] = (
            "No daily states have been computed for this batch yet. Compute them with "
            f"`{RECOMPUTE_HINT.format(number=batch.number)}`."
        )
    planned_by_stage = plan_curve = None
    if planned.scenario is None:
        result["scenario_missing"] = (
            "This batch has no scenario, so there is no plan to compare with and no forward "
            "projection. Pin a scenario to the batch (or create one) to see them."
        )
    else:
        planned_by_stage, plan_curve = _add_scenario(result, batch, query, planned, shown)
    result["periods"] = _periods(batch, rows, assignments, planned_by_stage, query.period)
    forward = result["forward_projection"]
    pens = status.pens(batch, rows, assignments, forward, query.start, query.end)
    head = status.headline(
        batch,
        rows,
        daily,
        status.batch_stocked(batch, query.assignment_id),
        forward,
        None if query.assignment_id is not None else plan_curve,
        today,
    )
    by_cause = status.causes(batch, query.start, query.end)
    for pen in pens:
        pen["deaths_by_cause"] = by_cause.get(pen["assignment"], [])
    if head is not None:
        head["deaths_by_cause"] = (
            by_cause.get(None, [])
            if query.assignment_id is None
            else by_cause.get(query.assignment_id, [])
        )
    result["status"] = {
        "batch": head,
        "pens": pens,
        "harvest": status.harvest_summary(batch, head, pens),
    }
    return result


def _periods(
    batch: Batch, rows, assignments: list[dict], planned: dict | None, wanted: str | None
) -> dict:
    """The period tables: the one ``wanted`` (a ``PERIODS`` key), the others None; all
    four when None."""
    names = {a["id"]: a["container"] for a in assignments}
    stages = {a["id"]: a["stage"] for a in assignments}
    tables: dict = dict.fromkeys(PERIODS.values())
    if wanted in (None, "stage", "stay"):
        per_assignment = periods.by_assignment(rows, names, stages, planned)
        if wanted != "stay":
            tables["by_stage"] = _kg_rounded(periods.by_stage(per_assignment))
        if wanted != "stage":
            tables["by_assignment"] = _kg_rounded(periods.without_parts(per_assignment))
    for kind in (periods.WEEK, periods.MONTH):
        if wanted in (None, kind):
            found = periods.by_calendar(rows, batch.start_date, kind, stages, planned)
            tables[PERIODS[kind]] = _kg_rounded(found)
    return tables


def _add_scenario(
    result: dict, batch: Batch, query: GrowthQuery, planned: ScenarioInForce, shown: dict
) -> tuple[dict, dict | None]:
    """Put the scenario, its projections and the variance into ``result``; return the
    scenario's TGC and FCR by stage name (for the periods) and the plan's whole curve
    with its dates (for the status), ``None`` without one."""
    scenario = planned.scenario
    per_stage = [
        {
            "stage": name,
            "tgc": _num(scenario.tgc_by_stage[i], 4),
            "fcr": _num(scenario.fcr_by_stage[i], 4),
            # A daily rate of 0.0005: seven decimals keep its three significant digits.
            "mortality_rate_per_day": _num(scenario.mortality_rate_by_stage[i], 7),
        }
        for i, name in enumerate(planned.stages.name)
    ]
    result["scenario"] = {
        "id": scenario.id,
        "name": scenario.name,
        "harvest_weight_g": scenario.harvest_weight_g,
        "stages": per_stage,
        "pinned": batch.pinned_scenario_id == scenario.id,
    }
    missing = projections.missing_parts(planned)
    if missing:
        result["scenario_missing"] = (
            "The scenario has no "
            + " and no ".join(m.removeprefix("a ") for m in missing)
            + "; the projections treat those as no growth."
        )
    plan = projections.scenario_projection(batch, planned)
    curve = None
    if plan is not None:
        result["scenario_projection"] = _plan_for_query(plan, batch, query, planned, shown["date"])
        plan_dates = series.day_dates(plan["day_number"], batch.start_date)
        curve = {**plan, "date": plan_dates}
        result["variance"] = periods.weight_variance(
            shown["date"], shown["avg_weight_g"], plan_dates, plan["avg_weight_g"]
        )
    forward = projections.forward_projection(batch, planned, query.assignment_id)
    if forward is not None:
        fseries = forward.pop("series")
        forward["expected_weight_g"] = _num(forward["expected_weight_g"], 2)
        for pen in forward["containers"]:
            pen["latest_weight_g"] = _num(pen["latest_weight_g"], 2)
        fseries["date"] = series.day_dates(fseries["day_number"], batch.start_date)
        if query.end is not None:
            keep = fseries["date"] <= np.datetime64(query.end, "D")
            fseries = {name: values[keep] for name, values in fseries.items()}
        forward.update(
            columns(
                fseries,
                FORWARD_COLUMNS,
            )
        )
        for name in series.BAND_COLUMNS:  # null without a band (the anchored model)
            forward.setdefault(name, [None] * len(forward["date"]))
        result["forward_projection"] = forward
    return {s["stage"]: {"tgc": s["tgc"], "fcr": s["fcr"]} for s in per_stage}, curve


def _num(value: float, digits: int) -> float | None:
    return round(float(value), digits) if np.isfinite(value) else None


PERIOD_KG = ("feed_kg", "growth_kg", "recorded_feed_kg", "recorded_growth_kg")


def _kg_rounded(rows: list[dict]) -> list[dict]:
    """Periods' kilograms to the gram (their ratios were taken before rounding)."""
    for row in rows:
        for name in PERIOD_KG:
            row[name] = round(row[name], 3)
    return rows
