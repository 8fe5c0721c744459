"""Forward projections against the harvests: each pen at its own TGC, or at the plan's.

For every harvested pen (``engine/holdout.py``: a stay whose harvests took its fish) and
each horizon of ``--horizons`` days, the pen's batch as the farm knew it that many days
before the harvest (every record after that day withheld, as ``holdout.held_out``
withholds them) is computed in memory in the smoothed model. From the pen's state on
that day, its weight is grown to the harvest day by the TGC rule over the temperatures
its rows recorded on the days between (the same days for both, so that only the growth
rate differs):

- **plan**: the scenario's TGC of the pen's stage (the forward projection's rule before
  2026-12-01);
- **pen**: the pen's own TGC as the smoother estimated it on that day (``tgc_end``, the
  rule now).

Each is scored against the harvest's mean weight (live kg / fish): a harvest is the
farm's own truth, so no generator's truth is read, and the bench runs on any farm with
harvests. Prints, per horizon, the pens scored and each rule's mean and median absolute
error and its mean signed error (%).

    .venv/bin/python bench/forecast_bench.py --database ag_demo
    .venv/bin/python bench/forecast_bench.py --database ag_demo --json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.real_farm_bench import farm_parser, learned_history, open_farm, with_history

RULES = ("plan", "pen")


def parse() -> argparse.Namespace:
    parser = farm_parser(__doc__.split("\n")[0])
    parser.add_argument(
        "--horizons", default="14,30,60,90", help="days before each harvest, comma-separated"
    )
    return parser.parse_args()


@dataclass(frozen=True)
class Forecast:
    """One pen's weight forecast from ``horizon`` days before its harvest (g)."""

    horizon: int
    harvested_g: float
    plan_g: float
    pen_g: float

    def error_pct(self, rule: str) -> float:
        return (getattr(self, f"{rule}_g") / self.harvested_g - 1.0) * 100.0


def grown(weight_g: float, tgc: float, degree_days: float) -> float:
    """The TGC rule over ``degree_days`` effective degC days, as the projections take it."""
    from aquagrowth.engine.core.growth import root_after

    root = float(root_after(math.cbrt(weight_g), tgc, np.array([degree_days]))[0])
    return max(root, 0.0) ** 3


def batch_forecasts(loaded, closed, horizons: list[int]) -> list[Forecast]:
    """Every harvested pen of one batch, from each horizon before its harvest."""
    from aquagrowth.engine import holdout
    from aquagrowth.engine.core.assimilate import assimilate
    from aquagrowth.engine.core.growth import effective_temperature

    inputs = with_history(loaded, closed)
    scenario = inputs.scenario
    if scenario is None:
        return []
    full = assimilate(inputs, weight_model="smoothed")
    out = []
    for pen in holdout.harvested_pens(inputs):
        if pen.live_kg <= 0:
            continue
        a = pen.position
        planned = float(scenario.tgc_by_stage[inputs.assignment_stage[a]])
        mine = full.assignment == a
        for horizon in horizons:
            cut = pen.day - horizon
            if cut < int(inputs.assignment_first_day[a]) or math.isnan(planned):
                continue  # the pen's stay had not begun: nothing of it to project
            day = loaded.start_date + dt.timedelta(days=cut)
            rates = closed.rates(loaded.species_id, loaded.geography_id, loaded.stage_ids, day)
            cut_pen = holdout.HarvestedPen(a, cut, pen.fish, pen.live_kg)
            states = assimilate(holdout.held_out(inputs, cut_pen, rates), weight_model="smoothed")
            row = np.flatnonzero((states.assignment == a) & (states.day == cut))
            if row.size != 1 or not states.population[row[0]] > 0:
                continue
            weight = float(states.avg_weight_g[row[0]])
            own = float(states.stays.tgc_end[a]) * 1000.0
            if not (math.isfinite(weight) and math.isfinite(own) and own > 0):
                continue
            ahead = mine & (full.day > cut) & (full.day <= pen.day)
            degree_days = float(effective_temperature(full.temp_c[ahead]).sum())
            out.append(
                Forecast(
                    horizon,
                    pen.live_kg * 1000.0 / pen.fish,
                    grown(weight, planned, degree_days),
                    grown(weight, own, degree_days),
                )
            )
    return out


def summary(forecasts: list[Forecast], horizons: list[int]) -> list[dict]:
    rows = []
    for horizon in horizons:
        these = [f for f in forecasts if f.horizon == horizon]
        row: dict = {"horizon_days": horizon, "pens": len(these)}
        for rule in RULES:
            errors = [f.error_pct(rule) for f in these]
            row[rule] = {
                "mean_abs_pct": statistics.fmean(map(abs, errors)) if errors else None,
                "median_abs_pct": statistics.median(map(abs, errors)) if errors else None,
                "mean_signed_pct": statistics.fmean(errors) if errors else None,
            }
        rows.append(row)
    return rows


def measure(end: dt.date, horizons: list[int]) -> dict:
    from aquagrowth.engine.load import load_batch
    from aquagrowth.engine.weight_fit import current_smoother_params
    from aquagrowth.farm import models as m

    started = time.perf_counter()
    ids = list(m.Harvest.objects.order_by("batch_id").values_list("batch_id", flat=True).distinct())
    loaded = [load_batch(batch_id, end=end, today=end) for batch_id in ids]
    closed = learned_history(loaded)
    forecasts = []
    for batch in loaded:
        forecasts += batch_forecasts(batch, closed, horizons)
    return {
        "end": end.isoformat(),
        "batches_with_harvests": len(ids),
        "params": "the farm's fit" if current_smoother_params() else "the defaults (no fit)",
        "horizons": summary(forecasts, horizons),
        "seconds": time.perf_counter() - started,
    }


def _cell(row: dict, rule: str, *names: str) -> str:
    values = [row[rule][n] for n in names]
    return " / ".join("-" if v is None else f"{v:.2f}" for v in values)


def print_table(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"harvest weight forecast from h days before: {result['batches_with_harvests']} "
        f"batches with harvests on {result['database']}, computed to {result['end']}"
    )
    for column in ("h (days)", "pens", *(f"{r}: mean / median abs %" for r in RULES)):
        table.add_column(column, justify="right")
    for column in (f"{r}: mean signed %" for r in RULES):
        table.add_column(column, justify="right")
    for row in result["horizons"]:
        table.add_row(
            str(row["horizon_days"]),
            str(row["pens"]),
            *(_cell(row, r, "mean_abs_pct", "median_abs_pct") for r in RULES),
            *(_cell(row, r, "mean_signed_pct") for r in RULES),
        )
    console = Console()
    console.print(table)
    console.print(f"smoother parameters: {result['params']}; {result['seconds']:.1f} s")


def main() -> None:
    args = parse()
    end = open_farm(args)
    horizons = [int(h) for h in args.horizons.split(",")]
    result = {"database": args.database, **measure(end, horizons)}
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print_table(result)


if __name__ == "__main__":
    main()
