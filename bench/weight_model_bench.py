"""The two weight models on the same data, in one run: anchored and smoothed.

    # a farm with its ground truth (seed-scale; --perfect-records for the issue's first
    # target, the default records for the real farm's):
    .venv/bin/python bench/build_farm.py --keep --perfect-records --database ag_perfect
    .venv/bin/python bench/weight_model_bench.py --database ag_perfect
    .venv/bin/python bench/weight_model_bench.py --database ag_perfect --json

Reads every batch once, fits the smoother's parameters from the farm's records
(``engine/core/weight_fit.py``, as ``aquagrowth fit_weight_model`` does), then computes
every batch in memory, nothing stored, under each weight model (the reconciled
population rules, the farm's history learned as ``real_farm_bench`` learns it). For
each model, with the code of ``aquagrowth verify``: the stored figure's weight error
(the smoothed estimate knows later records), the real-time weight error (each day from
the records up to that day: the smoother's filter, and for the anchored model the curve
from the last measured weight at the scenario's TGC), the 90 % band's coverage overall
and per stage, the harvest figures (each harvested pen held out before its harvest), the
daily FCR's p99 / median (spikes), and the seconds of the daily rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.real_farm_bench import (
    Truth,
    concat_estimates,
    farm_parser,
    learned_history,
    open_farm,
    with_history,
)

MODELS = ("anchored", "smoothed")


def parse() -> argparse.Namespace:
    parser = farm_parser(__doc__.split("\n")[0])
    parser.add_argument("--no-holdout", action="store_true", help="skip the harvest figures")
    return parser.parse_args()


def fcr_spikiness(fcr: np.ndarray) -> float | None:
    """p99 / median of the daily FCR over the rows that have one (1 for a flat FCR)."""
    values = fcr[~np.isnan(fcr) & (fcr > 0)]
    if values.size == 0:
        return None
    return float(np.percentile(values, 99) / np.median(values))


def run_model(model: str, loaded: list, closed, truth: Truth, params, holdout_too: bool):
    """One model's figures over every batch."""
    from aquagrowth.engine import holdout
    from aquagrowth.engine.core.assimilate import assimilate
    from aquagrowth.engine.core.smoother import ANCHORED_REALTIME
    from aquagrowth.engine.verify import estimates_in_memory, figures
    from aquagrowth.generator import accuracy

    out: dict = {"model": model}
    estimates, realtime, fcr = [], [], []
    seconds = realtime_seconds = 0.0
    for batch in loaded:
        inputs = replace(with_history(batch, closed), smoother_params=params)
        started = time.perf_counter()
        states = assimilate(inputs, weight_model=model)
        seconds += time.perf_counter() - started
        estimates.append(estimates_in_memory(batch, states))
        fcr.append(states.fcr)
        started = time.perf_counter()
        if model == "smoothed":
            now = assimilate(inputs, weight_model="smoothed", realtime=True)
        else:
            now = assimilate(
                inputs, weight_model="smoothed", realtime=True, params=ANCHORED_REALTIME
            )
        realtime_seconds += time.perf_counter() - started
        realtime.append(estimates_in_memory(batch, now))
    joined = concat_estimates(estimates)
    scored = accuracy.score(joined, truth.of(joined)) if accuracy.has_truth() else None
    joined_now = concat_estimates(realtime)
    scored_now = accuracy.score(joined_now, truth.of(joined_now)) if scored else None
    scores = []
    started = time.perf_counter()
    if holdout_too:
        for batch in loaded:
            with_params = replace(batch, inputs=replace(batch.inputs, smoother_params=params))
            scores += holdout.score_batch(with_params, closed, "reconciled", model)
    out["holdout_seconds"] = time.perf_counter() - started
    out["figures"] = figures(
        scored.overall if scored else None,
        scored.stages if scored else [],
        holdout.HarvestFigures(scores),
        scored_now.overall if scored_now else None,
    )
    out["fcr_p99_over_median"] = fcr_spikiness(np.concatenate(fcr))
    out["daily_seconds"] = seconds
    out["daily_rows"] = int(sum(len(e.date) for e in estimates))
    out["realtime_seconds"] = realtime_seconds
    return out


def measure(end: dt.date, holdout_too: bool) -> dict:
    from aquagrowth.engine.core import weight_fit
    from aquagrowth.engine.core.assimilate import unsampled_innovations
    from aquagrowth.engine.load import load_batch
    from aquagrowth.farm import models as m

    started = time.perf_counter()
    ids = list(m.Batch.objects.order_by("id").values_list("id", flat=True))
    loaded = [load_batch(batch_id, end=end, today=end) for batch_id in ids]
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    sums = weight_fit.FitSums()
    for batch in loaded:
        sums = sums + weight_fit.batch_sums(batch.inputs)
    likelihoods: dict = {}

    def farm_logliks(name: str, params):
        total, observations = np.zeros(len(weight_fit.LIKELIHOOD_GRIDS[name])), 0
        for batch in loaded:
            values, count = weight_fit.grid_logliks(batch.inputs, params, name)
            total += values
            observations += count
        key = f"{name} (others: {params})"
        likelihoods[key] = dict(zip(weight_fit.LIKELIHOOD_GRIDS[name], total.tolist(), strict=True))
        return total, observations

    def farm_innovations(params) -> list:
        return [i for batch in loaded for i in unsampled_innovations(batch.inputs, params)]

    fit = weight_fit.fit_records(sums, farm_logliks, farm_innovations)
    fit_seconds = time.perf_counter() - started
    closed = learned_history(loaded)
    truth = Truth()
    runs = {
        model: run_model(model, loaded, closed, truth, fit.params, holdout_too) for model in MODELS
    }
    return {
        "end": end.isoformat(),
        "batches": len(ids),
        "load_seconds": load_seconds,
        "fit": {
            **fit.params.__dict__,
            "samples_with_sd": fit.samples_with_sd,
            "observations": fit.triples,
            "loglik": likelihoods,
            "drift_by_moments": fit.drift_by_moments,
            "unsampled_tgc_cv_by_likelihood": fit.unsampled_by_likelihood,
            "calibration_measurements": fit.calibration_measurements,
            "triples": sums.triples,
            "stays": fit.stays,
            "seconds": fit_seconds,
        },
        "models": runs,
        "smoothed_over_anchored_seconds": runs["smoothed"]["daily_seconds"]
        / runs["anchored"]["daily_seconds"],
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


SHOWN = (
    "weight_error_median_pct",
    "weight_error_p95_pct",
    "weight_realtime_error_median_pct",
    "weight_realtime_error_p95_pct",
    "weight_band90_coverage_pct",
    "biomass_error_median_pct",
    "biomass_error_p95_pct",
    "harvest_pens",
    "harvest_biomass_error_mean_abs_pct",
    "harvest_pens_outside_3pct_share",
    "harvest_weight_error_mean_abs_pct",
)


def print_table(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"weight models: {result['batches']} batches on {result['database']}, "
        f"computed to {result['end']}"
    )
    for column in ("figure", *MODELS):
        table.add_column(column, justify="left" if column == "figure" else "right")

    def shown(value) -> str:
        return "-" if value is None else f"{value:,.3f}"

    runs = result["models"]
    for key in SHOWN:
        table.add_row(key, *(shown(runs[m]["figures"][key]) for m in MODELS))
    stages = runs["smoothed"]["figures"]["by_stage"] or {}
    for stage in stages:
        table.add_row(
            f"by_stage {stage}: weight median / p95 / band coverage",
            *(
                "/".join(
                    shown((runs[m]["figures"]["by_stage"] or {}).get(stage, {}).get(k))
                    for k in (
                        "weight_error_median_pct",
                        "weight_error_p95_pct",
                        "weight_band90_coverage_pct",
                    )
                )
                for m in MODELS
            ),
        )
    for key in ("fcr_p99_over_median", "daily_seconds", "realtime_seconds", "holdout_seconds"):
        table.add_row(key, *(shown(runs[m][key]) for m in MODELS))
    fit = result["fit"]
    table.caption = (
        f"fit: sample_cv {fit['sample_cv']:.3f} ({fit['samples_with_sd']} samples), "
        f"tgc_drift_sd {fit['tgc_drift_sd']:.4f} ({fit['triples']} triples), "
        f"scenario_tgc_cv {fit['scenario_tgc_cv']:.3f} ({fit['stays']} stays); "
        f"smoothed / anchored core seconds {result['smoothed_over_anchored_seconds']:.2f}; "
        f"loaded in {result['load_seconds']:.1f} s; peak memory "
        f"{result['peak_memory_mb']:.0f} MB"
    )
    Console(width=140).print(table)


def main() -> int:
    args = parse()
    result = {"database": args.database, **measure(open_farm(args), not args.no_holdout)}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
